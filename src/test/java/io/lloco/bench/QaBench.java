/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.lloco.runtime.model.GradMode;
import io.lloco.train.world.Document;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldEval;

/**
 * The side-by-side benchmark of {@code bench/run.sh} (docs/BENCHMARKS.md), run against a real node with the plugin:
 * memory per model and adapter, ingest throughput beside the encoder's FLOP bound, the context sweep (lloco vs RAG-style
 * raw segments vs the whole document in the prompt), the needle grid, and the load test. Every measurement is one JSON
 * line appended to the results file as soon as it is taken; a point already in the file is not measured again, so an
 * interrupted run resumes where it stopped (on the same node: the indices must still be there).
 *
 * <p>Usage: {@code QaBench --url URL --out results.jsonl [--lengths 1024,2048,...] [--depths 0,0.5,1] [--lookups N]
 * [--load-seconds S] [--clients 1,4,16] [--pid-file F] [--deadline EPOCH_SECONDS] [--threads N]}.
 */
public final class QaBench {

    static final String TINY = "bench-tiny";
    static final String LONG = "bench-long";
    static final int SEED = 7;
    static final ObjectMapper OM = new ObjectMapper();

    private final String url;
    private final Path out;
    private final Set<String> done = new HashSet<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final int[] lengths;
    private final double[] depths;
    private final int lookups;
    private final int loadSeconds;
    private final int[] clients;
    private final Path pidFile;
    private final long deadline;
    private final World world = new World(SEED);
    private final Map<String, Object> tiny;

    QaBench(Map<String, String> o) throws IOException {
        url = o.getOrDefault("--url", "http://127.0.0.1:9200");
        out = Path.of(o.getOrDefault("--out", "bench-results.jsonl"));
        lengths = Arrays.stream(o.getOrDefault("--lengths", "1024,2048,4096,8192,16384,32768").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
        depths = Arrays.stream(o.getOrDefault("--depths", "0,0.25,0.5,0.75,1").split(",")).mapToDouble(Double::parseDouble).toArray();
        lookups = Integer.parseInt(o.getOrDefault("--lookups", "2"));
        loadSeconds = Integer.parseInt(o.getOrDefault("--load-seconds", "30"));
        clients = Arrays.stream(o.getOrDefault("--clients", "1,4,16").split(",")).mapToInt(Integer::parseInt).toArray();
        pidFile = o.containsKey("--pid-file") ? Path.of(o.get("--pid-file")) : null;
        deadline = Long.parseLong(o.getOrDefault("--deadline", "0"));
        try (InputStream in = QaBench.class.getResourceAsStream("/io/lloco/models/lloco-tiny/config.json")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = OM.readValue(in, Map.class);
            tiny = c;
        }
        if (Files.exists(out)) {
            for (String line : Files.readAllLines(out)) {
                if (line.isBlank() == false) {
                    done.add(OM.readTree(line).path("key").asText());
                }
            }
        }
    }

    /** Entry point; see the class documentation. */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        new QaBench(o).run();
    }

