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

import org.junit.AfterClass;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.rest.OpenSearchRestTestCase;

import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;
import io.lloco.train.large.LargeCheckpoint;

/**
 * A model of Llama-2-7B's shape through real nodes (integTest/run.sh: a data node and a {@code lloco}-only node): a
 * random 2-layer AutoCompressor with hidden 4096, 32 heads, intermediate 11008, vocab 32000 and 50 summary tokens
 * (667M parameters, 1.33 GB of BF16 {@code pytorch_model-0000N-of-00002.bin} shards, {@link LargeCheckpoint}, written
 * once into the build directory and reused), a Llama-2-style tokenizer, and a PEFT LoRA adapter (r 8, q/k/v/o,
 * {@code adapter_model.bin}). A 6,000-token text is compressed by {@code lloco_compress} in 1,536-token segments (4
 * segments × 50 summaries, accumulated); the stored summaries equal {@code bin/lloco compress} of the same text; a
 * question over them is answered by {@code _lloco_qa} with the adapter on the {@code lloco} node.
 */
public class LargeShapeRestIT extends OpenSearchRestTestCase {

    static final String MODEL = "llama2-7b-shape-2l";
    static final String ADAPTER = "r8-qmsum";
    static final int TOKENS = 6000;
    static final int SEGMENT = 1536;
    static final int SUMMARY = 50;
    static final int HIDDEN = 4096;
    private static final String INDEX = "large-shape";

    @Override
    protected Settings restClientSettings() {
        // one document's compression on a loaded 2-core machine takes minutes
        return Settings.builder().put(super.restClientSettings()).put(CLIENT_SOCKET_TIMEOUT, "20m").build();
    }

    @Override
    protected boolean preserveIndicesUponCompletion() {
        return true;
    }

    /** The build directory (surefire's tmpdir is inside it). */
    static Path build() {
        Path b = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().getParent();
        return Files.isRegularFile(b.resolve("cli.classpath"))
            ? b
            : Path.of(System.getProperty("lloco.project.dir", ".")).resolve("target");
    }

