/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.opensearch.client.ResponseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.test.InternalTestCluster;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.decode.DecodeAction;
import io.lloco.decode.DecodeService;
import io.lloco.testing.DecodeGate;
import io.lloco.testing.LlocoIntegTestCase;

/**
 * A data node and {@code lloco} nodes whose decode workers are held by a {@link DecodeGate}, so every order below is set
 * by latches: a {@code lloco} node stopped while it holds a question (the coordinating node retries once on the other
 * one and the caller gets the answer); a question cancelled while queued; a full queue (429 naming the setting). With
 * every {@code lloco} node gone and {@code plugins.lloco.qa.allow_local=false}, the caller gets a 503 naming the
 * setting.
 */
@ClusterScope(scope = Scope.TEST, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class QaFailoverIT extends LlocoIntegTestCase {

    private String ingest() throws Exception {
        call(
            "PUT",
            "/_ingest/pipeline/compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"test-ac\"}}]}"
        );
        String mapping = Files
            .readString(Path.of(System.getProperty("lloco.project.dir"), "docs", "lloco-mapping.json"), StandardCharsets.UTF_8);
        call("PUT", "/docs", mapping);
        call("PUT", "/docs/_doc/d1?pipeline=compress&refresh=true", "{\"body\":\"" + QaRoutingIT.text(3) + "\"}");
        return "d1";
    }

    /** Runs a question on another thread; its outcome (the answer map or the exception) lands in the returned reference. */
    private static AtomicReference<Object> ask(String node, LlocoQaRequest question, List<Thread> threads) {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread asker = new Thread(() -> {
            try {
                result.set(internalCluster().client(node).execute(LlocoQaAction.INSTANCE, question).actionGet().asMap());
            } catch (Exception e) {
                result.set(e);
            }
        });
        threads.add(asker);
        asker.start();
        return result;
    }

    private static void join(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(120_000);
            assertFalse("answered", t.isAlive());
        }
    }

    @SuppressWarnings("unchecked")
    public void testLlocoNodeStoppedMidRequestIsRetriedOnAnother() throws Exception {
        String data = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
        String l1 = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
        String l2 = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
        ensureStableCluster(3);
        ingest();
        java.util.concurrent.CountDownLatch anyQueued = new java.util.concurrent.CountDownLatch(1);
        DecodeGate g1 = DecodeGate.install(internalCluster().getInstance(DecodeService.class, l1), 1, anyQueued);
        DecodeGate g2 = DecodeGate.install(internalCluster().getInstance(DecodeService.class, l2), 1, anyQueued);
        // asked on the data node itself, which must route to a lloco node; both hold their worker
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Object> result = ask(
            data,
            new LlocoQaRequest("docs").question("Where?").docIds(List.of("d1")).maxNewTokens(8),
            threads
        );
        assertTrue("the question reached a lloco node", anyQueued.await(120, java.util.concurrent.TimeUnit.SECONDS));
        String busy = g1.isQueued() ? l1 : l2;
        String other = busy.equals(l1) ? l2 : l1;
        (busy.equals(l1) ? g2 : g1).open();
        // the busy node stops while the question waits in its queue: its transport closes first, so the coordinating
        // node retries on the other lloco node; the busy node then answers what it still holds with a 503
        Thread stopper = new Thread(() -> {
            try {
                internalCluster().stopRandomNode(InternalTestCluster.nameFilter(busy));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        stopper.start();
        join(threads);
        (busy.equals(l1) ? g1 : g2).open();
        stopper.join(120_000);
        Object r = result.get();
        assertTrue("the question survived the node failure: " + r, r instanceof Map);
        assertEquals(other, ((Map<String, Object>) r).get("node"));
    }

    public void testCancellingTheQuestionStopsItOnTheLlocoNode() throws Exception {
        String data = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
        String lloco = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
        ensureStableCluster(2);
        ingest();
        DecodeGate gate = DecodeGate.install(internalCluster().getInstance(DecodeService.class, lloco), 1);
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Object> result = ask(
            data,
            new LlocoQaRequest("docs").question("Where?").docIds(List.of("d1")).maxNewTokens(8),
            threads
        );
        assertTrue(gate.awaitQueued());
        // the decode is a child task on the lloco node; cancelling the question (its parent) reaches it
        var tasks = internalCluster().client(data).admin().cluster().prepareListTasks().setActions(DecodeAction.NAME).get().getTasks();
        assertEquals(1, tasks.size());
        assertEquals(lloco, internalCluster().clusterService(data).state().nodes().get(tasks.get(0).getTaskId().getNodeId()).getName());
        internalCluster().client(data).admin().cluster().prepareCancelTasks().setTaskId(tasks.get(0).getParentTaskId()).get();
        gate.open();
        join(threads);
        Object r = result.get();
        assertTrue("cancelled, got " + r, r instanceof Exception);
        assertTrue(String.valueOf(r), org.opensearch.ExceptionsHelper.unwrapCause((Exception) r).toString().contains("cancel"));
        // nothing of it is left on the lloco node: the decode tasks still there end (a wait that times out is a node
        // failure), and none is left after
        var waited = internalCluster().client(data)
            .admin()
            .cluster()
            .prepareListTasks()
            .setActions(DecodeAction.NAME)
            .setWaitForCompletion(true)
            .setTimeout(TimeValue.timeValueSeconds(30))
            .get();
        assertEquals(waited.toString(), List.of(), waited.getNodeFailures());
        assertEquals(waited.toString(), List.of(), waited.getTaskFailures());
        assertEquals(
            List.of(),
            internalCluster().client(data).admin().cluster().prepareListTasks().setActions(DecodeAction.NAME).get().getTasks()
        );
    }

    public void testFullQueueAnswers429NamingTheSetting() throws Exception {
        String data = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
        String lloco = internalCluster().startNode(
            Settings.builder().putList("node.roles", "lloco").put("plugins.lloco.qa.queue_size", 1).put("plugins.lloco.qa.max_batch", 1)
        );
        ensureStableCluster(2);
        ingest();
        DecodeGate gate = DecodeGate.install(internalCluster().getInstance(DecodeService.class, lloco), 1);
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Object> first = ask(
            data,
            new LlocoQaRequest("docs").question("Where?").docIds(List.of("d1")).maxNewTokens(4),
            threads
        );
        assertTrue(gate.awaitQueued());
        // the queue holds one question: the next one is turned away at once, naming the setting
        Exception e = expectThrows(
            Exception.class,
            () -> internalCluster().client(data)
                .execute(LlocoQaAction.INSTANCE, new LlocoQaRequest("docs").question("Where?").docIds(List.of("d1")).maxNewTokens(4))
                .actionGet()
        );
        assertEquals(org.opensearch.core.rest.RestStatus.TOO_MANY_REQUESTS, org.opensearch.ExceptionsHelper.status(e));
        assertTrue(
            e.getMessage(),
            e.getMessage().contains("plugins.lloco.qa.queue_size") && e.getMessage().contains("1 questions waiting")
        );
        gate.open();
        join(threads);
        assertTrue("the queued question is answered: " + first.get(), first.get() instanceof Map);
    }

    public void testNoLlocoNodeAndNoLocalFallbackIs503NamingTheSetting() throws Exception {
        internalCluster().startNode(
            Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest").put("plugins.lloco.qa.allow_local", false)
        );
        ensureStableCluster(1);
        ingest(); // compression falls back locally (ingest allow_local defaults to true)
        ResponseException e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/docs/_lloco_qa", "{\"question\":\"Where?\",\"doc_ids\":[\"d1\"]}")
        );
        assertEquals(503, e.getResponse().getStatusLine().getStatusCode());
        String msg = new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(msg, msg.contains("plugins.lloco.qa.allow_local"));
        // switching the setting on makes the same question work locally
        call("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.lloco.qa.allow_local\":true}}");
        assertNotNull(
            call("POST", "/docs/_lloco_qa", "{\"question\":\"Where?\",\"doc_ids\":[\"d1\"],\"max_new_tokens\":2}").get("answer")
        );
    }
}