    void run() throws Exception {
        log("results: %s (%d points already there)", out, done.size());
        machine();
        memory();
        setup();
        ingest();
        storage();
        sweep();
        memoryAfterQuestions();
        load();
        log("done");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // stages

    private void machine() throws Exception {
        String key = "machine/" + Instant.now().getEpochSecond() / 60;
        ObjectNode r = point("machine", key);
        r.put("cpus", Runtime.getRuntime().availableProcessors());
        r.put("load_average", loadAverage());
        JsonNode info = get("/_plugins/lloco");
        r.set("engine", info.path("engine"));
        r.put("opensearch_version", info.path("opensearch_version").asText());
        r.put("cpu_model", cpuModel());
        r.put("mem_total_gib", memTotalGib());
        append(r);
    }

    /** Heap and native memory of the node before and after each model and adapter loads (fresh node only). */
    private void memory() throws Exception {
        if (done.contains("memory")) {
            return;
        }
        JsonNode models = get("/_plugins/lloco/models");
        for (JsonNode n : models.path("nodes")) {
            if (n.path("models").size() > 0) {
                log("memory: models already loaded on this node (a resumed run): skipped");
                return;
            }
        }
        ObjectNode r = point("memory", "memory");
        r.set("before", nodeMemory());
        request("POST", "/_plugins/lloco/models/lloco-tiny/_load", null, null);
        r.set("after_model", nodeMemory());
        r.set("model", firstModel("lloco-tiny"));
        request("POST", "/_plugins/lloco/models/lloco-tiny-long/_load", null, null);
        r.set("after_long_model", nodeMemory());
        r.set("long_model", firstModel("lloco-tiny-long"));
        append(r);
    }

    /** The node's memory once questions have run: the adapters are loaded on first use. */
    private void memoryAfterQuestions() throws Exception {
        if (done.contains("memory/after-questions")) {
            return;
        }
        ObjectNode r = point("memory_after", "memory/after-questions");
        r.set("node", nodeMemory());
        r.set("model", firstModel("lloco-tiny"));
        r.set("long_model", firstModel("lloco-tiny-long"));
        append(r);
    }

    private void setup() throws Exception {
        put("/_cluster/settings", "{\"persistent\":{\"plugins.lloco.qa.timeout\":\"1h\",\"plugins.lloco.ingest.timeout\":\"1h\"}}");
        for (String[] p : new String[][]{{"bench-tiny", "lloco-tiny"}, {"bench-long", "lloco-tiny-long"}}) {
            put(
                "/_ingest/pipeline/" + p[0],
                "{\"processors\":[{\"lloco_compress\":{\"field\":\"body\",\"model\":\""
                    + p[1]
                    + "\",\"mode\":\"independent\",\"segment_boundary\":\"sentence\",\"batch_size\":8}}]}"
            );
            if (status("HEAD", "/" + p[0]) == 404) {
                ObjectNode mapping = (ObjectNode) OM.readTree(Files.readString(Path.of("docs/lloco-mapping.json")));
                mapping.putObject("settings").putObject("index").put("number_of_replicas", 0).put("number_of_shards", 1);
                put("/" + p[0], OM.writeValueAsString(mapping));
            }
        }
    }

    private Document doc(int length, double depth) {
        int li = indexOf(length);
        int di = (int) Math.round(depth * 100);
        return world.needleDocument(Split.TEST, 1000L * li + di, length, depth);
    }

    private static String id(int length, double depth) {
        return String.format(Locale.ROOT, "L%d-d%03d", length, (int) Math.round(depth * 100));
    }

    /** Every (length, depth) document into bench-tiny; one depth-0.5 document per length into bench-long. */
    private void ingest() throws Exception {
        for (int length : lengths) {
            List<Document> docs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (double d : depths) {
                docs.add(doc(length, d));
                ids.add(id(length, d));
            }
            ingestBatch("ingest/tiny/" + length, TINY, length, docs, ids);
            ingestBatch("ingest/long/" + length, LONG, length, List.of(doc(length, 0.5)), List.of(id(length, 0.5)));
        }
        post("/" + TINY + "," + LONG + "/_refresh", "");
    }

    private void ingestBatch(String key, String index, int length, List<Document> docs, List<String> ids) throws Exception {
        if (done.contains(key) || pastDeadline(key)) {
            return;
        }
        StringBuilder bulk = new StringBuilder();
        int tokens = 0;
        for (int i = 0; i < docs.size(); i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(ids.get(i)).append("\"}}\n");
            bulk.append(OM.writeValueAsString(Map.of("body", docs.get(i).text()))).append('\n');
            tokens += docs.get(i).tokenCount();
        }
        double g0 = matmulGflops();
        long t0 = System.nanoTime();
        JsonNode r = request("POST", "/" + index + "/_bulk?pipeline=" + index, bulk.toString(), "application/x-ndjson");
        double s = (System.nanoTime() - t0) / 1e9;
        double g1 = matmulGflops();
        if (r.path("errors").asBoolean()) {
            throw new IllegalStateException("bulk into " + index + " failed: " + clip(r.toString()));
        }
        // what the stored documents say: segments and summary vectors, hence positions through the encoder
        post("/" + index + "/_refresh", "");
        int segments = 0;
        int summaries = 0;
        int storedTokens = 0;
        for (String id : ids) {
            JsonNode l = get("/" + index + "/_doc/" + id + "?_source_includes=lloco.tokens,lloco.segment_count,lloco.summary_length")
                .path("_source")
                .path("lloco");
            segments += l.path("segment_count").asInt();
            summaries += l.path("segment_count").asInt() * l.path("summary_length").asInt();
            storedTokens += l.path("tokens").asInt();
        }
        double flops = encoderFlops(storedTokens, segments, summaries / Math.max(1, segments));
        double gflops = (g0 + g1) / 2;
        double bound = gflops * 1e9 / (flops / storedTokens);
        ObjectNode p = point("ingest", key);
        p.put("index", index).put("length", length).put("docs", docs.size()).put("tokens", storedTokens).put("world_tokens", tokens);
        p.put("seconds", s).put("tokens_per_s", storedTokens / s).put("segments", segments).put("summary_vectors", summaries);
        p.put("tokens_per_segment", (double) storedTokens / segments);
        p.put("flops_per_token", flops / storedTokens).put("matmul_gflops_before", g0).put("matmul_gflops_after", g1);
        p.put("flop_bound_tokens_per_s", bound).put("ratio_to_bound", storedTokens / s / bound);
        append(p);
        log(
            "ingest %s: %d tokens in %.1f s (%.0f tokens/s; FLOP bound %.0f; ratio %.2f)",
            key,
            storedTokens,
            s,
            storedTokens / s,
            bound,
            storedTokens / s / bound
        );
    }

    private void storage() throws Exception {
        if (done.contains("storage")) {
            return;
        }
        post("/" + TINY + "/_forcemerge?max_num_segments=1", "");
        JsonNode st = get("/" + TINY + "/_stats/store,docs");
        long bytes = st.path("indices").path(TINY).path("primaries").path("store").path("size_in_bytes").asLong();
        long tokens = 0;
        JsonNode hits = post("/" + TINY + "/_search", "{\"size\":1000,\"_source\":[\"lloco.tokens\"]}").path("hits").path("hits");
        for (JsonNode h : hits) {
            tokens += h.path("_source").path("lloco").path("tokens").asLong();
        }
        ObjectNode p = point("storage", "storage");
        p.put("index", TINY).put("store_bytes", bytes).put("source_tokens", tokens).put("docs", hits.size());
        p.put("bytes_per_source_token", (double) bytes / tokens);
        append(p);
    }

    /** The modes asked of every question, in order: the product, RAG-style raw segments, the whole document. */
    private static Map<String, String> modes(String template) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(
            "lloco",
            "\"mode\":\"lloco\",\"granularity\":\"segment\",\"answer_candidates\":3,\"answer_candidates_max\":6"
                + ("needle".equals(template) || "lookup".equals(template) ? ",\"answer_beams\":4" : "")
        );
        m.put("rag", "\"mode\":\"full_context\",\"granularity\":\"segment\",\"top_segments\":3");
        m.put("full_context", "\"mode\":\"full_context\"");
        return m;
    }