    /** The checkpoint, adapter and text, written once per build directory (a stamp file marks a complete write). */
    static Path checkpoint() throws IOException {
        Path dir = build().resolve("large").resolve("llama2-7b-shape-2l-seed7");
        Path stamp = dir.resolve("COMPLETE");
        if (Files.isRegularFile(stamp) == false) {
            if (Files.exists(dir)) {
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            long t0 = System.nanoTime();
            LargeCheckpoint.Spec spec = LargeCheckpoint.Spec.llama27b(2, 7);
            LargeCheckpoint.writeModel(dir.resolve("models").resolve(MODEL), spec);
            LargeCheckpoint.writeAdapter(dir.resolve("adapters").resolve(ADAPTER), spec.config(), 8, 8, "qmsum");
            Files.writeString(
                dir.resolve("text.txt"),
                LargeCheckpoint.text(dir.resolve("models").resolve(MODEL).resolve("tokenizer.json"), TOKENS, 7),
                StandardCharsets.UTF_8
            );
            Files.writeString(stamp, String.format(Locale.ROOT, "written in %.1f s%n", (System.nanoTime() - t0) / 1e9));
        }
        return dir;
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

    @AfterClass
    public static void deleteIndex() throws IOException {
        if (adminClient() != null) {
            try {
                adminClient().performRequest(new Request("DELETE", "/" + INDEX));
            } catch (ResponseException e) {
                // never created
            }
        }
    }

    @SuppressWarnings("unchecked")
    public void testSevenBShapeCompressesLikeBinLlocoAndAnswersWithTheAdapter() throws Exception {
        // CI runs it; a local loop may skip its minutes with integTest/run.sh -Dtests.lloco.large=false
        org.junit.Assume.assumeTrue("-Dtests.lloco.large=false", Boolean.parseBoolean(System.getProperty("tests.lloco.large", "true")));
        Path dir = checkpoint();
        NodeModels.linkTree(dir.resolve("models").resolve(MODEL), "lloco/models/" + MODEL);
        NodeModels.linkTree(dir.resolve("adapters").resolve(ADAPTER), "lloco/adapters/" + ADAPTER);
        String text = Files.readString(dir.resolve("text.txt"), StandardCharsets.UTF_8);

        call(
            "PUT",
            "/_ingest/pipeline/large-shape",
            "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\""
                + MODEL
                + "\",\"segment_tokens\":"
                + SEGMENT
                + ",\"storage\":\"float32\"}}]}"
        );
        String mapping = Files.readString(Path.of(System.getProperty("lloco.project.dir", "."), "docs", "lloco-mapping.json"));
        Map<String, Object> m = XContentHelper.convertToMap(JsonXContent.jsonXContent, mapping, false);
        m.put("settings", Map.of("number_of_shards", 1, "number_of_replicas", 0, "index.lloco.adapter", ADAPTER));
        Request create = new Request("PUT", "/" + INDEX);
        create.setJsonEntity(org.opensearch.common.xcontent.XContentFactory.jsonBuilder().map(m).toString());
        client().performRequest(create);

        // bin/lloco compress of the same text runs beside the node (both single-threaded, as cluster.sh starts the nodes)
        long t0 = System.nanoTime();
        CliRun cliRun = startCliCompress(dir.resolve("models").resolve(MODEL), dir.resolve("text.txt"));
        XContentBuilder doc = org.opensearch.common.xcontent.XContentFactory.jsonBuilder().startObject().field("body", text).endObject();
        Request put = new Request("PUT", "/" + INDEX + "/_doc/1?pipeline=large-shape&refresh=true");
        put.setJsonEntity(doc.toString());
        client().performRequest(put);
        double ingestS = (System.nanoTime() - t0) / 1e9;

        Map<String, Object> source = (Map<String, Object>) call("GET", "/" + INDEX + "/_doc/1", null).get("_source");
        Map<String, Object> lloco = (Map<String, Object>) source.get("lloco");
        assertEquals(TOKENS, ((Number) lloco.get("tokens")).intValue());
        assertEquals(SUMMARY, ((Number) lloco.get("summary_length")).intValue());
        List<Map<String, Object>> segs = (List<Map<String, Object>>) lloco.get("segments");
        assertEquals(4, segs.size());
        List<Integer> lengths = new ArrayList<>();
        for (Map<String, Object> s : segs) {
            lengths.add(((Number) s.get("tokens")).intValue());
        }
        assertEquals(List.of(SEGMENT, SEGMENT, SEGMENT, TOKENS - 3 * SEGMENT), lengths);

        // the documented mapping keeps the summaries out of _source, in binary doc values: read them as a user would
        Map<String, Object> found = call(
            "POST",
            "/" + INDEX + "/_search",
            "{\"_source\":false,\"query\":{\"nested\":{\"path\":\"lloco.segments\",\"query\":{\"match_all\":{}},"
                + "\"inner_hits\":{\"size\":10,\"_source\":false,\"sort\":[{\"lloco.segments.ord\":\"asc\"}],"
                + "\"docvalue_fields\":[\"lloco.segments.summaries\"]}}}}"
        );
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) found.get("hits")).get("hits");
        assertEquals(1, hits.size());
        List<Map<String, Object>> inner = (List<Map<String, Object>>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) hits
            .get(0).get("inner_hits")).get("lloco.segments")).get("hits")).get("hits");
        assertEquals(4, inner.size());
        List<String> storedSummaries = new ArrayList<>();
        for (Map<String, Object> h : inner) {
            Map<String, Object> fields = (Map<String, Object>) h.get("fields");
            storedSummaries.add((String) ((List<Object>) fields.get("lloco.segments.summaries")).get(0));
        }

        float[] cli = cliRun.summaries();
        double cliS = (System.nanoTime() - t0) / 1e9;
        int block = SUMMARY * HIDDEN;
        assertEquals(4 * block, cli.length);
        double worstAbs = 0;
        double maxAbs = 0;
        long exact = 0;
        for (int k = 0; k < 4; k++) {
            float[] stored = SummaryBlock
                .toFloats(java.util.Base64.getDecoder().decode(storedSummaries.get(k)), SummaryDtype.FLOAT32);
            assertEquals(block, stored.length);
            for (int i = 0; i < block; i++) {
                float w = cli[k * block + i];
                assertTrue("finite", Float.isFinite(stored[i]));
                worstAbs = Math.max(worstAbs, Math.abs(stored[i] - w));
                maxAbs = Math.max(maxAbs, Math.abs(w));
                exact += stored[i] == w ? 1 : 0;
            }
        }
        logger.info(
            String.format(
                Locale.ROOT,
                "7B shape, 2 layers: node compression (ingest) %.1f s, bin/lloco compress (started with it) done after %.1f s; stored float32 summaries vs "
                    + "bin/lloco: %d of %d values bit-identical, max |diff| %.3e (max |value| %.2f)",
                ingestS,
                cliS,
                exact,
                cli.length,
                worstAbs,
                maxAbs
            )
        );
        // the same float32 computation, single-threaded, with the same libtorch, in two processes: the same bits
        assertEquals("stored summaries differ from bin/lloco compress by up to " + worstAbs, cli.length, exact);

        t0 = System.nanoTime();
        Map<String, Object> r = call(
            "POST",
            "/" + INDEX + "/_lloco_qa",
            "{\"question\":\"What did the group decide about the river?\",\"doc_ids\":[\"1\"],\"template\":\"qmsum\",\"max_new_tokens\":8}"
        );
        double qaS = (System.nanoTime() - t0) / 1e9;
        assertEquals("lloco", r.get("mode"));
        assertEquals(MODEL, r.get("model"));
        assertEquals(ADAPTER, r.get("adapter"));
        Map<String, Object> usage = (Map<String, Object>) r.get("usage");
        assertEquals(4 * SUMMARY, ((Number) usage.get("summary_positions")).intValue());
        assertEquals(TOKENS, ((Number) usage.get("full_context_tokens")).intValue());
        int generated = ((Number) usage.get("generated_tokens")).intValue();
        assertTrue(generated >= 1 && generated <= 8);
        assertNotNull(r.get("answer"));
        Map<String, Object> nodes = (Map<String, Object>) call("GET", "/_plugins/lloco/_nodes", null).get("nodes");
        boolean onLlocoNode = false;
        for (Object n : nodes.values()) {
            Map<String, Object> node = (Map<String, Object>) n;
            if (node.get("name").equals(r.get("node"))) {
                onLlocoNode = Boolean.TRUE.equals(node.get("lloco_role"));
            }
        }
        assertTrue("decoded on " + r.get("node") + ", a lloco node", onLlocoNode);
        logger.info(
            String.format(
                Locale.ROOT,
                "7B shape, 2 layers: _lloco_qa with adapter %s in %.1f s, %d tokens: [%s]",
                ADAPTER,
                qaS,
                generated,
                r.get("answer")
            )
        );
    }

    /** A running {@code bin/lloco compress}. */
    private record CliRun(Process process, Path out) {

        /** Waits for it and reads its float32 summaries. */
        float[] summaries() throws Exception {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("bin/lloco compress failed: " + output, 0, process.waitFor());
            try (SafeTensorsReader rd = SafeTensorsReader.open(out)) {
                HostTensor t = rd.get("summaries");
                float[] v = new float[(int) t.numel()];
                t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                return v;
            }
        }
    }

    /** Starts {@code bin/lloco compress} of the text file in 1,536-token segments (float32 summaries), one libtorch thread. */
    private static CliRun startCliCompress(Path model, Path text) throws Exception {
        Path root = Path.of(System.getProperty("lloco.project.dir", ".")).toAbsolutePath();
        Path build = build();
        assertTrue(
            "bin/lloco needs " + build + "/cli.classpath: run ./mvnw -DskipTests package first",
            Files.isRegularFile(build.resolve("cli.classpath"))
        );
        Path out = Files.createTempDirectory("lloco-large-cli").resolve("summaries.safetensors");
        ProcessBuilder pb = new ProcessBuilder(
            root.resolve("bin/lloco").toString(),
            "compress",
            "--model",
            model.toString(),
            "--text-file",
            text.toString(),
            "--segment-tokens",
            Integer.toString(SEGMENT),
            "--out",
            out.toString()
        ).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().put("LLOCO_BUILD_DIR", build.toString());
        pb.environment().put("LLOCO_THREADS", "1"); // as the nodes (integTest/cluster.sh: LLOCO_THREADS=1)
        pb.environment().put("LLOCO_JAVA_OPTS", "-Xmx1g");
        for (String v : List
            .of("DJL_CACHE_DIR", "PYTORCH_VERSION", "PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR", "ENGINE_CACHE_DIR", "DJL_DEFAULT_ENGINE")) {
            pb.environment().remove(v);
        }
        return new CliRun(pb.start(), out);
    }
}
