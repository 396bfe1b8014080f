/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.Before;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.test.rest.OpenSearchRestTestCase;

import io.lloco.engine.RuntimeModel;
import io.lloco.engine.SummaryEncoder;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;
import io.lloco.testing.TestModels;

/**
 * The {@code lloco_compress} processor on real 3.6.0 nodes (integTest/run.sh). Two random test models ({@code it-ac},
 * {@code it-ac2}) are written into every node's {@code config/lloco/models/} (the nodes list that directory on each
 * request, so no restart is needed): pipelines, a bulk of 100 with bad documents, on_failure, simulate, reindex with
 * another model, update_by_query, and the stored summaries against {@code bin/lloco compress} of the same text.
 */
public class IngestRestIT extends OpenSearchRestTestCase {

    private static final String MODEL = "it-ac";
    private static final String MODEL2 = "it-ac2";
    private static final int SEGMENT_TOKENS = 16;
    private static Path modelsDir;

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return false;
    }

    /** Writes both models once and copies them into every node's config directory. */
    @Before
    public void installModels() throws Exception {
        if (modelsDir != null) {
            return;
        }
        Path dir = Files.createTempDirectory("lloco-it-models");
        TestModels.writeRandomAutoCompressor(dir.resolve(MODEL), 21, SEGMENT_TOKENS);
        TestModels.writeRandomAutoCompressor(dir.resolve(MODEL2), 22, 24);
        NodeModels.install(dir, List.of(MODEL, MODEL2));
        modelsDir = dir;
    }

    private static Map<String, Object> json(Response r) throws IOException {
        return XContentHelper.convertToMap(JsonXContent.jsonXContent, r.getEntity().getContent(), false);
    }

    private static Map<String, Object> call(String method, String path, String body) throws IOException {
        Request r = new Request(method, path);
        if (body != null) {
            r.setJsonEntity(body);
        }
        return json(client().performRequest(r));
    }

    private static ResponseException fails(String method, String path, String body) {
        return expectThrows(ResponseException.class, () -> call(method, path, body));
    }

    private static String errorText(ResponseException e) throws IOException {
        return new String(e.getResponse().getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String text(int i, int sentences) {
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < sentences; s++) {
            sb.append(String.format(Locale.ROOT, "Mara Quill of Tallowmere owns %d boats and %d goats on day %d. ", i + s, 2 * i + s, s));
        }
        return sb.toString().trim();
    }

    private static void putPipeline(String id, String processorJson, String onFailure) throws IOException {
        String body = "{\"processors\":[{\"lloco_compress\":" + processorJson + "}]"
            + (onFailure == null ? "" : ",\"on_failure\":" + onFailure) + "}";
        assertEquals(true, call("PUT", "/_ingest/pipeline/" + id, body).get("acknowledged"));
    }

    private static void createIndex(String name) throws IOException {
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        call("PUT", "/" + name, mapping);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> source(String index, String id) throws IOException {
        return (Map<String, Object>) call("GET", "/" + index + "/_doc/" + id, null).get("_source");
    }

    private static long count(String index) throws IOException {
        call("POST", "/" + index + "/_refresh", null);
        return ((Number) call("GET", "/" + index + "/_count", null).get("count")).longValue();
    }

    public void testPipelinePutAndConfigErrorsNameTheProperty() throws Exception {
        putPipeline("c-ok", "{\"field\":\"body\",\"model\":\"" + MODEL + "\",\"batch_size\":8}", null);
        ResponseException unknownModel = fails(
            "PUT",
            "/_ingest/pipeline/c-bad",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"no-such-model\"}}]}"
        );
        assertEquals(400, unknownModel.getResponse().getStatusLine().getStatusCode());
        String err = errorText(unknownModel);
        assertTrue(err, err.contains("no-such-model") && err.contains("\"property_name\":\"model\""));
        ResponseException unknownKey = fails(
            "PUT",
            "/_ingest/pipeline/c-bad",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"" + MODEL + "\",\"colour\":\"red\"}}]}"
        );
        assertEquals(400, unknownKey.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorText(unknownKey), errorText(unknownKey).contains("colour"));
        ResponseException badMode = fails(
            "PUT",
            "/_ingest/pipeline/c-bad",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\"" + MODEL + "\",\"mode\":\"sideways\"}}]}"
        );
        assertEquals(400, badMode.getResponse().getStatusLine().getStatusCode());
        assertTrue(errorText(badMode), errorText(badMode).contains("\"property_name\":\"mode\""));
    }

    @SuppressWarnings("unchecked")
    public void testBulkOfHundredWithBadDocumentsFailingAlone() throws Exception {
        putPipeline("c100", "{\"field\":\"body\",\"model\":\"" + MODEL + "\",\"batch_size\":8,\"max_tokens\":400}", null);
        createIndex("bulk100");
        StringBuilder bulk = new StringBuilder();
        Map<String, String> expectedError = new java.util.HashMap<>();
        for (int i = 0; i < 100; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
            if (i == 7 || i == 61) {
                bulk.append("{\"title\":\"no body\"}\n");
                expectedError.put(Integer.toString(i), "field [body] not present");
            } else if (i == 13 || i == 77) {
                bulk.append("{\"body\":[\"a\",\"b\"]}\n");
                expectedError.put(Integer.toString(i), "must be a string");
            } else if (i == 42 || i == 99) {
                bulk.append("{\"body\":\"").append(text(i, 80)).append("\"}\n");
                expectedError.put(Integer.toString(i), "over the limit of 400");
            } else {
                bulk.append("{\"body\":\"").append(text(i, 1 + i % 6)).append("\"}\n");
            }
        }
        Request r = new Request("POST", "/bulk100/_bulk?pipeline=c100&refresh=true");
        r.setJsonEntity(bulk.toString());
        long t0 = System.nanoTime();
        Map<String, Object> resp = json(client().performRequest(r));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        logger.info("bulk of 100 through lloco_compress took {} ms", ms);
        assertEquals(true, resp.get("errors"));
        List<Map<String, Object>> items = (List<Map<String, Object>>) resp.get("items");
        assertEquals(100, items.size());
        for (Map<String, Object> item : items) {
            Map<String, Object> idx = (Map<String, Object>) item.get("index");
            String id = (String) idx.get("_id");
            if (expectedError.containsKey(id)) {
                assertEquals(idx.toString(), 400, idx.get("status"));
                assertTrue(idx.toString(), idx.get("error").toString().contains(expectedError.get(id)));
            } else {
                assertEquals(idx.toString(), 201, idx.get("status"));
            }
        }
        assertEquals(94, count("bulk100"));
        Map<String, Object> lloco = (Map<String, Object>) source("bulk100", "5").get("lloco");
        assertEquals(MODEL, lloco.get("model"));
        assertEquals("float16", lloco.get("dtype"));
        assertEquals(SEGMENT_TOKENS, lloco.get("segment_tokens"));
        List<Map<String, Object>> segs = (List<Map<String, Object>>) lloco.get("segments");
        assertEquals(lloco.get("segment_count"), segs.size());
        // 4 x 32 float16 values per segment, in doc values, not in _source
        for (Map<String, Object> s : segs) {
            assertNull(s.get("summaries"));
        }
        for (byte[] b : StoredSummaries.of(client(), "bulk100", "5")) {
            assertEquals(4 * 32 * 2, b.length);
        }
        // compression ran on lloco nodes only: the model is loaded there and never on a node without the role
        Map<String, Map<String, Object>> nodes = (Map<String, Map<String, Object>>) call("GET", "/_plugins/lloco/_nodes", null)
            .get("nodes");
        boolean anyLloco = nodes.values().stream().anyMatch(n -> Boolean.TRUE.equals(n.get("lloco_role")));
        for (Map<String, Object> n : nodes.values()) {
            List<Object> ids = ((List<Map<String, Object>>) n.get("models")).stream().map(x -> x.get("id")).toList();
            if (Boolean.TRUE.equals(n.get("lloco_role"))) {
                assertTrue(n.get("name") + " " + ids, ids.contains(MODEL));
            } else if (anyLloco) {
                assertFalse(n.get("name") + " " + ids, ids.contains(MODEL));
            }
        }
        // the mapping is the documented one: nested segments, binary summaries, searchable segment text
        Map<String, Object> m = call("GET", "/bulk100/_mapping", null);
        String mapping = m.toString();
        assertTrue(mapping, mapping.contains("segments={type=nested"));
        assertTrue(mapping, mapping.contains("summaries={type=binary, doc_values=true}"));
        assertTrue(mapping, mapping.contains("_source={excludes=[lloco.segments.summaries]}"));
        Map<String, Object> hits = call(
            "GET",
            "/bulk100/_search",
            "{\"query\":{\"nested\":{\"path\":\"lloco.segments\",\"query\":{\"match\":{\"lloco.segments.text\":\"Tallowmere\"}}}}}"
        );
        assertEquals(94, ((Map<String, Object>) ((Map<String, Object>) hits.get("hits")).get("total")).get("value"));
    }

    @SuppressWarnings("unchecked")
    public void testOnFailureRecordsTheError() throws Exception {
        putPipeline(
            "c-onfail",
            "{\"field\":\"body\",\"model\":\"" + MODEL + "\"}",
            "[{\"set\":{\"field\":\"lloco_error\",\"value\":\"{{ _ingest.on_failure_message }}\"}},"
                + "{\"set\":{\"field\":\"lloco_failed_processor\",\"value\":\"{{ _ingest.on_failure_processor_type }}\"}}]"
        );
        createIndex("onfail");
        call("PUT", "/onfail/_doc/good?pipeline=c-onfail&refresh=true", "{\"body\":\"" + text(1, 3) + "\"}");
        call("PUT", "/onfail/_doc/bad?pipeline=c-onfail&refresh=true", "{\"body\":12345}");
        call("PUT", "/onfail/_doc/empty?pipeline=c-onfail&refresh=true", "{\"body\":\"   \"}");
        Map<String, Object> bad = source("onfail", "bad");
        assertTrue(bad.toString(), bad.get("lloco_error").toString().contains("must be a string"));
        assertEquals("lloco_compress", bad.get("lloco_failed_processor"));
        assertNull(bad.get("lloco"));
        assertTrue(source("onfail", "empty").get("lloco_error").toString().contains("is empty"));
        Map<String, Object> good = source("onfail", "good");
        assertNull(good.get("lloco_error"));
        assertEquals(MODEL, ((Map<String, Object>) good.get("lloco")).get("model"));
    }

    @SuppressWarnings("unchecked")
    public void testSimulate() throws Exception {
        putPipeline("c-sim", "{\"field\":\"body\",\"model\":\"" + MODEL + "\",\"storage\":\"float32\"}", null);
        Map<String, Object> resp = call(
            "POST",
            "/_ingest/pipeline/c-sim/_simulate",
            "{\"docs\":[{\"_source\":{\"body\":\"" + text(3, 4) + "\"}},{\"_source\":{\"other\":1}}]}"
        );
        List<Map<String, Object>> docs = (List<Map<String, Object>>) resp.get("docs");
        Map<String, Object> src = (Map<String, Object>) ((Map<String, Object>) docs.get(0).get("doc")).get("_source");
        Map<String, Object> lloco = (Map<String, Object>) src.get("lloco");
        assertEquals("float32", lloco.get("dtype"));
        List<Map<String, Object>> segs = (List<Map<String, Object>>) lloco.get("segments");
        assertEquals(4 * 32 * 4, java.util.Base64.getDecoder().decode((String) segs.get(0).get("summaries")).length);
        assertTrue(docs.get(1).toString(), docs.get(1).toString().contains("field [body] not present"));
    }

    @SuppressWarnings("unchecked")
    public void testReindexRecompressesWithAnotherModelAndUpdateByQuery() throws Exception {
        putPipeline("c-a", "{\"field\":\"body\",\"model\":\"" + MODEL + "\"}", null);
        putPipeline("c-b", "{\"field\":\"body\",\"model\":\"" + MODEL2 + "\"}", null);
        createIndex("src-a");
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n{\"body\":\"").append(text(i, 2 + i % 3)).append("\"}\n");
        }
        Request r = new Request("POST", "/src-a/_bulk?pipeline=c-a&refresh=true");
        r.setJsonEntity(bulk.toString());
        assertEquals(false, json(client().performRequest(r)).get("errors"));
        String fpA = (String) ((Map<String, Object>) source("src-a", "4").get("lloco")).get("fingerprint");

        createIndex("dst-b");
        Map<String, Object> reindex = call(
            "POST",
            "/_reindex?refresh=true",
            "{\"source\":{\"index\":\"src-a\"},\"dest\":{\"index\":\"dst-b\",\"pipeline\":\"c-b\"}}"
        );
        assertEquals(reindex.toString(), 10, reindex.get("created"));
        assertEquals(List.of(), reindex.get("failures"));
        Map<String, Object> b = (Map<String, Object>) source("dst-b", "4").get("lloco");
        assertEquals(MODEL2, b.get("model"));
        assertEquals(24, b.get("segment_tokens"));
        assertNotEquals(fpA, b.get("fingerprint"));
        // stale embeddings are found by fingerprint
        Map<String, Object> stale = call(
            "GET",
            "/dst-b/_count",
            "{\"query\":{\"bool\":{\"must_not\":{\"term\":{\"lloco.fingerprint\":\"" + b.get("fingerprint") + "\"}}}}}"
        );
        assertEquals(0, ((Number) stale.get("count")).intValue());

        // update_by_query re-compresses in place (here: documents indexed without the pipeline)
        createIndex("plain");
        Request p = new Request("POST", "/plain/_bulk?refresh=true");
        p.setJsonEntity(bulk.toString());
        client().performRequest(p);
        assertNull(source("plain", "3").get("lloco"));
        Map<String, Object> ubq = call("POST", "/plain/_update_by_query?pipeline=c-a&refresh=true", null);
        assertEquals(ubq.toString(), 10, ubq.get("updated"));
        Map<String, Object> plain3 = (Map<String, Object>) source("plain", "3").get("lloco");
        assertEquals(MODEL, plain3.get("model"));
        assertEquals(fpA, plain3.get("fingerprint"));
        Map<String, Object> missing = call(
            "GET",
            "/plain/_count",
            "{\"query\":{\"bool\":{\"must_not\":{\"exists\":{\"field\":\"lloco.fingerprint\"}}}}}"
        );
        assertEquals(0, ((Number) missing.get("count")).intValue());
    }

    @SuppressWarnings("unchecked")
    public void testStoredSummariesEqualBinLlocoCompressWithinFloat16Rounding() throws Exception {
        putPipeline("c-ref", "{\"field\":\"body\",\"model\":\"" + MODEL + "\",\"segment_tokens\":20}", null);
        createIndex("ref");
        String body = text(5, 7);
        call("PUT", "/ref/_doc/1?pipeline=c-ref&refresh=true", "{\"body\":\"" + body + "\"}");
        Map<String, Object> lloco = (Map<String, Object>) source("ref", "1").get("lloco");
        List<Map<String, Object>> segs = (List<Map<String, Object>>) lloco.get("segments");

        // offsets and token counts: the runtime model loaded in this JVM from the directory copied into the nodes
        List<SummaryEncoder.Segment> ref = reference(body, 20);
        assertEquals(ref.size(), segs.size());
        for (int k = 0; k < ref.size(); k++) {
            SummaryEncoder.Segment want = ref.get(k);
            Map<String, Object> got = segs.get(k);
            assertEquals(want.startChar(), got.get("start"));
            assertEquals(want.endChar(), got.get("end"));
            assertEquals(want.tokens(), got.get("tokens"));
            assertEquals(body.substring(want.startChar(), want.endChar()), got.get("text"));
        }
        // summaries: bin/lloco compress on the same model directory and text, float32 [segments * summary_length, hidden]
        float[] cli = cliCompress(body, 20);
        int block = 4 * 32;
        assertEquals(segs.size() * block, cli.length);
        double worst = 0;
        List<byte[]> blocks = StoredSummaries.of(client(), "ref", "1");
        for (int k = 0; k < segs.size(); k++) {
            float[] stored = SummaryBlock.toFloats(blocks.get(k), SummaryDtype.FLOAT16);
            assertEquals(block, stored.length);
            for (int i = 0; i < block; i++) {
                float w = cli[k * block + i];
                // float16 keeps 11 significant bits: half an ulp is |w| * 2^-11; allow one ulp plus compute noise
                double tol = Math.abs(w) * Math.scalb(1.0, -10) + 1e-6;
                double err = Math.abs(stored[i] - w);
                worst = Math.max(worst, err / (Math.abs(w) + 1e-6));
                assertTrue(String.format(Locale.ROOT, "segment %d value %d: stored %s, bin/lloco %s", k, i, stored[i], w), err <= tol);
                // and the in-JVM runtime agrees with the CLI in float32
                assertEquals(w, ref.get(k).summaries()[i], Math.abs(w) * 1e-4 + 1e-6);
            }
        }
        logger.info("stored float16 summaries vs bin/lloco compress (float32): worst relative error {}", worst);
        assertTrue("some rounding is expected in float16", worst > 0);
    }

    /** Runs {@code bin/lloco compress} (cwd = repository root) and reads its float32 summaries. */
    private static float[] cliCompress(String text, int segmentTokens) throws Exception {
        Path root = Path.of(System.getProperty("lloco.project.dir", ".")).toAbsolutePath();
        // the build directory holds classes/ and cli.classpath (bin/lloco needs both); surefire's tmpdir is inside it
        Path build = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().getParent();
        if (Files.isRegularFile(build.resolve("cli.classpath")) == false) {
            build = root.resolve("target");
        }
        assertTrue(
            "bin/lloco needs " + build + "/cli.classpath: run ./mvnw -DskipTests package first",
            Files.isRegularFile(build.resolve("cli.classpath"))
        );
        Path work = Files.createTempDirectory("lloco-cli");
        Path textFile = work.resolve("text.txt");
        Files.writeString(textFile, text, StandardCharsets.UTF_8);
        Path out = work.resolve("summaries.safetensors");
        ProcessBuilder pb = new ProcessBuilder(
            root.resolve("bin/lloco").toString(),
            "compress",
            "--model",
            modelsDir.resolve(MODEL).toString(),
            "--text-file",
            textFile.toString(),
            "--segment-tokens",
            Integer.toString(segmentTokens),
            "--out",
            out.toString()
        ).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().put("LLOCO_BUILD_DIR", build.toString());
        pb.environment().put("LLOCO_THREADS", "2");
        for (String v : List
            .of("DJL_CACHE_DIR", "PYTORCH_VERSION", "PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR", "ENGINE_CACHE_DIR", "DJL_DEFAULT_ENGINE")) {
            pb.environment().remove(v);
        }
        Process proc = pb.start();
        String output = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("bin/lloco compress failed: " + output, 0, proc.waitFor());
        try (SafeTensorsReader r = SafeTensorsReader.open(out)) {
            HostTensor t = r.get("summaries");
            float[] v = new float[(int) t.numel()];
            t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return v;
        }
    }

    /**
     * The same compression outside the node, in this JVM, with the segment offsets the node stores (bin/lloco writes
     * summaries only).
     */
    private static List<SummaryEncoder.Segment> reference(String text, int segmentTokens) throws IOException {
        try (RuntimeModel m = RuntimeModel.load(MODEL, modelsDir.resolve(MODEL), "reference")) {
            return new ArrayList<>(m.encode(List.of(text), segmentTokens, false).get(0).segments());
        }
    }
}
