/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.DtypePolicy;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.KvCache;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Precision;
import io.lloco.runtime.model.SequenceLayout;
import io.lloco.runtime.model.WeightsDtype;
import io.lloco.runtime.prompt.PromptTemplates;
import io.lloco.train.large.LargeCheckpoint;

/**
 * Llama-2-7B-shaped measurements on this machine (bench/large/README.md).
 *
 * <ul>
 * <li>{@code layer DIR}: one 7B layer (a 1-layer checkpoint in DIR) side by side in three precisions — float32
 * weights and compute; float16 weights widened per projection, float32 compute; float16 weights and compute — a
 * prefill of {@code --prefill} positions and decode steps over a {@code --context}-position KV cache.</li>
 * <li>{@code model DIR}: the checkpoint in DIR (any number of layers) loaded in {@code --dtype}/{@code --weights-dtype}:
 * load time, resident memory (process RSS and peak, Java heap, libtorch weights), one {@code --segment}-token segment
 * compressed (tokens/s), then a question decoded over its 50 summaries with the adapter in {@code --adapter}: prefill
 * and ms per generated token.</li>
 * </ul>
 */
public final class LargeModelBench {

    private LargeModelBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println(
                "usage: LargeModelBench layer|model DIR [--prefill N] [--context N] [--reps N] [--segment N] "
                    + "[--new-tokens N] [--dtype D] [--weights-dtype W] [--adapter DIR] [--text FILE]"
            );
            System.exit(2);
        }
        Map<String, String> opt = new java.util.HashMap<>();
        for (int i = 2; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path dir = Path.of(args[1]);
        System.out.println(machine());
        if (args[0].equals("layer")) {
            layer(
                dir,
                Integer.parseInt(opt.getOrDefault("prefill", "64")),
                Integer.parseInt(opt.getOrDefault("context", "64")),
                Integer.parseInt(opt.getOrDefault("reps", "3"))
            );
        } else {
            model(dir, opt);
        }
    }

    static String machine() throws IOException {
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
            .orElse("?").replaceFirst(".*:\\s*", "");
        return String.format(
            Locale.ROOT,
            "machine: %d cpus (%s), load average %s, libtorch threads %s",
            Runtime.getRuntime()
                .availableProcessors(),
            cpu,
            load,
            System.getProperty("ai.djl.pytorch.num_threads")
        );
    }

    /** VmRSS, VmHWM, RssAnon and RssFile in bytes. */
    static long[] rss() throws IOException {
        long[] out = new long[4];
        String[] keys = {"VmRSS:", "VmHWM:", "RssAnon:", "RssFile:"};
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            for (int i = 0; i < keys.length; i++) {
                if (l.startsWith(keys[i])) {
                    out[i] = Long.parseLong(l.replaceAll("\\D", "")) * 1024;
                }
            }
        }
        return out;
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }

    static String memory(String when, LlamaWeights w) throws IOException {
        long[] r = rss();
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return String.format(
            Locale.ROOT,
            "memory %s: RSS %s (peak %s; anonymous %s, file-backed %s), Java heap used %s of %s committed; libtorch holds weights %s + widening scratch %s",
            when,
            gb(r[0]),
            gb(r[1]),
            gb(r[2]),
            gb(r[3]),
            gb(heap.getUsed()),
            gb(heap.getCommitted()),
            w == null ? "-" : gb(w.residentBytes()),
            w == null ? "-" : gb(w.scratchBytes())
        );
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    /** One layer in three precisions, side by side. */
    static void layer(Path dir, int prefill, int context, int reps) throws Exception {
        LlamaConfig c = io.lloco.runtime.checkpoint.Checkpoints.config(dir);
        if (c.numHiddenLayers() != 1) {
            throw new IllegalArgumentException("the layer bench wants a 1-layer checkpoint, got " + c.numHiddenLayers());
        }
        Precision[] ps = {Precision.FLOAT32, new Precision(DataType.FLOAT32, DataType.FLOAT16), Precision.FLOAT16};
        System.out.printf(
            Locale.ROOT,
            "one Llama-2-7B layer (202.4M parameters): prefill %d positions, decode over %d cached positions, median of %d%n",
            prefill,
            context,
            reps
        );
        System.out.println(
            "| compute | weights | resident weights | prefill ms | prefill tokens/s | GFLOP/s | decode ms/token | decode GB/s (weights read) |"
        );
        System.out.println("|---|---|---|---|---|---|---|---|");
        double flopsPerToken = 2.0 * 202_383_360;
        for (Precision p : ps) {
            try (NDManager root = NDManager.newBaseManager();
                LlamaWeights w = LlamaWeights.load(dir, root, p);
                LlamaModel m = new LlamaModel(w)) {
                int r = p.compute() == DataType.FLOAT16 ? 1 : reps;
                List<Double> pre = new ArrayList<>();
                List<Double> dec = new ArrayList<>();
                try (GradMode g = GradMode.disabled()) {
                    for (int i = 0; i < r + (r > 1 ? 1 : 0); i++) { // one warm-up when repeating
                        try (NDManager req = m.newRequestManager()) {
                            NDArray x = req.randomNormal(new Shape(1, prefill, 4096)).toType(p.compute(), false);
                            long t0 = System.nanoTime();
                            m.forward(x, SequenceLayout.unpadded(1), null, null).close();
                            if (i > 0 || r == 1) {
                                pre.add((System.nanoTime() - t0) / 1e6);
                            }
                        }
                        try (NDManager req = m.newRequestManager(); KvCache cache = new KvCache(req, 1, context + 1)) {
                            NDArray ctx = req.randomNormal(new Shape(1, context, 4096)).toType(p.compute(), false);
                            m.forward(ctx, SequenceLayout.unpadded(1), cache, null);
                            NDArray one = req.randomNormal(new Shape(1, 1, 4096)).toType(p.compute(), false);
                            long t0 = System.nanoTime();
                            m.forward(one, SequenceLayout.unpadded(1), cache, null).close();
                            if (i > 0 || r == 1) {
                                dec.add((System.nanoTime() - t0) / 1e6);
                            }
                        }
                    }
                }
                double pm = median(pre);
                double dm = median(dec);
                long bytes = w.layer(0).q().getShape().size() * 4 * w.layer(0).q().getDataType().getNumOfBytes()
                    + w.layer(0).gate().getShape().size() * 3 * w.layer(0).gate().getDataType().getNumOfBytes();
                System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %s | %.0f | %.1f | %.1f | %.1f | %.1f |%n",
                    p.computeName(),
                    p.weightsName(),
                    gb(bytes),
                    pm,
                    prefill / (pm / 1e3),
                    flopsPerToken * prefill / (pm / 1e3) / 1e9,
                    dm,
                    bytes / (dm / 1e3) / 1e9
                );
            }
        }
    }

    /** A whole checkpoint: load, memory, compression, decoding. */
    static void model(Path dir, Map<String, String> opt) throws Exception {
        Precision p = Precision.of(
            DtypePolicy.parse(opt.getOrDefault("dtype", "float32")),
            WeightsDtype.parse(
                opt.getOrDefault(
                    "weights-dtype",
                    "float16"
                )
            ),
            ai.djl.Device.cpu()
        );
        int segment = Integer.parseInt(opt.getOrDefault("segment", "1536"));
        int newTokens = Integer.parseInt(opt.getOrDefault("new-tokens", "8"));
        System.out.println(memory("before load", null));
        long t0 = System.nanoTime();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.load(dir, root, p);
            LlamaModel m = new LlamaModel(w)) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            LlamaConfig c = w.config();
            System.out.printf(
                Locale.ROOT,
                "loaded %d layers (%,d parameters) in %s in %.1f s%n",
                c.numHiddenLayers(),
                w.parameterCount(),
                p,
                loadS
            );
            System.out.println(memory("after load", w));
            if (segment == 0) {
                return; // load and memory only
            }
            String text = Files.readString(Path.of(opt.get("text")));
            int[] ids;
            try (var tok = LargeCheckpoint.tokenizer(dir.resolve("tokenizer.json"))) {
                ids = Arrays.stream(tok.encode(text, false, false).getIds()).mapToInt(x -> (int) x).toArray();
            }
            ids = Arrays.copyOf(ids, segment);
            AutoCompressor ac = new AutoCompressor(m);
            t0 = System.nanoTime();
            Embeddings summaries = ac.compress(ids, segment, false);
            double compS = (System.nanoTime() - t0) / 1e9;
            int positions = segment + c.summaryLength();
            System.out.printf(
                Locale.ROOT,
                "compressed one %d-token segment (%d positions) into [%d, %d] in %.1f s: %.1f tokens/s, %.1f GFLOP/s%n",
                segment,
                positions,
                summaries.rows(),
                summaries.dim(),
                compS,
                segment / compS,
                prefillFlops(w, positions) / compS / 1e9
            );
            System.out.println(memory("after compression", w));
            LoraWeights adapter = opt.containsKey("adapter")
                ? LoraWeights.load(Path.of(opt.get("adapter")), c, w.manager(), w.dataType())
                : null;
            Generator gen = new Generator(m, null);
            int[] prompt;
            try (var tok = LargeCheckpoint.tokenizer(dir.resolve("tokenizer.json"))) {
                prompt = Arrays.stream(
                    tok.encode(
                        PromptTemplates.defaults().get("qmsum").render("What did the group decide about the river?"),
                        false,
                        false
                    ).getIds()
                ).mapToInt(x -> (int) x).toArray();
            }
            GenerationResult r = gen.generate(new GenerationRequest(summaries, prompt, adapter, GenerationParams.greedy(newTokens)));
            double prefillS = r.prefillNanos() / 1e9;
            double perToken = r.generatedTokens() > 1 ? r.decodeNanos() / 1e6 / (r.generatedTokens() - 1) : Double.NaN;
            System.out.printf(
                Locale.ROOT,
                "decoded %d tokens after %d summary vectors + %d prompt tokens%s: prefill %.1f s, %.0f ms per token after the first%n",
                r.generatedTokens(),
                r.prefixVectors(),
                r.promptTokens(),
                adapter == null ? "" : " with the LoRA adapter",
                prefillS,
                perToken
            );
            System.out.println(memory("after decoding", w));
            if (adapter != null) {
                adapter.close();
            }
            estimates(w, positions, r.prefixVectors() + r.promptTokens(), compS, perToken);
        }
    }

    /** A GPU: dense 16-bit tensor throughput and memory bandwidth (LLOCO-SPEC §4). */
    record Gpu(String name, double flops, double bytesPerSecond) {
    }

    /**
     * Estimates, not measurements: the same compression and decode step on an A100 and an H100 in float16 from their
     * FLOP and byte counts — compression compute-bound at 50% of peak, a decode step memory-bound (all 16-bit weights
     * plus the KV cache read once per token at 80% of peak bandwidth).
     */
    static void estimates(LlamaWeights w, int positions, int context, double cpuCompS, double cpuMsPerToken) {
        LlamaConfig c = w.config();
        double flops = prefillFlops(w, positions);
        double weightBytes = 2.0 * w.parameterCount();
        double kvBytes = 2.0 * 2 * c.numHiddenLayers() * c.hiddenSize() * context;
        System.out.printf(
            Locale.ROOT,
            "estimate inputs: compression %.3e FLOP (%d positions), decode step reads %.2f GB of float16 weights + %.1f MB of KV cache (%d positions)%n",
            flops,
            positions,
            weightBytes / 1e9,
            kvBytes / 1e6,
            context
        );
        System.out.println("| where | compression of the segment | tokens/s | decode ms/token | source |");
        System.out.println("|---|---|---|---|---|");
        int tokens = positions - c.summaryLength();
        System.out.printf(Locale.ROOT, "| this CPU | %.1f s | %.1f | %.0f | measured |%n", cpuCompS, tokens / cpuCompS, cpuMsPerToken);
        for (Gpu g : List.of(
            new Gpu("A100 (312 TFLOPS bf16/fp16, 2.0 TB/s)", 312e12, 2.0e12),
            new Gpu("H100 SXM (989 TFLOPS, 3.35 TB/s)", 989e12, 3.35e12)
        )) {
            double comp = flops / (0.5 * g.flops());
            double dec = (weightBytes + kvBytes) / (0.8 * g.bytesPerSecond()) * 1e3;
            System.out.printf(
                Locale.ROOT,
                "| %s | %.3f s | %.0f | %.2f | estimate (50%% MFU; 80%% of bandwidth) |%n",
                g.name(),
                comp,
                tokens / comp,
                dec
            );
        }
    }

    /** Forward FLOPs of a prefill of n positions: 2 per parameter-position in the layers, plus causal attention. */
    static double prefillFlops(LlamaWeights w, int n) {
        LlamaConfig c = w.config();
        double layerParams = 4.0 * c.hiddenSize() * c.hiddenSize() + 3.0 * c.hiddenSize() * c.intermediateSize();
        return 2 * layerParams * c.numHiddenLayers() * n + 2.0 * c.hiddenSize() * c.numHiddenLayers() * (double) n * n;
    }
}
