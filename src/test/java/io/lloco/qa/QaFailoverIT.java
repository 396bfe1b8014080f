/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.opensearch.client.ResponseException;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Settings;
import org.opensearch.test.InternalTestCluster;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.routing.InferenceRouter;
import io.lloco.testing.LlocoIntegTestCase;

/**
 * A data node and two {@code lloco} nodes: a {@code lloco} node stopped while it decodes a question; the coordinating
 * node retries once on the other {@code lloco} node and the caller still gets the answer. With every {@code lloco}
 * node gone and {@code plugins.lloco.qa.allow_local=false}, the caller gets a 503 naming the setting.
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

    @SuppressWarnings("unchecked")
    public void testLlocoNodeStoppedMidRequestIsRetriedOnAnother() throws Exception {
        String data = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
        String l1 = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
        String l2 = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
        ensureStableCluster(3);
        ingest();
        InferenceRouter router = internalCluster().getInstance(InferenceRouter.class, data);
        Map<String, String> idToName = new java.util.HashMap<>();
        for (DiscoveryNode n : internalCluster().getInstance(ClusterService.class, data).state().nodes()) {
            idToName.put(n.getId(), n.getName());
        }
        // a long answer keeps the first lloco node busy (random model: no EOS in sight)
        // asked on the data node itself, which must route to a lloco node
        LlocoQaRequest question = new LlocoQaRequest("docs").question("Where?").docIds(List.of("d1")).maxNewTokens(400);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread asker = new Thread(() -> {
            try {
                result.set(internalCluster().client(data).execute(LlocoQaAction.INSTANCE, question).actionGet().asMap());
            } catch (Exception e) {
                result.set(e);
            }
        });
        asker.start();
        String busy = null;
        for (int i = 0; i < 2000 && busy == null; i++) {
            for (Map.Entry<String, String> e : idToName.entrySet()) {
                if (router.outstanding(e.getKey()) > 0) {
                    busy = e.getValue();
                }
            }
            Thread.sleep(5);
        }
        assertNotNull("a lloco node received the question", busy);
        assertTrue(busy.equals(l1) || busy.equals(l2));
        internalCluster().stopRandomNode(InternalTestCluster.nameFilter(busy));
        asker.join(120_000);
        assertFalse("answered", asker.isAlive());
        Object r = result.get();
        assertTrue("the question survived the node failure: " + r, r instanceof Map);
        String other = busy.equals(l1) ? l2 : l1;
        assertEquals(other, ((Map<String, Object>) r).get("node"));
    }

    public void testCancellingTheQuestionStopsTheDecodeOnTheLlocoNode() throws Exception {
        String data = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
        String lloco = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
        ensureStableCluster(2);
        ingest();
        LlocoQaRequest question = new LlocoQaRequest("docs").question("Where?").docIds(List.of("d1")).maxNewTokens(1000);
        AtomicReference<Object> result = new AtomicReference<>();
        long t0 = System.nanoTime();
        Thread asker = new Thread(() -> {
            try {
                result.set(internalCluster().client(data).execute(LlocoQaAction.INSTANCE, question).actionGet());
            } catch (Exception e) {
                result.set(e);
            }
        });
        asker.start();
        // wait until the decode runs on the lloco node (a child task there), then cancel the parent question
        org.opensearch.core.tasks.TaskId parent = null;
        for (int i = 0; i < 2000 && parent == null; i++) {
            var tasks = internalCluster().client(data).admin().cluster().prepareListTasks().setActions(io.lloco.decode.DecodeAction.NAME)
                .get().getTasks();
            if (tasks.isEmpty() == false) {
                assertEquals(
                    lloco,
                    internalCluster().clusterService(data).state().nodes().get(tasks.get(0).getTaskId().getNodeId()).getName()
                );
                parent = tasks.get(0).getParentTaskId();
            }
            Thread.sleep(5);
        }
        assertNotNull("the decode ran as a child task on the lloco node", parent);
        internalCluster().client(data).admin().cluster().prepareCancelTasks().setTaskId(parent).get();
        asker.join(60_000);
        assertFalse(asker.isAlive());
        Object r = result.get();
        assertTrue("cancelled, got " + r, r instanceof Exception);
        assertTrue(String.valueOf(r), org.opensearch.ExceptionsHelper.unwrapCause((Exception) r).toString().contains("cancel"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // nothing of it is left running on the lloco node
        assertBusy(
            () -> assertTrue(
                internalCluster().client(data).admin().cluster().prepareListTasks().setActions(io.lloco.decode.DecodeAction.NAME).get()
                    .getTasks().isEmpty()
            )
        );
        logger.info("question cancelled after {} ms", ms);
    }

    public void testFullQueueAnswers429NamingTheSetting() throws Exception {
        String data = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
        internalCluster().startNode(
            Settings.builder().putList("node.roles", "lloco").put("plugins.lloco.qa.queue_size", 1).put("plugins.lloco.qa.max_batch", 1)
        );
        ensureStableCluster(2);
        ingest();
        List<Object> results = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<Thread> threads = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Thread t = new Thread(() -> {
                try {
                    results.add(
                        internalCluster().client(data)
                            .execute(
                                LlocoQaAction.INSTANCE,
                                new LlocoQaRequest("docs").question("Where?").docIds(List.of("d1")).maxNewTokens(200)
                            )
                            .actionGet()
                    );
                } catch (Exception e) {
                    results.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(120_000);
        }
        long rejected = results.stream()
            .filter(
                r -> r instanceof Exception e
                    && org.opensearch.ExceptionsHelper.status(e) == org.opensearch.core.rest.RestStatus.TOO_MANY_REQUESTS
            )
            .peek(r -> assertTrue(((Exception) r).getMessage(), ((Exception) r).getMessage().contains("plugins.lloco.qa.queue_size")))
            .count();
        long answered = results.stream().filter(r -> r instanceof LlocoQaResponse).count();
        assertEquals(results.toString(), 6, rejected + answered);
        assertTrue("some questions were turned away: " + results, rejected >= 1);
        assertTrue("some questions were answered: " + results, answered >= 1);
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
