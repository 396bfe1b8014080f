/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;

import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LayerWeights;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Projection;

/**
 * Runtime benchmark: random Llama weights at two sizes; prefill tokens/s and decode ms/token through the real
 * generation API (batch 1, KV cache, greedy), each beside a lower bound measured in the same run: the same
 * matmuls (same shapes, same count, lm-head included) issued back to back through DJL with nothing else. The
 * ratio measured / lower bound is the cost of everything that is not a matmul (norms, RoPE, softmax, JNI
 * per-op overhead, cache growth, Java-side sampling).
 *
 * <p>Usage: {@code RuntimeBench [--sizes tiny,100m] [--prefill N] [--decode N] [--threads N] [--reps N]}.
 */
public final class RuntimeBench {

    private RuntimeBench() {
    }

    record Size(String name, LlamaConfig config) {
    }

    static Size size(String name) {
        return switch (name) {
            case "tiny" -> new Size(
                "tiny",
                LlamaConfig.builder().hiddenSize(256).intermediateSize(688).numHiddenLayers(4).numAttentionHeads(4).vocabSize(8000)
                    .tieWordEmbeddings(true).build()
            );
            case "100m" -> new Size(
                "100m",
                LlamaConfig.builder().hiddenSize(768).intermediateSize(2048).numHiddenLayers(12).numAttentionHeads(12).vocabSize(8000)
                    .build()
            );
            default -> throw new IllegalArgumentException("unknown size " + name + " (tiny, 100m)");
        };
    }

    /** One row of the result table. */
    record Row(String size, long params, int threads, int prefillTokens, double prefillMs, double prefillMatmulMs, int decodeSteps,
        double decodeMs, double decodeMatmulMs) {
    }

    public static void main(String[] args) {
        List<String> sizes = List.of("tiny", "100m");
        int prefill = 512;
        int decode = 64;
        int reps = 5;
        int threads = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> sizes = Arrays.asList(args[++i].split(","));
                case "--prefill" -> prefill = Integer.parseInt(args[++i]);
                case "--decode" -> decode = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Engine engine = Engine.getEngine("PyTorch");
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        int actualThreads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
        if (threads > 0) {
            actualThreads = threads;
        }
        System.out.printf(
            Locale.ROOT,
            "# RuntimeBench: DJL %s, PyTorch %s, %d CPUs, %d intra-op threads, Java %s, %s%n",
            Engine.getDjlVersion(),
            engine.getVersion(),
            Runtime.getRuntime().availableProcessors(),
            actualThreads,
            System.getProperty("java.version"),
            System.getProperty("os.name") + " " + System.getProperty("os.arch")
        );
        List<Row> rows = new ArrayList<>();
        for (String s : sizes) {
            rows.add(run(size(s.trim()), prefill, decode, reps, actualThreads));
        }
        System.out.println();
        System.out.println(
            "| size | params | threads | prefill tokens | prefill ms | prefill tok/s | matmul-only ms | ratio | decode ms/token | matmul-only ms/token | ratio |"
        );
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            System.out.printf(
                Locale.ROOT,
                "| %s | %.1fM | %d | %d | %.1f | %.0f | %.1f | %.2f | %.2f | %.2f | %.2f |%n",
                r.size(),
                r.params() / 1e6,
                r.threads(),
                r.prefillTokens(),
                r.prefillMs(),
                r.prefillTokens() / (r.prefillMs() / 1000),
                r.prefillMatmulMs(),
                r.prefillMs() / r.prefillMatmulMs(),
                r.decodeMs(),
                r.decodeMatmulMs(),
                r.decodeMs() / r.decodeMatmulMs()
            );
        }
    }

    static Row run(Size size, int prefill, int decode, int reps, int threads) {
        LlamaConfig c = size.config();
        Random rnd = new Random(1);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 1, 0.02);
            LlamaModel m = new LlamaModel(w)) {
            Generator g = new Generator(m, null);
            int[] prompt = new int[prefill];
            for (int i = 0; i < prefill; i++) {
                prompt[i] = 3 + rnd.nextInt(c.vocabSize() - 3);
            }
            GenerationRequest pre = new GenerationRequest(null, prompt, null, GenerationParams.greedy(1).withEosIds(List.of()));
            int[] shortPrompt = Arrays.copyOf(prompt, Math.min(prefill, 128));
            GenerationRequest dec = new GenerationRequest(
                null, shortPrompt, null, GenerationParams.greedy(decode + 1).withEosIds(List.of())
            );
            // warm up
            g.generate(pre);
            g.generate(dec);
            double[] prefillMs = new double[reps];
            double[] decodeMs = new double[reps];
            for (int i = 0; i < reps; i++) {
                GenerationResult r = g.generate(pre);
                prefillMs[i] = r.prefillNanos() / 1e6;
                GenerationResult d = g.generate(dec);
                decodeMs[i] = d.decodeNanos() / 1e6 / decode;
            }
            double prefillMatmul;
            double decodeMatmul;
            try (GradMode gm = GradMode.disabled(); NDManager req = m.newRequestManager()) {
                matmulsOnly(req, w, prefill, prefill, 1);
                double[] pm = new double[reps];
                double[] dm = new double[reps];
                for (int i = 0; i < reps; i++) {
                    pm[i] = matmulsOnly(req, w, prefill, prefill, 1);
                    dm[i] = matmulsOnly(req, w, 1, shortPrompt.length + decode / 2, decode) / decode;
                }
                prefillMatmul = median(pm);
                decodeMatmul = median(dm);
            }
            Row row = new Row(
                size.name(), w.parameterCount(), threads, prefill, median(prefillMs), prefillMatmul, decode, median(decodeMs), decodeMatmul
            );
            System.out.printf(Locale.ROOT, "# %s: %s%n", size.name(), row);
            return row;
        }
    }

    /**
     * The forward's matmuls only, for {@code steps} forwards of {@code t} new tokens attending to {@code keys}
     * positions: per layer the seven projections, q k^T and p v; then the head on one position. Milliseconds.
     */
    static double matmulsOnly(NDManager req, LlamaWeights w, int t, int keys, int steps) {
        LlamaConfig c = w.config();
        int kv = c.numKeyValueHeads();
        int rep = c.groupSize();
        int hd = c.headDim();
        NDArray xh = req.randomNormal(new Shape(1, t, c.hiddenSize()));
        NDArray xq = req.randomNormal(new Shape(1, t, (long) c.numAttentionHeads() * hd));
        NDArray xf = req.randomNormal(new Shape(1, t, c.intermediateSize()));
        NDArray q = req.randomNormal(new Shape(1, kv, (long) rep * t, hd));
        NDArray kT = req.randomNormal(new Shape(1, kv, hd, keys));
        NDArray p = req.randomNormal(new Shape(1, kv, (long) rep * t, keys));
        NDArray v = req.randomNormal(new Shape(1, kv, keys, hd));
        NDArray last = req.randomNormal(new Shape(1, c.hiddenSize()));
        long start = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            for (LayerWeights l : w.layers()) {
                for (Projection pr : Projection.values()) {
                    NDArray in = switch (pr) {
                        case O -> xq;
                        case DOWN -> xf;
                        default -> xh;
                    };
                    Linear.linear(in, l.get(pr)).singletonOrThrow().close();
                }
                q.matMul(kT).close();
                p.matMul(v).close();
            }
            Linear.linear(last, w.lmHead()).singletonOrThrow().close();
        }
        double ms = (System.nanoTime() - start) / 1e6;
        for (NDArray a : new NDArray[]{xh, xq, xf, q, kT, p, v, last}) {
            a.close();
        }
        return ms;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
