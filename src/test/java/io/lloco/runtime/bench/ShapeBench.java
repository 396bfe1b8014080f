/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.model.DtypePolicy;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Precision;
import io.lloco.runtime.model.WeightsDtype;

/**
 * LLoCO's saving at Llama-2-7B shape, measured side by side on a random checkpoint of that shape with few layers (the
 * ratio of two forward passes does not depend on the layer count; embeddings and head are the 7B's): for each context
 * length, the real {@link Generator} (KV cache, query-chunked attention) answers once with the whole context as prompt
 * tokens ({@code full_context}) and once with its summaries (50 vectors per 1,536 tokens, {@code lloco}), each with the
 * same prompt and {@code new-tokens} greedy tokens. Beside the measured times: the FLOPs of each, the bytes a decode step
 * reads, and what the same two answers would take with 32 layers on an A100 and an H100 (estimates: 50% of the dense
 * 16-bit peak for prefill, 80% of the memory bandwidth for decode steps; not executed, there is no GPU here). One JSON
 * line per length is appended to {@code --out} (stage {@code shape}); lengths already there are skipped.
 *
 * <p>Usage: {@code ShapeBench <checkpoint dir> --out results.jsonl [--lengths 1536,3072] [--estimate-lengths
 * 1024,...,32768] [--prompt 57] [--new-tokens 4] [--reps 2]} (each length: full_context and lloco alternated {@code reps}
 * times, the fastest of each kept).
 */
public final class ShapeBench {

    static final ObjectMapper OM = new ObjectMapper();
    static final int SEGMENT = 1536;

    private ShapeBench() {
    }

