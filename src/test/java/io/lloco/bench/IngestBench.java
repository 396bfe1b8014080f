/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;
import org.opensearch.ingest.Processor;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.lloco.engine.ModelRegistry;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.ingest.LlocoCompressProcessorFactory;
import io.lloco.ingest.LocalCompressService;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaWeights;

/**
 * Ingest throughput of the {@code lloco_compress} processor (documents/s, tokens/s) at batch sizes 1 and 8 for a model
 * of lloco-tiny's shape (hidden 256, 4 layers, 8 heads / 4 kv, ffn 768, 16 summaries per 512-token segment; random
 * weights: speed does not depend on the values), beside the encoder's FLOP bound measured in the same run: float32
 * matmul GFLOP/s at the model's own shapes times the exact FLOPs the compression of these documents needs.
 *
 * <p>Usage: {@code bench/ingest/run.sh [docs] [tokens-per-doc]} (defaults 16 and 1536).
 */
public final class IngestBench {

    private static final int HIDDEN = 256;
    private static final int LAYERS = 4;
    private static final int HEADS = 8;
    private static final int KV_HEADS = 4;
    private static final int FFN = 768;
    private static final int SUMMARY = 16;
    private static final int SEGMENT = 512;

    private IngestBench() {
    }

    /** Runs the benchmark and prints a Markdown table. */
    public static void main(String[] args) throws Exception {
        int docs = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int tokensPerDoc = args.length > 1 ? Integer.parseInt(args[1]) : 1536;
        Path home = Files.createTempDirectory("lloco-bench");
        Path modelDir = home.resolve("config/lloco/models/tiny-shape");
        writeModel(modelDir);
        try (
            ModelService models = new ModelService(home.resolve("config"), home.resolve("data"), RuntimeModel::load, new ModelRegistry())) {
            RuntimeModel model = (RuntimeModel) models.get("tiny-shape");
            List<String> texts = texts(model, docs, tokensPerDoc, 1);
            long tokens = 0;
            double flops = 0;
            for (String t : texts) {
                int n = model.countTokens(t);
                tokens += n;
                flops += encodeFlops(n);
            }
            double flopsPerToken = flops / tokens;
            LocalCompressService service = new LocalCompressService(models);
            LlocoCompressProcessorFactory factory = new LlocoCompressProcessorFactory(
                () -> service, () -> Runnable::run, () -> 1_000_000, index -> Long.MAX_VALUE
            );

            // warm up the model and libtorch at both batch sizes
            run(factory, 1, texts(model, 2, tokensPerDoc, 99));
            run(factory, 8, texts(model, 8, tokensPerDoc, 98));
            double peak = squareGflops();
            System.out.printf(
                Locale.ROOT,
                "date: %s, cores: %d, libtorch threads: %s, load average before: %s%n",
                java.time.Instant.now(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("ai.djl.pytorch.num_threads"),
                loadAverage()
            );
            System.out.printf(
                Locale.ROOT,
                "model: lloco-tiny shape, %,d parameters; %d documents x %d tokens (%d segments of %d) = %,d tokens%n",
                model.parameters(),
                docs,
                tokensPerDoc,
                (tokensPerDoc + SEGMENT - 1) / SEGMENT,
                SEGMENT,
                tokens
            );
            System.out.printf(
                Locale.ROOT,
                "encoder FLOPs per source token (accumulate mode, exact for these documents): %.3f MFLOP%n",
                flopsPerToken / 1e6
            );
            System.out.printf(
                Locale.ROOT,
                "float32 matmul, square 1024: %.2f GFLOP/s; the bound below uses [%d x %d] x [%d x %d] (the model's FFN shape), measured right before and after each timed run%n%n",
                peak,
                Math.min(SEGMENT, tokensPerDoc) + SUMMARY,
                HIDDEN,
                HIDDEN,
                FFN
            );
            System.out.println("| batch_size | docs/s | tokens/s | matmul GFLOP/s | FLOP bound tokens/s | ratio |");
            System.out.println("|---|---|---|---|---|---|");
            for (int batch : new int[]{1, 8}) {
                double before = matmulGflops(tokensPerDoc);
                double seconds = run(factory, batch, texts);
                double after = matmulGflops(tokensPerDoc);
                double gflops = (before + after) / 2;
                double bound = gflops * 1e9 / flopsPerToken;
                double tps = tokens / seconds;
                System.out.printf(
                    Locale.ROOT,
                    "| %d | %.2f | %.0f | %.2f (%.2f / %.2f) | %.0f | %.2f |%n",
                    batch,
                    docs / seconds,
                    tps,
                    gflops,
                    before,
                    after,
                    bound,
                    tps / bound
                );
            }
            System.out.printf(Locale.ROOT, "%nload average after: %s%n", loadAverage());
        }
    }

    /** Seconds to push {@code texts} through the processor at {@code batchSize}; fails on any document error. */
    private static double run(LlocoCompressProcessorFactory factory, int batchSize, List<String> texts) throws Exception {
        Map<String, Object> config = new HashMap<>(Map.of("field", "body", "model", "tiny-shape", "batch_size", batchSize));
        Processor p = factory.create(Map.of(), "bench", null, config);
        List<IngestDocumentWrapper> docs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Map<String, Object> source = new HashMap<>(Map.of("body", texts.get(i)));
            docs.add(new IngestDocumentWrapper(i, 0, new IngestDocument("bench", Integer.toString(i), null, null, null, source), null));
        }
        AtomicReference<List<IngestDocumentWrapper>> done = new AtomicReference<>();
        long t0 = System.nanoTime();
        p.batchExecute(docs, done::set);
        double s = (System.nanoTime() - t0) / 1e9;
        if (done.get() == null) {
            throw new IllegalStateException("the processor did not complete synchronously");
        }
        for (IngestDocumentWrapper w : done.get()) {
            if (w.getException() != null) {
                throw new IllegalStateException("document " + w.getSlot() + " failed", w.getException());
            }
        }
        return s;
    }