    private void sweep() throws Exception {
        int window = ((Number) tiny.get("max_position_embeddings")).intValue();
        for (int length : lengths) {
            for (double depth : depths) {
                Document d = doc(length, depth);
                List<QaExample> qs = new ArrayList<>(world.questions(d, TaskFamily.NEEDLE, 1));
                qs.addAll(world.questions(d, TaskFamily.LOOKUP, lookups));
                for (int qi = 0; qi < qs.size(); qi++) {
                    QaExample q = qs.get(qi);
                    String template = q.task().templateName();
                    boolean paired = depth == 0.5 && qi == 0; // the question timed in every mode side by side
                    for (Map.Entry<String, String> m : modes(template).entrySet()) {
                        boolean full = m.getKey().equals("full_context");
                        // the whole document fits lloco-tiny's window: accuracy; else the same weights with the window
                        // raised (bench-long), timed on the paired question only, no accuracy
                        boolean fits = d.tokenCount() + 64 + 16 <= window;
                        if (full && fits == false && paired == false) {
                            continue;
                        }
                        String index = full && fits == false ? LONG : TINY;
                        int reps = paired ? (full && length >= 8192 ? 1 : 3) : 1;
                        String key = String.format(Locale.ROOT, "sweep/%s/%d/%s/q%d", m.getKey(), length, id(length, depth), qi);
                        if (done.contains(key) || pastDeadline(key)) {
                            continue;
                        }
                        String body = "{\"question\":"
                            + OM.writeValueAsString(q.question())
                            + ",\"doc_ids\":[\""
                            + id(length, depth)
                            + "\"],\"template\":\""
                            + template
                            + "\",\"max_new_tokens\":16,"
                            + m.getValue()
                            + "}";
                        List<JsonNode> runs = new ArrayList<>();
                        List<Double> client = new ArrayList<>();
                        for (int r = 0; r < reps; r++) {
                            long t0 = System.nanoTime();
                            runs.add(post("/" + index + "/_lloco_qa", body));
                            client.add((System.nanoTime() - t0) / 1e6);
                        }
                        JsonNode last = runs.get(runs.size() - 1);
                        ObjectNode p = point("sweep", key);
                        p.put("mode", m.getKey()).put("length", length).put("doc_tokens", d.tokenCount()).put("depth", depth);
                        p.put("needle_depth", d.needle().depth()).put("task", template).put("paired", paired).put("index", index);
                        p.put("model", last.path("model").asText()).put("accuracy_reported", index.equals(TINY));
                        p.put("question", q.question()).put("gold", q.gold()).put("answer", last.path("answer").asText());
                        p.put("correct", correct(q, last.path("answer").asText()));
                        p.set("usage", last.path("usage"));
                        p.put("reads", Math.max(1, last.path("candidates").size()));
                        p.put("prefill_ms", median(runs, "prefill_ms")).put("decode_ms", median(runs, "decode_ms"));
                        p.put("queue_ms", median(runs, "queue_ms")).put("retrieve_ms", median(runs, "retrieve_ms"));
                        p.put("fetch_ms", median(runs, "fetch_ms")).put("total_ms", median(runs, "total_ms"));
                        p.put("client_ms", median(client)).put("reps", reps);
                        p.put("flops", requestFlops(last));
                        append(p);
                        log(
                            "%s: %s %.0f ms, %d positions, %s",
                            key,
                            p.path("correct").asBoolean() ? "OK" : "--",
                            p.path("total_ms").asDouble(),
                            last.path("usage").path("decoder_positions").asInt(),
                            clip(last.path("answer").asText())
                        );
                    }
                }
            }
        }
    }

