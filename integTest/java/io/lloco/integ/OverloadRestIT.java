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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.junit.After;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.client.ResponseListener;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

/**
 * Questions beyond capacity on real nodes (integTest/run.sh): with {@code plugins.lloco.qa.queue_size} lowered to 1, a
 * burst of concurrent questions gets answers and 429s naming the setting — never a 5xx, never a request left without
 * an answer — and afterwards the memory the questions held is released: the {@code request} circuit breaker (where a
 * question's summary bytes are accounted) and the {@code lloco} breaker (model bytes) back at their baseline on every
 * node, and a question answers again. Heap before and after is logged (not asserted: the JVM collects when it likes).
 * The same for ingest: with {@code plugins.lloco.ingest.queue_size} lowered to 1, bulks from several clients at once
 * through a {@code lloco_compress} pipeline: every document is created (whole, with its compressed form) or its bulk
 * item fails with a 429 naming that setting; no bulk fails whole, none goes unanswered; the breakers come back.
 */
public class OverloadRestIT extends OpenSearchRestTestCase {

    /** Concurrent questions of the burst. */
    static final int BURST = Integer.getInteger("tests.lloco.overload.burst", 48);
    /** Bursts, one after the other (a longer run: {@code -Dtests.lloco.overload.rounds=20}). */
    static final int ROUNDS = Integer.getInteger("tests.lloco.overload.rounds", 1);
    private static final String INDEX = "overload";

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }

    @After
    public void resetQueue() throws IOException {
        call(
            "PUT",
            "/_cluster/settings",
            "{\"persistent\":{\"plugins.lloco.qa.queue_size\":null,\"plugins.lloco.ingest.queue_size\":null}}"
        );
    }

    /** Concurrent clients of the ingest burst, bulks each, documents per bulk. */
    static final int INGEST_CLIENTS = Integer.getInteger("tests.lloco.overload.ingest_clients", 4);
    static final int INGEST_BULKS = Integer.getInteger("tests.lloco.overload.ingest_bulks", 4);
    static final int INGEST_DOCS = 8;

    private static Map<String, Object> call(String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, client().performRequest(r).getEntity().getContent(), false);
    }

    /** Per node: the request and lloco breakers' estimates, and heap used. */
    @SuppressWarnings("unchecked")
    private static Map<String, long[]> memory() throws IOException {
        Map<String, Object> stats = call("GET", "/_nodes/stats/breaker,jvm", null);
        Map<String, long[]> out = new java.util.TreeMap<>();
        for (Object n : ((Map<String, Object>) stats.get("nodes")).values()) {
            Map<String, Object> node = (Map<String, Object>) n;
            Map<String, Object> breakers = (Map<String, Object>) node.get("breakers");
            long request = ((Number) ((Map<String, Object>) breakers.get("request")).get("estimated_size_in_bytes")).longValue();
            Map<String, Object> lloco = (Map<String, Object>) breakers.get("lloco");
            long model = lloco == null ? -1 : ((Number) lloco.get("estimated_size_in_bytes")).longValue();
            long heap = ((Number) ((Map<String, Object>) ((Map<String, Object>) node.get("jvm")).get("mem")).get("heap_used_in_bytes"))
                .longValue();
            out.put((String) node.get("name"), new long[]{request, model, heap});
        }
        return out;
    }

    /** Resident set size of each node's process (from its pid file and /proc; empty when not readable here). */
    private static Map<String, Long> rss() {
        Map<String, Long> out = new java.util.TreeMap<>();
        String dir = System.getProperty(NodeModels.NODES_DIR);
        if (dir == null) {
            return out;
        }
        try (var nodes = Files.list(Path.of(dir))) {
            for (Path n : nodes.toList()) {
                Path pid = n.resolve("os.pid");
                if (Files.isRegularFile(pid)) {
                    for (String line : Files.readAllLines(Path.of("/proc", Files.readString(pid).trim(), "status"))) {
                        if (line.startsWith("VmRSS:")) {
                            out.put(n.getFileName().toString(), 1024 * Long.parseLong(line.replaceAll("[^0-9]", "")));
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // another machine or no /proc: resident memory is not reported
        }
        return out;
    }

    public void testABurstOfQuestionsGetsAnswersAnd429sNeverA5xxAndReleasesItsMemory() throws Exception {
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        call(
            "PUT",
            "/_ingest/pipeline/overload-compress",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"lloco-tiny\"}}]}"
        );
        call("PUT", "/" + INDEX, mapping);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            bulk.append("{\"index\":{\"_id\":\"o").append(i).append("\"}}\n{\"body\":\"Ada Fenn walked to harbour number ").append(i)
                .append(" of Tallowmere. She owned ").append(i + 2).append(" boats and a red goat.\"}\n");
        }
        Request b = new Request("POST", "/" + INDEX + "/_bulk?pipeline=overload-compress&refresh=true");
        b.setEntity(new ByteArrayEntity(bulk.toString().getBytes(StandardCharsets.UTF_8), ContentType.create("application/x-ndjson")));
        client().performRequest(b);
        String question = "{\"question\":\"How many boats did Ada Fenn own?\",\"size\":4,\"max_new_tokens\":24}";
        // warm: the model and its default adapter are loaded on every lloco node before the baseline (an adapter reserves
        // its bytes in the lloco breaker when a first question uses it on that node)
        @SuppressWarnings("unchecked")
        Map<String, Object> llocoNodes = (Map<String, Object>) call("GET", "/_plugins/lloco/_nodes/lloco:true", null).get("nodes");
        java.util.Set<Object> served = new java.util.HashSet<>();
        for (int i = 0; i < 40 && served.size() < llocoNodes.size(); i++) {
            Map<String, Object> a = call("POST", "/" + INDEX + "/_lloco_qa", question);
            assertNotNull(a.get("answer"));
            served.add(a.get("node"));
        }
        Map<String, long[]> before = memory();
        Map<String, Long> rssBefore = rss();

        call("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.lloco.qa.queue_size\":1}}");
        ConcurrentLinkedQueue<int[]> statuses = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        long t0 = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            CountDownLatch done = new CountDownLatch(BURST);
            for (int i = 0; i < BURST; i++) {
                Request q = new Request("POST", "/" + INDEX + "/_lloco_qa");
                q.setJsonEntity(question);
                client().performRequestAsync(q, new ResponseListener() {

                    @Override
                    public void onSuccess(Response response) {
                        statuses.add(new int[]{response.getStatusLine().getStatusCode()});
                        done.countDown();
                    }

                    @Override
                    public void onFailure(Exception e) {
                        if (e instanceof ResponseException re) {
                            int status = re.getResponse().getStatusLine().getStatusCode();
                            statuses.add(new int[]{status});
                            String body;
                            try {
                                body = new String(re.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
                            } catch (IOException io) {
                                body = io.toString();
                            }
                            if (status != 429 || body.contains("plugins.lloco.qa.queue_size") == false) {
                                bad.add(status + ": " + body);
                            }
                        } else {
                            statuses.add(new int[]{-1});
                            bad.add("no answer: " + e);
                        }
                        done.countDown();
                    }
                });
            }
            assertTrue("every question of the burst was answered", done.await(10, TimeUnit.MINUTES));
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        long ok = statuses.stream().filter(s -> s[0] == 200).count();
        long tooMany = statuses.stream().filter(s -> s[0] == 429).count();
        logger.info(
            "overload: {} bursts of {} questions, {} answered, {} refused with 429, {} other, in {} ms",
            ROUNDS,
            BURST,
            ok,
            tooMany,
            bad.size(),
            millis
        );
        assertTrue("only answers and 429s naming plugins.lloco.qa.queue_size:\n" + String.join("\n", bad), bad.isEmpty());
        assertTrue("some questions were answered", ok > 0);
        assertTrue("the burst went beyond the queue: some 429s (" + ok + " answered)", tooMany > 0);

        // afterwards: breakers back at their baseline, and questions answer again
        call("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.lloco.qa.queue_size\":null}}");
        breakersBackToBaseline(before, rssBefore, "overload memory");
        assertNotNull(call("POST", "/" + INDEX + "/_lloco_qa", question).get("answer"));
    }

    @SuppressWarnings("unchecked")
    public void testConcurrentBulksBeyondTheCompressQueueGet429sNamingTheSettingAndNothingHalfStored() throws Exception {
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        call(
            "PUT",
            "/_ingest/pipeline/overload-ingest",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"lloco-tiny\"}}]}"
        );
        call("PUT", "/overload-ingest", mapping);
        // warm: the model loaded on every lloco node that compresses
        call("POST", "/_plugins/lloco/models/lloco-tiny/_load", null);
        Map<String, long[]> before = memory();
        Map<String, Long> rssBefore = rss();

        call("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.lloco.ingest.queue_size\":1}}");
        ConcurrentLinkedQueue<String> created = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        List<org.opensearch.client.RestClient> clients = new ArrayList<>();
        int bulks = INGEST_CLIENTS * INGEST_BULKS;
        CountDownLatch done = new CountDownLatch(bulks);
        long t0 = System.nanoTime();
        try {
            for (int c = 0; c < INGEST_CLIENTS; c++) {
                clients.add(buildClient(restClientSettings(), getClusterHosts().toArray(new org.apache.hc.core5.http.HttpHost[0])));
            }
            for (int b = 0; b < bulks; b++) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < INGEST_DOCS; i++) {
                    int id = b * INGEST_DOCS + i;
                    sb.append("{\"create\":{\"_id\":\"i").append(id).append("\"}}\n{\"body\":\"Otto Marsh kept ").append(id % 9 + 1)
                        .append(" bees on hill number ").append(id).append(". Ada Fenn owned ").append(id % 7 + 2).append(" boats.\"}\n");
                }
                Request r = new Request("POST", "/overload-ingest/_bulk?pipeline=overload-ingest");
                r.setEntity(
                    new ByteArrayEntity(sb.toString().getBytes(StandardCharsets.UTF_8), ContentType.create("application/x-ndjson"))
                );
                clients.get(b % INGEST_CLIENTS).performRequestAsync(r, new ResponseListener() {

                    @Override
                    public void onSuccess(Response response) {
                        try {
                            Map<String, Object> m = XContentHelper.convertToMap(
                                JsonXContent.jsonXContent,
                                response.getEntity().getContent(),
                                false
                            );
                            for (Object item : (List<Object>) m.get("items")) {
                                Map<String, Object> it = (Map<String, Object>) ((Map<String, Object>) item).get("create");
                                Map<String, Object> error = (Map<String, Object>) it.get("error");
                                int status = ((Number) it.get("status")).intValue();
                                if (error == null) {
                                    created.add((String) it.get("_id"));
                                } else if (status == 429 && String.valueOf(error).contains("plugins.lloco.ingest.queue_size")) {
                                    refused.add((String) it.get("_id"));
                                } else {
                                    bad.add(it.get("_id") + " " + status + ": " + error);
                                }
                            }
                        } catch (IOException | RuntimeException e) {
                            bad.add("unreadable bulk answer: " + e);
                        }
                        done.countDown();
                    }

                    @Override
                    public void onFailure(Exception e) {
                        bad.add("whole bulk failed: " + e);
                        done.countDown();
                    }
                });
            }
            assertTrue("every bulk was answered", done.await(10, TimeUnit.MINUTES));
        } finally {
            for (var c : clients) {
                c.close();
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        logger.info(
            "overload ingest: {} clients x {} bulks of {} documents, {} created, {} refused with 429, {} other, in {} ms",
            INGEST_CLIENTS,
            INGEST_BULKS,
            INGEST_DOCS,
            created.size(),
            refused.size(),
            bad.size(),
            millis
        );
        assertTrue("only created documents and 429s naming plugins.lloco.ingest.queue_size:\n" + String.join("\n", bad), bad.isEmpty());
        assertTrue("some documents were created", created.isEmpty() == false);
        assertTrue("the burst went beyond the queue: some 429s", refused.isEmpty() == false);
        assertEquals(bulks * INGEST_DOCS, created.size() + refused.size());
        // nothing half stored: exactly the created documents, each with its compressed form
        call("POST", "/overload-ingest/_refresh", null);
        assertEquals(created.size(), ((Number) call("GET", "/overload-ingest/_count", null).get("count")).intValue());
        Request exists = new Request("GET", "/overload-ingest/_count");
        exists.setJsonEntity("{\"query\":{\"exists\":{\"field\":\"lloco.model\"}}}");
        Map<String, Object> withLloco = XContentHelper.convertToMap(
            JsonXContent.jsonXContent,
            client().performRequest(exists).getEntity().getContent(),
            false
        );
        assertEquals(created.size(), ((Number) withLloco.get("count")).intValue());

        // afterwards: the breakers back at their baseline, and a document compresses again
        call("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.lloco.ingest.queue_size\":null}}");
        breakersBackToBaseline(before, rssBefore, "overload ingest memory");
        Map<String, Object> again = call(
            "PUT",
            "/overload-ingest/_doc/again?pipeline=overload-ingest&refresh=true",
            "{\"body\":\"Ada Fenn walked to the harbour.\"}"
        );
        assertEquals("created", again.get("result"));
    }

    /** Waits until every node's request and lloco breakers are back at {@code before}, then logs heap and RSS. */
    private void breakersBackToBaseline(Map<String, long[]> before, Map<String, Long> rssBefore, String label) throws Exception {
        assertBusy(() -> {
            Map<String, long[]> after = memory();
            List<String> diff = new ArrayList<>();
            for (var e : before.entrySet()) {
                long[] a = after.get(e.getKey());
                if (a == null || a[0] != e.getValue()[0] || a[1] != e.getValue()[1]) {
                    diff.add(
                        e.getKey() + ": request/lloco breakers " + e.getValue()[0] + "/" + e.getValue()[1] + " -> "
                            + (a == null ? "gone" : a[0] + "/" + a[1])
                    );
                }
            }
            assertTrue(String.join("\n", diff), diff.isEmpty());
        }, 60, TimeUnit.SECONDS);
        Map<String, long[]> after = memory();
        for (var e : before.entrySet()) {
            logger.info(
                "{} {}: heap used {} -> {} bytes, resident {} -> {} bytes",
                label,
                e.getKey(),
                e.getValue()[2],
                after.get(e.getKey())[2],
                rssBefore.get(e.getKey()),
                rss().get(e.getKey())
            );
        }
    }
}
