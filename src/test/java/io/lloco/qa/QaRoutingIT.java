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
import java.util.Locale;
import java.util.Map;

import org.opensearch.client.ResponseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.decode.DecodeService;
import io.lloco.engine.ModelRegistry;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.prompt.PromptTemplates;
import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;
import io.lloco.testing.DecodeGate;
import io.lloco.testing.LlocoIntegTestCase;
import io.lloco.testing.TestModels;

/**
 * {@code _lloco_qa} on two in-JVM nodes (a data node and a {@code lloco}-only node) over documents ingested through
 * {@code lloco_compress} with a random test model: decoding happens on the lloco node, and the answer is exactly what
 * the runtime decodes from the same stored summaries and prompt.
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 0, numClientNodes = 0, supportsDedicatedMasters = false, autoManageMasterNodes = true)
public class QaRoutingIT extends LlocoIntegTestCase {

    private static String dataNode;
    private static String llocoNode;

    private void startCluster() throws Exception {
        if (internalCluster().size() == 0) {
            dataNode = internalCluster().startNode(Settings.builder().putList("node.roles", "cluster_manager", "data", "ingest"));
            llocoNode = internalCluster().startNode(Settings.builder().putList("node.roles", "lloco"));
            ensureStableCluster(2);
            call("PUT", "/_ingest/pipeline/compress", "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"test-ac\"}}]}");
            String mapping = Files
                .readString(Path.of(System.getProperty("lloco.project.dir"), "docs", "lloco-mapping.json"), StandardCharsets.UTF_8);
            call("PUT", "/docs", mapping);
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                bulk.append("{\"index\":{\"_id\":\"d").append(i).append("\"}}\n");
                bulk.append("{\"body\":\"").append(text(i)).append("\"}\n");
            }
            Map<String, Object> r = call("POST", "/docs/_bulk?pipeline=compress&refresh=true", bulk.toString());
            assertEquals(r.toString(), false, r.get("errors"));
        }
    }

    static String text(int i) {
        StringBuilder sb = new StringBuilder();
        String[] places = {"Tallowmere", "Orlen", "Brisk", "Velden"};
        for (int s = 0; s < 4 + i; s++) {
            sb.append(String.format(Locale.ROOT, "Mara Quill sailed %d boats to %s on day %d. ", s + i, places[i], s));
        }
        return sb.toString().trim();
    }

    private static ResponseException fails(String path, String body) {
        return expectThrows(ResponseException.class, () -> call("POST", path, body));
    }

    private static String error(ResponseException e) throws Exception {
        return new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    public void testAnswersAreDecodedOnTheLlocoNodeExactlyAsTheRuntimeWould() throws Exception {
        startCluster();
        Map<String, Object> r = call(
            "POST",
            "/docs/_lloco_qa",
            "{\"question\":\"Where did Mara Quill sail?\",\"doc_ids\":[\"d2\"],\"max_new_tokens\":6}"
        );
        assertEquals(llocoNode, r.get("node"));
        assertEquals("lloco", r.get("mode"));
        assertEquals("test-ac", r.get("model"));
        assertNull(r.get("adapter")); // the test model ships no default adapter
        List<Map<String, Object>> sources = (List<Map<String, Object>>) r.get("sources");
        assertEquals(1, sources.size());
        assertEquals("d2", sources.get(0).get("_id"));
        Map<String, Object> usage = (Map<String, Object>) r.get("usage");
        Map<String, Object> doc = (Map<String, Object>) call("GET", "/docs/_doc/d2", null).get("_source");
        Map<String, Object> lloco = (Map<String, Object>) doc.get("lloco");
        int segments = (Integer) lloco.get("segment_count");
        assertEquals(segments * 4, usage.get("summary_positions"));
        assertEquals(lloco.get("tokens"), ((Number) usage.get("full_context_tokens")).intValue());
        assertEquals(
            Math.round(100.0 * (Integer) lloco.get("tokens") / (segments * 4)) / 100.0,
            ((Number) usage.get("compression_ratio")).doubleValue(),
            1e-9
        );
        assertTrue(((Map<String, Object>) r.get("timings")).containsKey("total_ms"));

        // the same decode, done directly by the runtime from the stored float16 summaries
        assertNull("summaries are kept out of _source", ((List<Map<String, Object>>) lloco.get("segments")).get(0).get("summaries"));
        float[] prefix = new float[segments * 4 * 32];
        int at = 0;
        for (byte[] bytes : storedSummaries("docs", "d2")) {
            float[] b = SummaryBlock.toFloats(bytes, SummaryDtype.FLOAT16);
            System.arraycopy(b, 0, prefix, at, b.length);
            at += b.length;
        }
        String prompt = PromptTemplates.defaults().get("narrativeqa").render("Where did Mara Quill sail?");
        Path home = createTempDir();
        TestModels.writeRandomAutoCompressor(home.resolve("config/lloco/models/test-ac"), 23, 16);
        try (ModelService ms = new ModelService(home.resolve("config"), home.resolve("data"), RuntimeModel::load, new ModelRegistry())) {
            RuntimeModel m = (RuntimeModel) ms.get("test-ac");
            int[] ids = m.tokenize(prompt);
            assertEquals(ids.length, usage.get("prompt_tokens"));
            GenerationResult g = m.generate(
                List.of(new GenerationRequest(new Embeddings(segments * 4, 32, prefix), ids, null, GenerationParams.greedy(6)))
            ).get(0);
            assertEquals(g.text().strip(), r.get("answer"));
            assertEquals(g.generatedTokens(), usage.get("generated_tokens"));
        }
    }

    @SuppressWarnings("unchecked")
    public void testBaselinesAndRetrieval() throws Exception {
        startCluster();
        Map<String, Object> full = call(
            "POST",
            "/docs/_lloco_qa",
            "{\"question\":\"Where did Mara Quill sail?\",\"doc_ids\":[\"d1\"],\"mode\":\"full_context\",\"max_new_tokens\":3}"
        );
        Map<String, Object> u = (Map<String, Object>) full.get("usage");
        assertEquals(0, u.get("summary_positions"));
        assertEquals(((Number) u.get("full_context_tokens")).intValue(), ((Number) u.get("context_tokens")).intValue());
        // decoder positions = document + separator + prompt
        int sep = ((Number) u.get("decoder_positions")).intValue() - ((Number) u.get("context_tokens")).intValue()
            - ((Number) u.get("prompt_tokens")).intValue();
        assertTrue("separator tokens " + sep, sep >= 0 && sep <= 2);
        Map<String, Object> none = call(
            "POST",
            "/docs/_lloco_qa",
            "{\"question\":\"Where did Mara Quill sail?\",\"mode\":\"no_context\",\"max_new_tokens\":3}"
        );
        assertEquals(List.of(), none.get("sources"));
        assertEquals(0, ((Map<String, Object>) none.get("usage")).get("summary_positions"));
        // default retrieval: the question matched over segment text, top `size` documents
        Map<String, Object> top = call("POST", "/docs/_lloco_qa", "{\"question\":\"Velden\",\"size\":1,\"max_new_tokens\":2}");
        assertEquals("d3", ((List<Map<String, Object>>) top.get("sources")).get(0).get("_id"));
        // a user query
        Map<String, Object> q = call(
            "POST",
            "/docs/_lloco_qa",
            "{\"question\":\"x\",\"query\":{\"ids\":{\"values\":[\"d0\"]}},\"max_new_tokens\":2}"
        );
        assertEquals("d0", ((List<Map<String, Object>>) q.get("sources")).get(0).get("_id"));
    }

    @SuppressWarnings("unchecked")
    public void testSearchPipelineAnswersInExt() throws Exception {
        startCluster();
        call("PUT", "/_search/pipeline/qa", "{\"response_processors\":[{\"lloco_answer\":{\"size\":1,\"max_new_tokens\":4}}]}");
        Map<String, Object> r = call(
            "POST",
            "/docs/_search?search_pipeline=qa",
            "{\"query\":{\"ids\":{\"values\":[\"d2\"]}},\"ext\":{\"lloco\":{\"question\":\"Where did Mara Quill sail?\"}}}"
        );
        Map<String, Object> ext = (Map<String, Object>) ((Map<String, Object>) r.get("ext")).get("lloco");
        assertEquals(llocoNode, ext.get("node"));
        assertEquals("d2", ((List<Map<String, Object>>) ext.get("sources")).get(0).get("_id"));
        // the same question through _lloco_qa gives the same answer
        Map<String, Object> direct = call(
            "POST",
            "/docs/_lloco_qa",
            "{\"question\":\"Where did Mara Quill sail?\",\"doc_ids\":[\"d2\"],\"max_new_tokens\":4}"
        );
        assertEquals(direct.get("answer"), ext.get("answer"));
        // the hits are still there
        assertEquals(1, ((List<?>) ((Map<String, Object>) r.get("hits")).get("hits")).size());
        // without a question: a clear error
        ResponseException e = expectThrows(
            ResponseException.class,
            () -> call("POST", "/docs/_search?search_pipeline=qa", "{\"query\":{\"match_all\":{}}}")
        );
        assertTrue(error(e), error(e).contains("ext.lloco.question") || error(e).contains("\\\"lloco\\\": {\\\"question\\\""));
    }

    public void testBadRequestsAre400NamingTheField() throws Exception {
        startCluster();
        ResponseException e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"colour\":\"blue\"}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("unknown field [colour]"));
        e = fails("/docs/_lloco_qa", "{\"size\":2}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("Field [question]"));
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"mode\":\"psychic\"}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("[mode] must be one of"));
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"choices\":[\"a\",\"b\"],\"choice_mode\":\"guess\"}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("[choice_mode] must be one of [generate, rank, cloze]"));
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"choice_mode\":\"rank\"}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("[choice_mode] is [rank] but [choices] is empty"));
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"template\":\"sonnet\"}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("unknown template [sonnet]"));
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"max_new_tokens\":0}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("Field [max_new_tokens]"));
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"adapter\":\"ghost\",\"doc_ids\":[\"d0\"]}");
        assertEquals(404, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("unknown adapter [ghost]"));
        e = fails("/nope/_lloco_qa", "{\"question\":\"q\"}");
        assertEquals(404, e.getResponse().getStatusLine().getStatusCode());
        // the embedded model's adapter (hidden 256) does not fit the test model (hidden 32): a 400 naming it
        java.nio.file.Path bad = config().resolve("lloco/adapters/tiny-default");
        java.nio.file.Files.createDirectories(bad);
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
            try (var in = getClass().getResourceAsStream("/io/lloco/models/lloco-tiny/adapters/default/" + f)) {
                java.nio.file.Files.copy(in, bad.resolve(f));
            }
        }
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"adapter\":\"tiny-default\",\"doc_ids\":[\"d0\"]}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("adapter [tiny-default] cannot be applied to model [test-ac]"));
        // bounds that used to pass or leak: NaN temperature, 27 options, an over-long question
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"temperature\":\"NaN\"}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("Field [temperature]"));
        StringBuilder choices = new StringBuilder("[");
        for (int i = 0; i < 27; i++) {
            choices.append(i == 0 ? "" : ",").append("\"o").append(i).append("\"");
        }
        e = fails("/docs/_lloco_qa", "{\"question\":\"q\",\"choices\":" + choices + "],\"choice_mode\":\"cloze\"}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("Field [choices] must hold between 2 and 26 options"));
        e = fails("/docs/_lloco_qa", "{\"question\":\"" + "why ".repeat(1100) + "\"}");
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        assertTrue(error(e), error(e).contains("over the limit of 4096"));
    }

    @SuppressWarnings("unchecked")
    public void testConcurrentQuestionsShareBatches() throws Exception {
        startCluster();
        // the lloco node's worker waits until all six questions are queued: they are decoded in one batch
        DecodeGate gate = DecodeGate.install(internalCluster().getInstance(DecodeService.class, llocoNode), 6);
        List<Thread> threads = new ArrayList<>();
        List<Map<String, Object>> out = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 6; i++) {
            final int n = i % 4;
            Thread t = new Thread(() -> {
                try {
                    out.add(call("POST", "/docs/_lloco_qa", "{\"question\":\"Where?\",\"doc_ids\":[\"d" + n + "\"],\"max_new_tokens\":8}"));
                } catch (Exception ex) {
                    throw new AssertionError(ex);
                }
            });
            threads.add(t);
            t.start();
        }
        assertTrue(gate.awaitQueued());
        gate.open();
        for (Thread t : threads) {
            t.join(120_000);
        }
        assertEquals(6, out.size());
        for (Map<String, Object> r : out) {
            assertEquals(r.toString(), 6, ((Map<String, Object>) r.get("usage")).get("batch_size"));
        }
        internalCluster().getInstance(DecodeService.class, llocoNode).observer(null);
        Map<String, Object> alone = call("POST", "/docs/_lloco_qa", "{\"question\":\"Where?\",\"doc_ids\":[\"d1\"],\"max_new_tokens\":8}");
        assertEquals(1, ((Map<String, Object>) alone.get("usage")).get("batch_size"));
    }
}