    /** QA throughput and latency at each client count, batching on (max_batch 8) and off (1). */
    private void load() throws Exception {
        int length = indexOf(4096) >= 0 ? 4096 : lengths[0]; // the product reads a few segments whatever the length
        List<String> bodies = new ArrayList<>();
        for (double depth : depths) {
            Document d = doc(length, depth);
            List<QaExample> qs = new ArrayList<>(world.questions(d, TaskFamily.NEEDLE, 1));
            qs.addAll(world.questions(d, TaskFamily.LOOKUP, lookups));
            for (QaExample q : qs) {
                bodies.add(
                    "{\"question\":"
                        + OM.writeValueAsString(q.question())
                        + ",\"doc_ids\":[\""
                        + id(length, depth)
                        + "\"],\"template\":\""
                        + q.task().templateName()
                        + "\",\"max_new_tokens\":16,\"granularity\":\"segment\",\"top_segments\":3}"
                );
            }
        }
        // the configurations run interleaved in slices of SLICE_S seconds, round after round (the order reversed every
        // other round), so that the load of other processes on a shared machine falls on all of them alike
        List<int[]> configs = new ArrayList<>();
        for (int batch : new int[]{32, 8, 1}) { // 8 is the default of plugins.lloco.qa.max_batch
            for (int c : clients) {
                if (done.contains(loadKey(batch, c)) == false) {
                    configs.add(new int[]{batch, c});
                }
            }
        }
        if (configs.isEmpty() || pastDeadline("load")) {
            return;
        }
        int rounds = Math.max(1, loadSeconds / SLICE_S);
        Map<String, LoadStats> stats = new LinkedHashMap<>();
        for (int[] c : configs) {
            stats.put(loadKey(c[0], c[1]), new LoadStats());
        }
        put("/_cluster/settings", "{\"persistent\":{\"plugins.lloco.qa.max_batch\":8}}");
        slice(new LoadStats(), bodies, clients[clients.length - 1], 2); // warm-up, not recorded
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < configs.size(); k++) {
                int[] c = configs.get(round % 2 == 0 ? k : configs.size() - 1 - k);
                put("/_cluster/settings", "{\"persistent\":{\"plugins.lloco.qa.max_batch\":" + c[0] + "}}");
                slice(stats.get(loadKey(c[0], c[1])), bodies, c[1], Math.min(SLICE_S, loadSeconds));
            }
        }
        put("/_cluster/settings", "{\"persistent\":{\"plugins.lloco.qa.max_batch\":null}}");
        for (int[] c : configs) {
            String key = loadKey(c[0], c[1]);
            ObjectNode p = point("load", key);
            p.put("max_batch", c[0]).put("clients", c[1]).put("length", length).put("rounds", rounds).put("slice_s", SLICE_S);
            stats.get(key).write(p);
            append(p);
            log(
                "%s: %.2f questions/s, p50 %.0f ms, p99 %.0f ms, mean batch %.2f, node cores busy %.2f",
                key,
                p.path("questions_per_s").asDouble(),
                p.path("p50_ms").asDouble(),
                p.path("p99_ms").asDouble(),
                p.path("mean_batch_size").asDouble(),
                p.path("node_cores_busy").asDouble()
            );
        }
    }

    static final int SLICE_S = 5;

    private static String loadKey(int batch, int clients) {
        return String.format(Locale.ROOT, "load/batch%d/clients%d", batch, clients);
    }

    /** What the slices of one load configuration add up to. */
    static final class LoadStats {

        final List<Double> lat = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Integer> batches = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<JsonNode> timings = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger errors = new AtomicInteger();
        double wall;
        double cpu;
        boolean cpuKnown = true;

        void write(ObjectNode p) {
            if (cpuKnown) {
                p.put("node_cpu_s", cpu).put("node_cores_busy", cpu / wall)
                    .put("node_cpu_ms_per_question", cpu * 1e3 / Math.max(1, lat.size()));
                p.put("questions_per_node_cpu_s", lat.size() / Math.max(1e-9, cpu));
            }
            ObjectNode mean = p.putObject("mean_server_ms");
            for (String f : new String[]{"retrieve_ms", "fetch_ms", "queue_ms", "prefill_ms", "decode_ms", "total_ms"}) {
                mean.put(f, timings.stream().mapToDouble(t -> t.path(f).asDouble()).average().orElse(Double.NaN));
            }
            List<Double> sorted = new ArrayList<>(lat);
            sorted.sort(Double::compare);
            p.put("questions", sorted.size()).put("errors", errors.get()).put("wall_s", wall);
            p.put("questions_per_s", sorted.size() / wall);
            p.put("p50_ms", percentile(sorted, 0.5)).put("p99_ms", percentile(sorted, 0.99));
            p.put("mean_batch_size", batches.stream().mapToInt(Integer::intValue).average().orElse(0));
        }
    }

    /** {@code clients} threads asking questions back to back for {@code seconds}; the slice ends when the last answers. */
    private void slice(LoadStats st, List<String> bodies, int clients, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger next = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(clients);
        long cpu0 = nodeCpuTicks();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int offset = c * 7;
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        String b = bodies.get(Math.floorMod(offset + next.getAndIncrement(), bodies.size()));
                        long s = System.nanoTime();
                        try {
                            JsonNode r = post("/" + TINY + "/_lloco_qa", b);
                            st.lat.add((System.nanoTime() - s) / 1e6);
                            st.batches.add(r.path("usage").path("batch_size").asInt());
                            st.timings.add(r.path("timings"));
                        } catch (Exception e) {
                            st.errors.incrementAndGet();
                        }
                    }
                } finally {
                    all.countDown();
                }
            }, "bench-client-" + c);
            t.start();
        }
        all.await();
        st.wall += (System.nanoTime() - t0) / 1e9;
        long cpu1 = nodeCpuTicks();
        if (cpu0 >= 0 && cpu1 >= 0) {
            st.cpu += (cpu1 - cpu0) / 100.0; // USER_HZ
        } else {
            st.cpuKnown = false;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // FLOPs of lloco-tiny's shape

    private int cfg(String k) {
        return ((Number) tiny.get(k)).intValue();
    }

    /** Projection FLOPs per position and layer: 2·(2d² + 2·d·d_kv + 3·d·ffn). */
    private double projFlops() {
        double d = cfg("hidden_size");
        double dkv = d / cfg("num_attention_heads") * cfg("num_key_value_heads");
        return 2 * (2 * d * d + 2 * d * dkv + 3 * d * cfg("intermediate_size"));
    }

    /** Encoder FLOPs of compressing {@code tokens} in {@code segments} independent segments with their summary tokens. */
    double encoderFlops(int tokens, int segments, int summaryLength) {
        double d = cfg("hidden_size");
        double n = (double) tokens / segments + summaryLength; // positions per segment (mean)
        return cfg("num_hidden_layers") * segments * (n * projFlops() + 4 * n * n * d);
    }

    /**
     * FLOPs of one answer, from its usage: a prefill of each read's positions (causal attention) and the generated
     * tokens' steps over that cache, each with the output head; reads and beams multiply the steps. An estimate: reads
     * are taken as equal.
     */
    double requestFlops(JsonNode r) {
        JsonNode u = r.path("usage");
        int reads = Math.max(1, r.path("candidates").size());
        double beams = r.path("candidates").size() > 0 && r.path("candidates").get(0).has("hypotheses")
            ? Math.max(1, r.path("candidates").get(0).path("hypotheses").size())
            : 1;
        double p = u.path("decoder_positions").asDouble() / reads;
        double g = Math.max(1, u.path("generated_tokens").asDouble() / reads);
        double d = cfg("hidden_size");
        int layers = cfg("num_hidden_layers");
        double head = 2 * d * cfg("vocab_size");
        double prefill = layers * (p * projFlops() + 2 * p * p * d) + head;
        double decode = g * beams * (layers * (projFlops() + 4 * d * (p + g / 2)) + head);
        return reads * (prefill + decode);
    }

    /** float32 matmul GFLOP/s at the encoder's FFN shape for one segment with its summary tokens (as IngestBench). */
    private double matmulGflops() {
        int m = 64 + 16;
        int k = cfg("hidden_size");
        int n = cfg("intermediate_size");
        int reps = 2000;
        try (NDManager nd = NDManager.newBaseManager(); GradMode g = GradMode.disabled()) {
            NDArray a = nd.randomNormal(new Shape(m, k));
            NDArray b = nd.randomNormal(new Shape(k, n));
            for (int i = 0; i < 20; i++) {
                try (NDArray c = a.matMul(b)) {
                    c.toFloatArray();
                }
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                try (NDArray c = a.matMul(b)) {
                    if (i == reps - 1) {
                        c.getFloat(0, 0);
                    }
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            return 2.0 * m * k * n * reps / s / 1e9;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    static boolean correct(QaExample q, String answer) {
        if (q.task() == TaskFamily.NEEDLE) {
            return answer.toLowerCase(Locale.ROOT).contains(q.gold().toLowerCase(Locale.ROOT));
        }
        return WorldEval.normalize(answer).equals(WorldEval.normalize(q.gold()));
    }

    private int indexOf(int length) {
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] == length) {
                return i;
            }
        }
        return -1;
    }

    private boolean pastDeadline(String key) {
        if (deadline > 0 && Instant.now().getEpochSecond() > deadline) {
            log("deadline passed: %s not measured", key);
            return true;
        }
        return false;
    }

    private ObjectNode nodeMemory() throws Exception {
        ObjectNode m = OM.createObjectNode();
        JsonNode jvm = get("/_nodes/stats/jvm,breaker").path("nodes");
        JsonNode n = jvm.elements().next();
        m.put("heap_used_bytes", n.path("jvm").path("mem").path("heap_used_in_bytes").asLong());
        m.put("non_heap_used_bytes", n.path("jvm").path("mem").path("non_heap_used_in_bytes").asLong());
        m.put("lloco_breaker_bytes", n.path("breakers").path("lloco").path("estimated_size_in_bytes").asLong());
        if (pidFile != null && Files.isReadable(pidFile)) {
            String pid = Files.readString(pidFile).trim();
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:") || line.startsWith("RssAnon:")) {
                    String[] f = line.split("\\s+");
                    m.put(f[0].replace(":", "").toLowerCase(Locale.ROOT) + "_bytes", Long.parseLong(f[1]) * 1024);
                }
            }
        }
        return m;
    }

    /** The node's user + system CPU time in clock ticks (/proc/PID/stat), -1 without a pid file. */
    private long nodeCpuTicks() {
        try {
            if (pidFile == null || Files.isReadable(pidFile) == false) {
                return -1;
            }
            String stat = Files.readString(Path.of("/proc/" + Files.readString(pidFile).trim() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private JsonNode firstModel(String id) throws Exception {
        for (JsonNode n : get("/_plugins/lloco/models/" + id).path("nodes")) {
            for (JsonNode m : n.path("models")) {
                if (m.path("id").asText().equals(id)) {
                    return m;
                }
            }
        }
        return OM.createObjectNode();
    }

    private ObjectNode point(String stage, String key) {
        ObjectNode p = OM.createObjectNode();
        p.put("stage", stage).put("key", key).put("at", Instant.now().toString()).put("load_average", loadAverage());
        return p;
    }

    private void append(ObjectNode p) throws IOException {
        Files.writeString(
            out,
            OM.writeValueAsString(p) + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND
        );
        done.add(p.path("key").asText());
    }

    private static double median(List<JsonNode> runs, String field) {
        List<Double> v = new ArrayList<>();
        for (JsonNode r : runs) {
            v.add(r.path("timings").path(field).asDouble());
        }
        return median(v);
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        int n = s.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "?";
        }
        return "?";
    }

    private static double memTotalGib() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return Long.parseLong(l.split("\\s+")[1]) / 1024.0 / 1024.0;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    private static String clip(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private static void log(String fmt, Object... args) {
        System.out.printf(Locale.ROOT, "[%s] " + fmt + "%n", concat(Instant.now().toString().substring(11, 19), args));
    }

    private static Object[] concat(Object first, Object[] rest) {
        Object[] a = new Object[rest.length + 1];
        a[0] = first;
        System.arraycopy(rest, 0, a, 1, rest.length);
        return a;
    }

    private JsonNode get(String path) throws Exception {
        return request("GET", path, null, null);
    }

    private JsonNode post(String path, String body) throws Exception {
        return request("POST", path, body, "application/json");
    }

    private JsonNode put(String path, String body) throws Exception {
        return request("PUT", path, body, "application/json");
    }

    private int status(String method, String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url + path)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private JsonNode request(String method, String path, String body, String type) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofHours(1));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IOException(method + " " + path + " -> " + r.statusCode() + ": " + clip(r.body()));
        }
        return r.body().isEmpty() ? OM.createObjectNode() : OM.readTree(r.body());
    }
}