    /**
     * FLOPs of compressing one document of {@code n} tokens (accumulate): segment k runs over {@code 16k} earlier summary
     * vectors, its tokens and 16 summary tokens; per layer and position, the projections cost 2 x (d*d + 2*d*dkv + d*d +
     * 3*d*ffn) and attention 4*s*d per position (QK^T and AV over the full sequence, as computed). No LM head.
     */
    static double encodeFlops(int n) {
        int dkv = KV_HEADS * (HIDDEN / HEADS);
        double linearPerPosition = 2.0 * ((double) HIDDEN * HIDDEN * 2 + 2.0 * HIDDEN * dkv + 3.0 * HIDDEN * FFN);
        double total = 0;
        int segments = (n + SEGMENT - 1) / SEGMENT;
        for (int k = 0; k < segments; k++) {
            int len = Math.min(SEGMENT, n - k * SEGMENT);
            double s = (double) SUMMARY * k + len + SUMMARY;
            total += LAYERS * (linearPerPosition * s + 4.0 * s * s * HIDDEN);
        }
        return total;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** float32 matmul GFLOP/s at the model's FFN shape for one segment's sequence. */
    private static double matmulGflops(int tokensPerDoc) {
        int m = Math.min(SEGMENT, tokensPerDoc) + SUMMARY;
        return gflops(m, HIDDEN, FFN, 300);
    }

    private static double squareGflops() {
        return gflops(1024, 1024, 1024, 20);
    }

    private static double gflops(int m, int k, int n, int reps) {
        try (GradMode g = GradMode.disabled(); NDManager nd = NDManager.newBaseManager()) {
            NDArray a = nd.randomNormal(new Shape(m, k));
            NDArray b = nd.randomNormal(new Shape(k, n));
            for (int i = 0; i < 5; i++) {
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

    /** Documents of exactly {@code tokens} tokens built from varied sentences. */
    private static List<String> texts(RuntimeModel model, int docs, int tokens, int seed) {
        String[] names = {"Mara Quill", "Tobin Ash", "Lena Voss", "Orrin Pike", "Sela Brand"};
        String[] places = {"Tallowmere", "Brindle Cove", "Ostwick", "Harrow Fen", "Caldmoor"};
        List<String> out = new ArrayList<>();
        java.util.Random r = new java.util.Random(seed);
        for (int d = 0; d < docs; d++) {
            StringBuilder sb = new StringBuilder();
            while (model.countTokens(sb.toString()) < tokens + 40) {
                sb.append(
                    String.format(
                        Locale.ROOT,
                        "%s travelled from %s to %s with %d crates of apples on day %d. ",
                        names[r.nextInt(5)],
                        places[r.nextInt(5)],
                        places[r.nextInt(5)],
                        r.nextInt(90) + 2,
                        r.nextInt(300)
                    )
                );
            }
            // cut to exactly `tokens` tokens at a token boundary
            String s = sb.toString();
            int lo = 0;
            int hi = s.length();
            while (lo < hi) {
                int mid = (lo + hi + 1) / 2;
                if (model.countTokens(s.substring(0, mid)) <= tokens) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            out.add(s.substring(0, lo));
        }
        return out;
    }

    private static void writeModel(Path dir) throws Exception {
        Files.createDirectories(dir);
        int vocab;
        try (InputStream in = IngestBench.class.getResourceAsStream("/io/lloco/models/lloco-tiny/tokenizer.json")) {
            vocab = new ObjectMapper().readTree(in).path("model").path("vocab").size();
        }
        LlamaConfig config = LlamaConfig.builder()
            .hiddenSize(HIDDEN)
            .intermediateSize(FFN)
            .numHiddenLayers(LAYERS)
            .numAttentionHeads(HEADS)
            .numKeyValueHeads(KV_HEADS)
            .vocabSize(vocab)
            .tieWordEmbeddings(true)
            .maxPositionEmbeddings(4096)
            .summaryLength(SUMMARY)
            .build();
        try (NDManager m = NDManager.newBaseManager(); LlamaWeights w = LlamaWeights.random(config, m, 5, 0.05)) {
            w.save(dir);
        }
        try (InputStream in = IngestBench.class.getResourceAsStream("/io/lloco/models/lloco-tiny/tokenizer.json")) {
            Files.copy(in, dir.resolve("tokenizer.json"));
        }
        Files.writeString(dir.resolve("lloco.json"), "{\"segment_tokens\": " + SEGMENT + "}");
    }
}