    /** Entry point; see the class documentation. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        java.util.Map<String, String> o = new java.util.HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        Path out = Path.of(o.get("--out"));
        int[] lengths = ints(o.getOrDefault("--lengths", "1536,3072"));
        int[] estimateLengths = ints(o.getOrDefault("--estimate-lengths", "1024,2048,4096,8192,16384,32768"));
        int prompt = Integer.parseInt(o.getOrDefault("--prompt", "57"));
        int newTokens = Integer.parseInt(o.getOrDefault("--new-tokens", "4"));
        int reps = Integer.parseInt(o.getOrDefault("--reps", "2"));
        Set<String> done = new HashSet<>();
        if (Files.exists(out)) {
            for (String l : Files.readAllLines(out)) {
                if (l.isBlank() == false) {
                    done.add(OM.readTree(l).path("key").asText());
                }
            }
        }
        Precision p = Precision.of(DtypePolicy.parse("float32"), WeightsDtype.parse("float16"), ai.djl.Device.cpu());
        long t0 = System.nanoTime();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.load(dir, root, p);
            LlamaModel m = new LlamaModel(w)) {
            LlamaConfig c = w.config();
            System.out.printf(
                Locale.ROOT,
                "7B shape, %d layers (%,d parameters), float32 compute over float16 weights, loaded in %.1f s%n",
                c.numHiddenLayers(),
                w.parameterCount(),
                (System.nanoTime() - t0) / 1e9
            );
            Generator gen = new Generator(m, null);
            Random rnd = new Random(42);
            int vocab = c.vocabSize();
            // warm-up: a short answer of each kind
            answer(gen, c, rnd, vocab, 64, 0, prompt, 2);
            answer(gen, c, rnd, vocab, 0, 50, prompt, 2);
            for (int length : lengths) {
                String key = "shape/" + c.numHiddenLayers() + "/" + length;
                if (done.contains(key)) {
                    continue;
                }
                int summaries = (int) Math.ceil((double) length / SEGMENT) * c.summaryLength();
                // alternated, each kept at its fastest of `reps`: the other processes of a shared machine slow both alike
                GenerationResult full = null;
                GenerationResult lloco = null;
                for (int rep = 0; rep < reps; rep++) {
                    GenerationResult f = answer(gen, c, rnd, vocab, length, 0, prompt, newTokens);
                    GenerationResult l = answer(gen, c, rnd, vocab, 0, summaries, prompt, newTokens);
                    full = full == null || total(f) < total(full) ? f : full;
                    lloco = lloco == null || total(l) < total(lloco) ? l : lloco;
                }
                ObjectNode r = OM.createObjectNode();
                r.put("stage", "shape").put("key", key).put("at", Instant.now().toString()).put("load_average", loadAverage());
                r.put("layers", c.numHiddenLayers()).put("parameters", w.parameterCount()).put("length", length);
                r.put("prompt_tokens", prompt).put("new_tokens", newTokens).put("summary_vectors", summaries).put("reps", reps);
                put(r, "full_context", full, c, length + prompt, newTokens, c.numHiddenLayers());
                put(r, "lloco", lloco, c, summaries + prompt, newTokens, c.numHiddenLayers());
                r.put("measured_ratio", total(full) / total(lloco));
                r.put("flop_ratio", r.path("full_context").path("flops").asDouble() / r.path("lloco").path("flops").asDouble());
                Files.writeString(
                    out,
                    OM.writeValueAsString(r) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND
                );
                System.out.printf(
                    Locale.ROOT,
                    "%d tokens: full_context %.1f s (prefill %.1f s) vs lloco %.2f s (prefill %.2f s): %.1f× (FLOP ratio %.1f×)%n",
                    length,
                    total(full),
                    full.prefillNanos() / 1e9,
                    total(lloco),
                    lloco.prefillNanos() / 1e9,
                    r.path("measured_ratio").asDouble(),
                    r.path("flop_ratio").asDouble()
                );
            }
            String key = "shape/estimates";
            if (done.contains(key) == false) {
                ObjectNode r = OM.createObjectNode();
                r.put("stage", "shape_estimates").put("key", key).put("at", Instant.now().toString());
                r.put("layers", 32).put("prompt_tokens", prompt).put("new_tokens", newTokens);
                r.put(
                    "note",
                    "estimates from FLOP and byte counts, not measurements: prefill at 50% of the dense 16-bit peak, decode steps at 80% of "
                        + "the memory bandwidth reading all float16 weights and the KV cache; Llama-2-7B's window is 4,096: longer full "
                        + "contexts assume a model extended to them"
                );
                var rows = r.putArray("rows");
                for (int length : estimateLengths) {
                    int summaries = (int) Math.ceil((double) length / SEGMENT) * c.summaryLength();
                    for (Gpu g : List.of(new Gpu("A100", 312e12, 2.0e12), new Gpu("H100 SXM", 989e12, 3.35e12))) {
                        double full = estimate(c, g, length + prompt, newTokens);
                        double ll = estimate(c, g, summaries + prompt, newTokens);
                        ObjectNode x = rows.addObject();
                        x.put("gpu", g.name()).put("length", length).put("full_context_s", full).put("lloco_s", ll).put("ratio", full / ll);
                        x.put("flop_ratio", flops(c, length + prompt, newTokens, 32) / flops(c, summaries + prompt, newTokens, 32));
                    }
                }
                Files.writeString(
                    out,
                    OM.writeValueAsString(r) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND
                );
            }
        }
    }

    private static GenerationResult answer(
        Generator gen,
        LlamaConfig c,
        Random rnd,
        int vocab,
        int context,
        int summaries,
        int prompt,
        int n
    ) {
        int[] ids = new int[context + prompt];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 3 + rnd.nextInt(vocab - 3);
        }
        float[] v = new float[summaries * c.hiddenSize()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * 0.02);
        }
        Embeddings prefix = summaries == 0 ? Embeddings.empty(c.hiddenSize()) : new Embeddings(summaries, c.hiddenSize(), v);
        GenerationParams params = GenerationParams.greedy(n);
        return gen.generate(new GenerationRequest(prefix, ids, null, params));
    }

    private static double total(GenerationResult r) {
        return (r.prefillNanos() + r.decodeNanos()) / 1e9;
    }

    private static void put(ObjectNode r, String mode, GenerationResult g, LlamaConfig c, int positions, int newTokens, int layers) {
        ObjectNode m = r.putObject(mode);
        m.put("decoder_positions", positions).put("prefill_s", g.prefillNanos() / 1e9).put("decode_s", g.decodeNanos() / 1e9);
        m.put("generated_tokens", g.generatedTokens()).put("total_s", total(g));
        m.put("flops", flops(c, positions, newTokens, layers));
        m.put("prefill_gflops_per_s", prefillFlops(c, positions, layers) / (g.prefillNanos() / 1e9) / 1e9);
        m.put("decode_step_bytes_32_layers", stepBytes(c, positions, 32));
    }

    /** Prefill FLOPs of n positions over {@code layers} layers (causal attention) plus the output head on one position. */
    static double prefillFlops(LlamaConfig c, int n, int layers) {
        double d = c.hiddenSize();
        double dkv = d / c.numAttentionHeads() * c.numKeyValueHeads();
        double proj = 2 * (2 * d * d + 2 * d * dkv + 3 * d * c.intermediateSize());
        return layers * (n * proj + 2.0 * n * n * d) + 2 * d * c.vocabSize();
    }

    /** A whole answer: the prefill, then {@code g} steps over the growing cache. */
    static double flops(LlamaConfig c, int n, int g, int layers) {
        double d = c.hiddenSize();
        double dkv = d / c.numAttentionHeads() * c.numKeyValueHeads();
        double proj = 2 * (2 * d * d + 2 * d * dkv + 3 * d * c.intermediateSize());
        double steps = g * (layers * (proj + 4 * d * (n + g / 2.0)) + 2 * d * c.vocabSize());
        return prefillFlops(c, n, layers) + steps;
    }

    /** Bytes a decode step reads with float16 weights: every weight of 32 layers, embeddings and head, plus the KV cache. */
    static double stepBytes(LlamaConfig c, int positions, int layers) {
        double d = c.hiddenSize();
        double dkv = d / c.numAttentionHeads() * c.numKeyValueHeads();
        double layer = 2 * d * d + 2 * d * dkv + 3 * d * c.intermediateSize();
        double weights = 2 * (layers * layer + 2 * d * c.vocabSize());
        double kv = 2.0 * 2 * layers * dkv * positions;
        return weights + kv;
    }

    static double estimate(LlamaConfig c, Gpu g, int positions, int newTokens) {
        double prefill = prefillFlops(c, positions, 32) / (0.5 * g.flops());
        double decode = newTokens * stepBytes(c, positions + newTokens, 32) / (0.8 * g.bytesPerSecond());
        return prefill + decode;
    }

    record Gpu(String name, double flops, double bytesPerSecond) {
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
