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
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.AfterClass;
import org.junit.Before;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

import io.lloco.testing.TestModels;

/**
 * {@code _lloco_qa} end to end on the real nodes of integTest/run.sh (a data node and a {@code lloco}-only node): a
 * random test model ({@code it-qa}) copied into every node's {@code config/lloco/models/}, documents ingested through
 * {@code lloco_compress}, then questions in the three modes. Checks the usage arithmetic against the stored documents
 * (not against the response's own numbers), the decoder-position saving of {@code lloco} over {@code full_context},
 * retrieval (default match, size, granularity and the accumulate-mode prefix rule), adapters and error statuses, and
 * that the answer was decoded on the {@code lloco} node.
 */
public class QaRestIT extends OpenSearchRestTestCase {

    /** Model id of the random test model (also used by the YAML suite). */
    public static final String MODEL = "it-qa";
    /** Tokens per segment of the test model. */
    public static final int SEGMENT_TOKENS = 16;
    /** Summary embeddings per segment of the test model ({@link TestModels}). */
    public static final int SUMMARY_LENGTH = 4;

    private static final String INDEX = "qa-it";
    private static final String PIPELINE = "qa-it-compress";
    private static final String[] ROOMS = {"Hotel", "Kitchen", "Garden", "University", "Restaurant", "Lesson", "Forest", "Roof", "Teacher"};
    private static Path installedFrom;

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return true; // the index is built once for the whole class and deleted in deleteIndex()
    }

    /**
     * Writes the random test model once per JVM and copies it into every node's {@code config/lloco/models/} under
     * the nodes of integTest/cluster.sh ({@link NodeModels}); the nodes list that directory on each request, so no restart.
     */
    public static synchronized void installModel() throws IOException {
        if (installedFrom != null) {
            return;
        }
        Path dir = Files.createTempDirectory("lloco-qa-it-model");
        TestModels.writeRandomAutoCompressor(dir.resolve(MODEL), 31, SEGMENT_TOKENS);
        NodeModels.install(dir, List.of(MODEL));
        installedFrom = dir;
    }

    static String sailing(int i) {
        String[] places = {"Tallowmere", "Orlen", "Brisk", "Velden"};
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < 4 + 2 * i; s++) {
            sb.append(String.format(Locale.ROOT, "Mara Quill sailed %d boats to %s on day %d. ", s + i, places[i], s));
        }
        return sb.toString().trim();
    }

    static String rooms() {
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < ROOMS.length; s++) {
            sb.append(String.format(Locale.ROOT, "On day %d Ada Fenn walked into the %s and sat down. ", s, ROOMS[s]));
        }
        return sb.toString().trim();
    }

    @Before
    public void setUpIndex() throws Exception {
        installModel();
        if (client().performRequest(new Request("HEAD", "/" + INDEX)).getStatusLine().getStatusCode() == 200) {
            return;
        }
        call(
            "PUT",
            "/_ingest/pipeline/" + PIPELINE,
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"" + MODEL + "\"}}]}"
        );
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        Map<String, Object> m = XContentHelper.convertToMap(JsonXContent.jsonXContent, mapping, false);
        m.put("settings", Map.of("number_of_shards", 1, "number_of_replicas", 0));
        Request create = new Request("PUT", "/" + INDEX);
        create.setJsonEntity(org.opensearch.common.xcontent.XContentFactory.jsonBuilder().map(m).toString());
        client().performRequest(create);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            bulk.append("{\"index\":{\"_id\":\"d").append(i).append("\"}}\n{\"body\":\"").append(sailing(i)).append("\"}\n");
        }
        bulk.append("{\"index\":{\"_id\":\"rooms\"}}\n{\"body\":\"").append(rooms()).append("\"}\n");
        Map<String, Object> r = call("POST", "/" + INDEX + "/_bulk?pipeline=" + PIPELINE + "&refresh=true", bulk.toString());
        assertEquals(r.toString(), false, r.get("errors"));
    }

    @AfterClass
    public static void deleteIndex() throws IOException {
        if (installedFrom != null && adminClient() != null) {
            try {
                adminClient().performRequest(new Request("DELETE", "/" + INDEX));
            } catch (ResponseException e) {
                // already gone
            }
        }
    }

    private static Map<String, Object> json(Response r) throws IOException {
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
    }

    static Map<String, Object> call(String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        return json(client().performRequest(r));
    }

    private static Map<String, Object> qa(String body) throws IOException {
        return call("POST", "/" + INDEX + "/_lloco_qa", body);
    }

    private static ResponseException fails(String index, String body) {
        return expectThrows(ResponseException.class, () -> call("POST", "/" + index + "/_lloco_qa", body));
    }

    private static String text(ResponseException e) throws IOException {
        return new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static int status(ResponseException e) {
        return e.getResponse().getStatusLine().getStatusCode();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stored(String id) throws IOException {
        Map<String, Object> src = (Map<String, Object>) call("GET", "/" + INDEX + "/_doc/" + id, null).get("_source");
        return (Map<String, Object>) src.get("lloco");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> usage(Map<String, Object> r) {
        return (Map<String, Object>) r.get("usage");
    }

    private static int num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertNotNull(key + " in " + m, v);
        return ((Number) v).intValue();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> sources(Map<String, Object> r) {
        return (List<Map<String, Object>>) r.get("sources");
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> ords(Map<String, Object> source) {
        List<Integer> out = new ArrayList<>();
        for (Map<String, Object> s : (List<Map<String, Object>>) source.get("segments")) {
            out.add(((Number) s.get("ord")).intValue());
        }
        return out;
    }

    /** The names of the nodes with the lloco role, and of those without it. */
    @SuppressWarnings("unchecked")
    private static List<List<String>> nodesByRole() throws IOException {
        Map<String, Map<String, Object>> nodes = (Map<String, Map<String, Object>>) call("GET", "/_plugins/lloco/_nodes", null)
            .get("nodes");
        List<String> lloco = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (Map<String, Object> n : nodes.values()) {
            (Boolean.TRUE.equals(n.get("lloco_role")) ? lloco : other).add((String) n.get("name"));
        }
        return List.of(lloco, other);
    }

    @SuppressWarnings("unchecked")
    public void testLlocoAnswerUsageAgainstTheStoredDocumentAndTheDecodingNode() throws Exception {
        Map<String, Object> r = qa("{\"question\":\"Where did Mara Quill sail?\",\"doc_ids\":[\"d2\"],\"max_new_tokens\":6}");
        assertEquals("lloco", r.get("mode"));
        assertEquals(MODEL, r.get("model"));
        assertNull("the test model ships no default adapter", r.get("adapter"));

        // decoded on a lloco node: with the 2-node harness, the lloco-only node, never the data node
        List<List<String>> roles = nodesByRole();
        assertTrue(r.get("node") + " not among lloco nodes " + roles.get(0), roles.get(0).contains(r.get("node")));
        assertFalse(roles.get(1).contains(r.get("node")));
        int expectedNodes = Integer.parseInt(System.getProperty("tests.expected.nodes", "1"));
        if (expectedNodes >= 2) {
            assertFalse("the harness has a data node without the lloco role", roles.get(1).isEmpty());
        }

        Map<String, Object> doc = stored("d2");
        int segments = num(doc, "segment_count");
        int tokens = num(doc, "tokens");
        assertEquals(SUMMARY_LENGTH, num(doc, "summary_length"));
        // 8 sentences of ~12 tokens in segments of 16 tokens
        assertEquals((tokens + SEGMENT_TOKENS - 1) / SEGMENT_TOKENS, segments);
        assertTrue("a multi-segment document", segments >= 4);

        List<Map<String, Object>> src = sources(r);
        assertEquals(1, src.size());
        assertEquals("d2", src.get(0).get("_id"));
        assertEquals(INDEX, src.get(0).get("_index"));
        assertEquals(tokens, num(src.get(0), "tokens"));
        // document granularity: every segment, in order, with the stored character offsets
        List<Map<String, Object>> storedSegs = (List<Map<String, Object>>) doc.get("segments");
        List<Map<String, Object>> used = (List<Map<String, Object>>) src.get(0).get("segments");
        assertEquals(segments, used.size());
        for (int k = 0; k < segments; k++) {
            assertEquals(k, num(used.get(k), "ord"));
            assertEquals(storedSegs.get(k).get("start"), used.get(k).get("start"));
            assertEquals(storedSegs.get(k).get("end"), used.get(k).get("end"));
        }
        assertEquals(0, num(used.get(0), "start"));
        assertEquals(sailing(2).length(), num(used.get(segments - 1), "end"));

        Map<String, Object> u = usage(r);
        int summary = num(u, "summary_positions");
        assertEquals(segments * SUMMARY_LENGTH, summary);
        assertEquals(tokens, num(u, "full_context_tokens"));
        assertEquals(0, num(u, "context_tokens"));
        int prompt = num(u, "prompt_tokens");
        assertTrue(prompt > 5);
        assertEquals(summary + prompt, num(u, "decoder_positions"));
        // compression_ratio == full_context_tokens / summary_positions (2 decimals); ~ SEGMENT_TOKENS / SUMMARY_LENGTH
        double ratio = ((Number) u.get("compression_ratio")).doubleValue();
        assertEquals((double) tokens / summary, ratio, 0.005 + 1e-9);
        assertTrue("ratio " + ratio, ratio > 3.0 && ratio <= (double) SEGMENT_TOKENS / SUMMARY_LENGTH);
        int generated = num(u, "generated_tokens");
        assertTrue(generated >= 1 && generated <= 6);
        // max_new_tokens reached, or the end-of-sequence token (no stop strings in this request)
        assertTrue(
            r.get("finish_reason") + " after " + generated,
            generated == 6 ? List.of("length", "eos").contains(r.get("finish_reason")) : "eos".equals(r.get("finish_reason"))
        );
        assertTrue(num(u, "batch_size") >= 1);

        Map<String, Object> t = (Map<String, Object>) r.get("timings");
        for (String k : List.of("retrieve_ms", "fetch_ms", "queue_ms", "prefill_ms", "decode_ms", "total_ms")) {
            assertTrue(k + " in " + t, ((Number) t.get(k)).doubleValue() >= 0);
        }
        double total = ((Number) t.get("total_ms")).doubleValue();
        assertTrue(
            t.toString(),
            total + 0.02 >= ((Number) t.get("prefill_ms")).doubleValue() + ((Number) t.get("decode_ms")).doubleValue()
        );

        // greedy decoding is deterministic: the same question gives the same answer
        assertEquals(
            r.get("answer"),
            qa("{\"question\":\"Where did Mara Quill sail?\",\"doc_ids\":[\"d2\"],\"max_new_tokens\":6}").get("answer")
        );
    }

    public void testBaselinesOnTheSameRequest() throws Exception {
        String q = "{\"question\":\"How many boats did Mara Quill sail?\",\"doc_ids\":[\"d3\"],\"max_new_tokens\":3,\"mode\":\"%s\"}";
        Map<String, Object> lloco = qa(String.format(Locale.ROOT, q, "lloco"));
        Map<String, Object> full = qa(String.format(Locale.ROOT, q, "full_context"));
        Map<String, Object> none = qa(String.format(Locale.ROOT, q, "no_context"));
        int tokens = num(stored("d3"), "tokens");
        Map<String, Object> ul = usage(lloco);
        Map<String, Object> uf = usage(full);
        Map<String, Object> un = usage(none);
        assertEquals("full_context", full.get("mode"));
        assertEquals("no_context", none.get("mode"));
        // one prompt for the three modes
        int prompt = num(ul, "prompt_tokens");
        assertEquals(prompt, num(uf, "prompt_tokens"));
        assertEquals(prompt, num(un, "prompt_tokens"));
        // full_context: the documents' text in the decoder instead of their summaries
        assertEquals(0, num(uf, "summary_positions"));
        assertEquals(tokens, num(uf, "context_tokens"));
        assertEquals(tokens, num(uf, "full_context_tokens"));
        // the text, the "\n\n" separator before the prompt (1-2 tokens), the prompt
        int separator = num(uf, "decoder_positions") - tokens - prompt;
        assertTrue("separator tokens " + separator, separator >= 1 && separator <= 2);
        assertNull(uf.get("compression_ratio"));
        assertEquals("d3", sources(full).get(0).get("_id"));
        // no_context: the prompt alone
        assertEquals(List.of(), none.get("sources"));
        assertEquals(0, num(un, "summary_positions"));
        assertEquals(0, num(un, "context_tokens"));
        assertEquals(prompt, num(un, "decoder_positions"));
        // lloco: the context costs ~4x fewer decoder positions than the full text
        int llocoContext = num(ul, "decoder_positions") - prompt;
        int fullContext = num(uf, "context_tokens");
        assertEquals(num(ul, "summary_positions"), llocoContext);
        assertTrue(llocoContext + " vs " + fullContext, llocoContext * 3 < fullContext);
        assertEquals((double) fullContext / llocoContext, ((Number) ul.get("compression_ratio")).doubleValue(), 0.005 + 1e-9);
        for (Map<String, Object> r : List.of(lloco, full, none)) {
            assertTrue(nodesByRole().get(0).contains(r.get("node")));
        }
    }

    @SuppressWarnings("unchecked")
    public void testRetrievalSizeAndGranularity() throws Exception {
        // default retrieval: the question matched over the segment text
        Map<String, Object> top = qa("{\"question\":\"Velden\",\"max_new_tokens\":1}");
        assertEquals("d3", sources(top).get(0).get("_id"));
        assertTrue(((Number) sources(top).get(0).get("_score")).doubleValue() > 0);
        Map<String, Object> two = qa("{\"question\":\"Brisk or Orlen\",\"size\":2,\"max_new_tokens\":1}");
        List<Map<String, Object>> s2 = sources(two);
        assertEquals(2, s2.size());
        assertEquals(List.of("d1", "d2"), s2.stream().map(s -> (String) s.get("_id")).sorted().toList());
        assertTrue(((Number) s2.get(0).get("_score")).doubleValue() >= ((Number) s2.get(1).get("_score")).doubleValue());
        int summaries = (num(stored("d1"), "segment_count") + num(stored("d2"), "segment_count")) * SUMMARY_LENGTH;
        assertEquals(summaries, num(usage(two), "summary_positions"));
        // a user query
        Map<String, Object> q = qa("{\"question\":\"x\",\"query\":{\"term\":{\"_id\":\"d0\"}},\"max_new_tokens\":1}");
        assertEquals("d0", sources(q).get(0).get("_id"));

        // segment granularity: a word that occurs in exactly one middle segment of "rooms"
        Map<String, Object> doc = stored("rooms");
        List<Map<String, Object>> segs = (List<Map<String, Object>>) doc.get("segments");
        String word = null;
        int at = -1;
        for (String w : ROOMS) {
            Pattern p = Pattern.compile("\\b" + w + "\\b");
            List<Integer> hits = new ArrayList<>();
            for (int k = 0; k < segs.size(); k++) {
                Matcher m = p.matcher((String) segs.get(k).get("text"));
                if (m.find()) {
                    hits.add(k);
                }
            }
            if (hits.size() == 1 && hits.get(0) > 0 && hits.get(0) < segs.size() - 1) {
                word = w;
                at = hits.get(0);
                break;
            }
        }
        assertNotNull("a room word inside exactly one middle segment of " + segs.size(), word);
        Map<String, Object> seg = qa("{\"question\":\"" + word + "\",\"granularity\":\"segment\",\"max_new_tokens\":1}");
        assertEquals("rooms", sources(seg).get(0).get("_id"));
        List<Integer> expected = new ArrayList<>();
        if ("independent".equals(doc.get("mode"))) {
            expected.add(at);
        } else {
            // accumulate mode: a segment's summaries depend on every earlier segment, so the prefix through it
            for (int k = 0; k <= at; k++) {
                expected.add(k);
            }
        }
        assertEquals(expected, ords(sources(seg).get(0)));
        assertEquals(expected.size() * SUMMARY_LENGTH, num(usage(seg), "summary_positions"));
        Map<String, Object> whole = qa("{\"question\":\"" + word + "\",\"max_new_tokens\":1}");
        assertEquals(segs.size(), ords(sources(whole).get(0)).size());

        // a summary-position budget keeps whole segments of the first documents
        Map<String, Object> budget = qa("{\"question\":\"x\",\"doc_ids\":[\"rooms\"],\"max_summary_positions\":10,\"max_new_tokens\":1}");
        assertEquals(8, num(usage(budget), "summary_positions"));
    }

    public void testAdapters() throws Exception {
        Map<String, Object> none = qa("{\"question\":\"q\",\"doc_ids\":[\"d0\"],\"adapter\":\"none\",\"max_new_tokens\":1}");
        assertNull(none.get("adapter"));
        ResponseException e = fails(INDEX, "{\"question\":\"q\",\"doc_ids\":[\"d0\"],\"adapter\":\"ghost\"}");
        assertEquals(404, status(e));
        assertTrue(text(e), text(e).contains("unknown adapter [ghost]"));
        // the index setting picks the adapter; the request overrides it
        call("PUT", "/" + INDEX + "/_settings", "{\"index.lloco.adapter\":\"ghost\"}");
        try {
            e = fails(INDEX, "{\"question\":\"q\",\"doc_ids\":[\"d0\"]}");
            assertEquals(404, status(e));
            assertTrue(text(e), text(e).contains("ghost"));
            assertNull(qa("{\"question\":\"q\",\"doc_ids\":[\"d0\"],\"adapter\":\"none\",\"max_new_tokens\":1}").get("adapter"));
        } finally {
            call("PUT", "/" + INDEX + "/_settings", "{\"index.lloco.adapter\":null}");
        }
    }

    /**
     * The prompt-template precedence on real nodes: an adapter (in every node's {@code config/lloco/adapters/}) whose
     * {@code lloco.json} declares a template; {@code index.lloco.template} overrides it, the request's {@code template}
     * overrides both, and the response says which applied.
     */
    public void testTemplatePrecedence() throws Exception {
        Path dir = Files.createTempDirectory("lloco-qa-it-adapter");
        String pattern = "Transcript above.\nQuery: {question}\nAnswer:";
        io.lloco.train.large.LargeCheckpoint.writeAdapter(
            dir.resolve("qm-tmpl"),
            io.lloco.runtime.checkpoint.Checkpoints.config(installedFrom.resolve(MODEL)),
            2,
            5,
            pattern
        );
        NodeModels.linkTree(dir.resolve("qm-tmpl"), "lloco/adapters/qm-tmpl");
        String q = "{\"question\":\"Where did Ada Fenn walk?\",\"doc_ids\":[\"rooms\"],\"max_new_tokens\":2";
        Map<String, Object> none = qa(q + "}");
        assertEquals(Map.of("name", "narrativeqa", "source", "default"), none.get("template"));
        call("PUT", "/" + INDEX + "/_settings", "{\"index.lloco.adapter\":\"qm-tmpl\"}");
        try {
            Map<String, Object> adapter = qa(q + "}");
            assertEquals("qm-tmpl", adapter.get("adapter"));
            assertEquals(Map.of("name", "custom", "source", "adapter"), adapter.get("template"));
            Map<String, Object> named = qa(q + ",\"template\":\"Transcript above.\\nQuery: {question}\\nAnswer:\"}");
            assertEquals(Map.of("name", "custom", "source", "request"), named.get("template"));
            assertEquals(num(usage(named), "prompt_tokens"), num(usage(adapter), "prompt_tokens"));
            assertEquals(named.get("answer"), adapter.get("answer"));

            // index.lloco.template ranks below the adapter's template (an adapter is asked as it was trained) ...
            call("PUT", "/" + INDEX + "/_settings", "{\"index.lloco.template\":\"qmsum\"}");
            Map<String, Object> bound = qa(q + "}");
            assertEquals(Map.of("name", "custom", "source", "adapter"), bound.get("template"));
            assertEquals(num(usage(named), "prompt_tokens"), num(usage(bound), "prompt_tokens"));
            // ... and applies where the adapter declares none (here: no adapter)
            Map<String, Object> index = qa(q + ",\"adapter\":\"none\"}");
            assertEquals(Map.of("name", "qmsum", "source", "index"), index.get("template"));
            assertEquals(
                num(usage(qa(q + ",\"adapter\":\"none\",\"template\":\"qmsum\"}")), "prompt_tokens"),
                num(usage(index), "prompt_tokens")
            );
            assertEquals(Map.of("name", "hotpotqa", "source", "request"), qa(q + ",\"template\":\"hotpotqa\"}").get("template"));
        } finally {
            call("PUT", "/" + INDEX + "/_settings", "{\"index.lloco.adapter\":null,\"index.lloco.template\":null}");
        }
    }

    /** A decode queue of one on the single lloco node: concurrent questions beyond it are refused with 429. */
    public void testFullDecodeQueueIs429NamingTheSetting() throws Exception {
        call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.qa.queue_size\":1,\"plugins.lloco.qa.max_batch\":1}}");
        try {
            int n = 12;
            List<Thread> threads = new ArrayList<>();
            List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> {
                    try {
                        qa("{\"question\":\"Where?\",\"doc_ids\":[\"d3\"],\"mode\":\"full_context\",\"max_new_tokens\":48}");
                        statuses.add(200);
                    } catch (ResponseException e) {
                        statuses.add(status(e));
                        try {
                            refusals.add(text(e));
                        } catch (IOException io) {
                            refusals.add(io.toString());
                        }
                    } catch (IOException e) {
                        statuses.add(-1);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(120_000);
            }
            assertEquals(n, statuses.size());
            assertTrue("some questions decoded: " + statuses, statuses.contains(200));
            assertTrue("a queue of one refuses some of " + n + " concurrent questions: " + statuses, statuses.contains(429));
            for (int s : statuses) {
                assertTrue(statuses.toString(), s == 200 || s == 429);
            }
            for (String r : refusals) {
                assertTrue(r, r.contains("plugins.lloco.qa.queue_size") && r.contains("is full"));
            }
        } finally {
            call("PUT", "/_cluster/settings", "{\"transient\":{\"plugins.lloco.qa.queue_size\":null,\"plugins.lloco.qa.max_batch\":null}}");
        }
    }

    public void testErrorsNameTheFieldWithTheirStatus() throws Exception {
        ResponseException e = fails(INDEX, "{\"question\":\"q\",\"colour\":\"blue\"}");
        assertEquals(400, status(e));
        assertTrue(text(e), text(e).contains("[lloco_qa] unknown field [colour]"));
        e = fails(INDEX, "{\"size\":2}");
        assertEquals(400, status(e));
        assertTrue(text(e), text(e).contains("Field [question]"));
        e = fails(INDEX, "{\"question\":\"q\",\"size\":101}");
        assertEquals(400, status(e));
        assertTrue(text(e), text(e).contains("Field [size]"));
        e = fails(INDEX, "{\"question\":\"q\",\"doc_ids\":[\"d0\"],\"query\":{\"match_all\":{}}}");
        assertEquals(400, status(e));
        assertTrue(text(e), text(e).contains("mutually exclusive"));
        e = fails(INDEX, "{\"question\":\"q\",\"template\":\"sonnet\"}");
        assertEquals(400, status(e));
        assertTrue(text(e), text(e).contains("unknown template [sonnet]"));
        e = fails("no-such-index", "{\"question\":\"q\"}");
        assertEquals(404, status(e));
        e = fails(INDEX, "{\"question\":\"zebra quasar\"}");
        assertEquals(404, status(e));
        assertTrue(text(e), text(e).contains("no compressed document matched"));
    }
}
