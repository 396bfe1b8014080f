/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.ResponseListener;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

/**
 * Faults on a real cluster of a data node and two {@code lloco} nodes (integTest/faults/run.sh; skipped elsewhere):
 * a {@code lloco} node killed ({@code SIGKILL}) while questions are decoding, then while documents are being compressed,
 * and restarted. Every question gets an answer or a clear error — never a request left hanging, never a 5xx without a
 * message; the questions after the fault are answered by the surviving node; every document of the bulks is either
 * indexed once (its version 1, found by its id) or reported failed in its bulk item, and the index holds exactly the
 * documents reported indexed; the restarted node rejoins and loads its model on demand. The index is bound to a
 * registry adapter ({@code index.lloco.adapter}): every question decodes with it, and once both {@code lloco} nodes
 * have been restarted both answer with it (their model loaded on demand, the adapter found again or fetched).
 */
public class FaultRestIT extends OpenSearchRestTestCase {

    private static final String INDEX = "faults";
    private static final String QUESTION = "{\"question\":\"How many boats did Ada Fenn own?\",\"size\":4,\"max_new_tokens\":24}";
    /** Questions in flight when a node is killed; documents per bulk and bulks during the second kill. */
    static final int QUESTIONS = Integer.getInteger("tests.lloco.faults.questions", 24);
    static final int BULKS = Integer.getInteger("tests.lloco.faults.bulks", 6);
    static final int DOCS_PER_BULK = 10;
    /** The registry adapter the index is bound to. */
    private static final String ADAPTER = "fault-adapter";

    /** The registry's system index: deleted here (a wipe of the cluster would fail on the warning its deletion gives). */
    @org.junit.After
    public void deleteRegistry() throws IOException {
        Request del = new Request("DELETE", "/.lloco-adapters?ignore_unavailable=true");
        org.opensearch.client.RequestOptions.Builder options = org.opensearch.client.RequestOptions.DEFAULT.toBuilder();
        options.setWarningsHandler(org.opensearch.client.WarningsHandler.PERMISSIVE);
        del.setOptions(options);
        adminClient().performRequest(del);
    }

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }

    private static Map<String, Object> call(String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, client().performRequest(r).getEntity().getContent(), false);
    }

    private static Path nodeDir(String name) {
        return Path.of(System.getProperty(NodeModels.NODES_DIR)).resolve(name);
    }

    /** SIGKILL to the node's process (as an OOM killer or a power cut would). */
    private static void kill(String name) throws IOException {
        long pid = Long.parseLong(Files.readString(nodeDir(name).resolve("os.pid")).trim());
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError(name + " is not running (pid " + pid + ")"));
        assertTrue(h.destroyForcibly());
        h.onExit().join();
    }

    /** Starts the node again with integTest/cluster.sh (its own config directory, the same ports). */
    private static void restart(String name) throws Exception {
        String yml = Files.readString(nodeDir(name).resolve("config/opensearch.yml"));
        String port = yml.lines().filter(l -> l.startsWith("http.port:")).reduce((a, b) -> b).orElseThrow().split(":")[1].trim();
        ProcessBuilder pb = new ProcessBuilder(
            "bash", Path.of(System.getProperty("lloco.project.dir", ".")).resolve("integTest/cluster.sh")
                .toString(),
            "start"
        );
        pb.environment().put("NODES", name + ":lloco");
        pb.environment().put("HTTP_PORT", port);
        pb.environment().put("OS_BASE", nodeDir(name).getParent().getParent().toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(out, 0, p.waitFor());
        call("GET", "/_cluster/health?wait_for_nodes=3&timeout=120s", null);
    }

    private static Request bulk(int from, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < from + n; i++) {
            sb.append("{\"create\":{\"_id\":\"f").append(i).append("\"}}\n{\"body\":\"Ada Fenn walked to harbour number ").append(i)
                .append(" of Tallowmere. She owned ").append(i % 7 + 2).append(" boats and a red goat. Her neighbour Otto Marsh kept ")
                .append(i % 5 + 1).append(" bees on the hill above the lighthouse.\"}\n");
        }
        Request r = new Request("POST", "/" + INDEX + "/_bulk?pipeline=faults-compress");
        r.setEntity(new ByteArrayEntity(sb.toString().getBytes(StandardCharsets.UTF_8), ContentType.create("application/x-ndjson")));
        return r;
    }

    private static String body(ResponseException e) {
        try {
            return new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException io) {
            return io.toString();
        }
    }

    public void testALlocoNodeKilledDuringQuestionsAndDuringIngest() throws Exception {
        assumeTrue("run by integTest/faults/run.sh (-Dtests.lloco.faults=1)", Boolean.getBoolean("tests.lloco.faults"));
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        call(
            "PUT",
            "/_ingest/pipeline/faults-compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"lloco-tiny\"}}]}"
        );
        call("PUT", "/" + INDEX, mapping);
        // the index bound to a registry adapter (the embedded model's default adapter registered under another name from
        // a folder of every node's config): every question below decodes with it, fetched by each lloco node on demand
        Path adapterDir = Files.createDirectories(Files.createTempDirectory("fault-adapter").resolve("fault-shipped"));
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            try (var in = FaultRestIT.class.getResourceAsStream("/io/lloco/models/lloco-tiny/adapters/default/" + f)) {
                Files.copy(in, adapterDir.resolve(f));
            }
        }
        NodeModels.linkTree(adapterDir, "lloco/adapters/fault-shipped");
        call("PUT", "/_plugins/lloco/adapters/" + ADAPTER, "{\"path\":\"fault-shipped\",\"base_model\":\"lloco-tiny\"}");
        call("PUT", "/" + INDEX + "/_settings", "{\"index.lloco.adapter\":\"" + ADAPTER + "\"}");
        Map<String, Object> first = XContentHelper.convertToMap(
            JsonXContent.jsonXContent,
            client().performRequest(bulk(0, 8)).getEntity().getContent(),
            false
        );
        assertEquals(first.toString(), false, first.get("errors"));
        call("POST", "/" + INDEX + "/_refresh", null);
        call("POST", "/_plugins/lloco/models/lloco-tiny/_load", null); // both lloco nodes
        assertEquals(ADAPTER, call("POST", "/" + INDEX + "/_lloco_qa", QUESTION).get("adapter"));

        // 1. lloco-0 killed while questions are decoding
        ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> unclear = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> servedBy = new ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicReference<String> firstServer = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch firstAnswer = new CountDownLatch(1);
        CountDownLatch all = new CountDownLatch(QUESTIONS);
        for (int i = 0; i < QUESTIONS; i++) {
            Request q = new Request("POST", "/" + INDEX + "/_lloco_qa");
            q.setJsonEntity(QUESTION);
            client().performRequestAsync(q, new ResponseListener() {

                @Override
                public void onSuccess(Response r) {
                    statuses.add(r.getStatusLine().getStatusCode());
                    try {
                        Map<String, Object> m = XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
                        servedBy.add(String.valueOf(m.get("node")));
                        firstServer.compareAndSet(null, String.valueOf(m.get("node")));
                    } catch (IOException e) {
                        unclear.add("unreadable answer: " + e);
                    }
                    firstAnswer.countDown();
                    all.countDown();
                }

                @Override
                public void onFailure(Exception e) {
                    if (e instanceof ResponseException re) {
                        int s = re.getResponse().getStatusLine().getStatusCode();
                        statuses.add(s);
                        String b = body(re);
                        // a clear error: a status and a reason saying what happened (a node left, a connection closed)
                        if (b.contains("\"reason\"") == false || (s != 429 && s < 500)) {
                            unclear.add(s + ": " + b);
                        }
                    } else {
                        statuses.add(-1);
                        unclear.add("no answer: " + e);
                    }
                    firstAnswer.countDown();
                    all.countDown();
                }
            });
        }
        assertTrue(firstAnswer.await(5, TimeUnit.MINUTES));
        // the node that answered first is decoding the others: kill it
        String victim = "lloco-1".equals(firstServer.get()) ? "lloco-1" : "lloco-0";
        String survivor = victim.equals("lloco-0") ? "lloco-1" : "lloco-0";
        kill(victim);
        assertTrue("every question got an answer or an error", all.await(5, TimeUnit.MINUTES));
        long ok = statuses.stream().filter(s -> s == 200).count();
        logger.info(
            "fault 1 ({} killed during {} questions): {} answered, statuses {}, served by {}",
            victim,
            QUESTIONS,
            ok,
            statuses,
            servedBy
        );
        assertTrue("clear answers or errors only:\n" + String.join("\n", unclear), unclear.isEmpty());
        // after the fault (once the cluster has seen the node leave), the survivor answers
        call("GET", "/_cluster/health?wait_for_nodes=2&timeout=120s", null);
        for (int i = 0; i < 3; i++) {
            Map<String, Object> a = call("POST", "/" + INDEX + "/_lloco_qa", QUESTION);
            assertEquals(survivor, a.get("node"));
        }

        // 2. documents ingested while the victim is down
        Map<String, Object> down = XContentHelper.convertToMap(
            JsonXContent.jsonXContent,
            client().performRequest(bulk(100, DOCS_PER_BULK)).getEntity().getContent(),
            false
        );
        assertEquals(down.toString(), false, down.get("errors"));

        // 3. the victim back: rejoins, loads its model on demand (a load through the API on that node alone)
        restart(victim);
        Map<String, Object> load = call("POST", "/_plugins/lloco/models/lloco-tiny/_load?nodes=" + victim, null);
        assertEquals(load.toString(), 1, ((Number) ((Map<?, ?>) load.get("_nodes")).get("successful")).intValue());
        assertEquals(ADAPTER, call("POST", "/" + INDEX + "/_lloco_qa", QUESTION).get("adapter"));

        // 4. the survivor killed while bulks are being compressed
        ConcurrentLinkedQueue<String> created = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failedItems = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> bulkErrors = new ConcurrentLinkedQueue<>();
        CountDownLatch firstBulk = new CountDownLatch(1);
        CountDownLatch bulks = new CountDownLatch(BULKS);
        for (int b = 0; b < BULKS; b++) {
            client().performRequestAsync(bulk(1000 + b * DOCS_PER_BULK, DOCS_PER_BULK), new ResponseListener() {

                @Override
                @SuppressWarnings("unchecked")
                public void onSuccess(Response r) {
                    try {
                        Map<String, Object> m = XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
                        for (Object item : (List<Object>) m.get("items")) {
                            Map<String, Object> c = (Map<String, Object>) ((Map<String, Object>) item).get("create");
                            if (c.get("error") == null) {
                                created.add((String) c.get("_id"));
                            } else {
                                Map<String, Object> err = (Map<String, Object>) c.get("error");
                                failedItems.add(c.get("_id") + " " + c.get("status") + " " + err.get("reason"));
                            }
                        }
                    } catch (IOException e) {
                        bulkErrors.add(e.toString());
                    }
                    firstBulk.countDown();
                    bulks.countDown();
                }

                @Override
                public void onFailure(Exception e) {
                    bulkErrors.add(e instanceof ResponseException re ? body(re) : e.toString());
                    firstBulk.countDown();
                    bulks.countDown();
                }
            });
        }
        assertTrue(firstBulk.await(5, TimeUnit.MINUTES));
        kill(survivor);
        assertTrue("every bulk got an answer", bulks.await(10, TimeUnit.MINUTES));
        call("GET", "/_cluster/health?wait_for_nodes=2&timeout=120s", null);
        logger.info(
            "fault 2 ({} killed during {} bulks of {}): {} documents created, {} failed {}, whole bulks failed {}",
            survivor,
            BULKS,
            DOCS_PER_BULK,
            created.size(),
            failedItems.size(),
            failedItems,
            bulkErrors
        );
        assertTrue("whole bulks failing: " + bulkErrors, bulkErrors.isEmpty());
        for (String f : failedItems) {
            assertTrue("a failed item says why: " + f, f.contains("null") == false);
        }
        // nothing lost, nothing doubled: the index holds exactly the documents reported created, each once, whole
        call("POST", "/" + INDEX + "/_refresh", null);
        Set<String> expected = new HashSet<>(created);
        assertEquals("no id reported created twice", created.size(), expected.size());
        assertEquals(BULKS * DOCS_PER_BULK, created.size() + failedItems.size());
        long inIndex = ((Number) call("GET", "/" + INDEX + "/_count", null).get("count")).longValue();
        assertEquals("8 + " + DOCS_PER_BULK + " before, and the created ones", 8 + DOCS_PER_BULK + created.size(), inIndex);
        List<String> missing = new ArrayList<>();
        for (String id : created) {
            Map<String, Object> doc = call("GET", "/" + INDEX + "/_doc/" + id, null);
            if (Boolean.TRUE.equals(doc.get("found")) == false || ((Number) doc.get("_version")).intValue() != 1) {
                missing.add(id + " " + doc);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> lloco = (Map<String, Object>) ((Map<String, Object>) doc.get("_source")).get("lloco");
            if (lloco == null || lloco.get("segments") == null) {
                missing.add(id + " stored without its compressed form");
            }
        }
        assertTrue(String.join("\n", missing), missing.isEmpty());

        // 5. the survivor back; both nodes answer. Both have now been restarted: each loads its model on demand (no
        // _load this time) and answers with the index's registry adapter (found again in its path.data, checked, or
        // fetched again)
        restart(survivor);
        Map<String, Object> info = call("GET", "/_plugins/lloco/_nodes/lloco:true", null);
        assertEquals(info.toString(), 2, ((Number) ((Map<?, ?>) info.get("_nodes")).get("successful")).intValue());
        // concurrent questions (sequential ones may all go to one node): each answer names its node and adapter
        Set<String> answered = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ConcurrentLinkedQueue<String> adapters = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < 5 && answered.size() < 2; round++) {
            CountDownLatch burst = new CountDownLatch(6);
            for (int i = 0; i < 6; i++) {
                Request q = new Request("POST", "/" + INDEX + "/_lloco_qa");
                q.setJsonEntity(QUESTION);
                client().performRequestAsync(q, new ResponseListener() {

                    @Override
                    public void onSuccess(Response r) {
                        try {
                            Map<String, Object> a = XContentHelper
                                .convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
                            answered.add(String.valueOf(a.get("node")));
                            adapters.add(a.get("node") + ":" + a.get("adapter"));
                        } catch (IOException e) {
                            adapters.add("unreadable: " + e);
                        }
                        burst.countDown();
                    }

                    @Override
                    public void onFailure(Exception e) {
                        adapters.add("failed: " + e);
                        burst.countDown();
                    }
                });
            }
            assertTrue(burst.await(5, TimeUnit.MINUTES));
        }
        logger.info("fault 3 (both lloco nodes restarted): answered by {} with the bound registry adapter {}", answered, adapters);
        assertEquals("both restarted lloco nodes answered: " + adapters, 2, answered.size());
        for (String a : adapters) {
            assertTrue("answered with the bound adapter: " + adapters, a.endsWith(":" + ADAPTER));
        }
        call("PUT", "/" + INDEX + "/_settings", "{\"index.lloco.adapter\":null}");
        assertEquals("deleted", call("DELETE", "/_plugins/lloco/adapters/" + ADAPTER, null).get("result"));
    }
}
