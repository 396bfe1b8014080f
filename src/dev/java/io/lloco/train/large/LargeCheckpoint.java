/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.large;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;

import io.lloco.cli.CliArgs;
import io.lloco.cli.UsageException;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.ModelManifest;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TorchBinWriter;
import io.lloco.runtime.lora.AdapterManifest;
import io.lloco.runtime.lora.LoraConfig;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Projection;
import io.lloco.train.world.EnglishLexicon;

/**
 * Writes a random AutoCompressor checkpoint of Llama-2-7B's shape (AutoCompressor-Llama-2-7b-6k: hidden 4096, 32 heads,
 * no GQA, intermediate 11008, vocab 32000, {@code summary_length} 50, untied head) with any number of layers, laid out
 * as the published one is: BF16 {@code pytorch_model-0000N-of-0000M.bin} shards (torch.save zip-pickle,
 * {@link TorchBinWriter}) with {@code pytorch_model.bin.index.json}, {@code config.json}, a Llama-2-style
 * {@code tokenizer.json} ({@link Llama2StyleTokenizer}); optionally a PEFT LoRA adapter (r 8, alpha 16, q/k/v/o, as
 * LLoCO's, written as {@code adapter_model.bin}) and a text of an exact number of tokens.
 *
 * <p>Weights are uniform with standard deviation 0.02 (Llama's initialiser range), norms 1 ± 0.1, the summary table
 * the end-of-sequence embedding plus noise (as AutoCompressors initialise it): activations stay of order 1-100 through
 * 32 layers. Every value is a pure function of the seed, the tensor and the element index, written block by block
 * (never a whole tensor in memory). Run (after {@code ./mvnw -DskipTests package}):
 *
 * <pre>
 * java -cp target/classes:$(cat target/cli.classpath) io.lloco.train.large.LargeCheckpoint \
 *     --out DIR --layers 2 [--seed 7] [--shard-mb 1024] [--adapter DIR] [--text FILE --tokens 6000]
 * </pre>
 */
public final class LargeCheckpoint {

    /** Llama-2's initialiser standard deviation. */
    public static final double STD = 0.02;

    /** What to write. */
    public record Spec(LlamaConfig config, long seed, long shardBytes) {

        /** Llama-2-7B's shape with {@code layers} layers, AutoCompressor summary table of 50. */
        public static Spec llama27b(int layers, long seed) {
            LlamaConfig c = LlamaConfig.builder()
                .hiddenSize(4096)
                .intermediateSize(11008)
                .numHiddenLayers(layers)
                .numAttentionHeads(32)
                .numKeyValueHeads(32)
                .rmsNormEps(1e-5)
                .ropeTheta(10000)
                .vocabSize(Llama2StyleTokenizer.VOCAB)
                .maxPositionEmbeddings(4096)
                .bosTokenId(1)
                .eosTokenIds(List.of(2))
                .summaryLength(50)
                .accumulateSummary(true)
                .build();
            return new Spec(c, seed, 1L << 30);
        }
    }

    private LargeCheckpoint() {
    }

    /**
     * Writes {@code config.json}, the BF16 shards and their index, {@code tokenizer.json} and {@code lloco.json}
     * ({@code segment_tokens} 1536) into {@code dir}.
     *
     * @return the shard files written
     */
    public static List<Path> writeModel(Path dir, Spec spec) throws IOException {
        Files.createDirectories(dir);
        LlamaConfig c = spec.config();
        ObjectNode cfg = c.toJson();
        cfg.put("torch_dtype", "bfloat16");
        cfg.put("pad_token_id", 0);
        cfg.put("segment_gradient_checkpointing", true);
        cfg.putArray("architectures").add("LlamaAutoCompressorModel");
        ObjectMapper om = new ObjectMapper();
        Files.writeString(dir.resolve(Checkpoints.CONFIG), om.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
        Files.writeString(dir.resolve("tokenizer.json"), Llama2StyleTokenizer.json());
        ModelManifest.of(ModelManifest.DEFAULT_SEGMENT_TOKENS).write(dir);

        Map<String, long[]> shapes = hfOrder(c);
        List<List<String>> shards = new ArrayList<>();
        List<String> current = new ArrayList<>();
        long bytes = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long b = numel(e.getValue()) * 2;
            if (current.isEmpty() == false && bytes + b > spec.shardBytes()) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(e.getKey());
            bytes += b;
        }
        shards.add(current);
        ObjectNode index = om.createObjectNode();
        long total = 0;
        ObjectNode map = om.createObjectNode();
        List<Path> files = new ArrayList<>();
        List<String> names = new ArrayList<>(shapes.keySet());
        for (int s = 0; s < shards.size(); s++) {
            String name = String.format(Locale.ROOT, "pytorch_model-%05d-of-%05d.bin", s + 1, shards.size());
            Path f = dir.resolve(name);
            try (TorchBinWriter w = TorchBinWriter.create(f)) {
                for (String t : shards.get(s)) {
                    long[] shape = shapes.get(t);
                    w.add(t, shape, StoredDtype.BF16, filler(spec, c, t, names.indexOf(t)));
                    map.put(t, name);
                    total += numel(shape) * 2;
                }
            }
            files.add(f);
        }
        index.putObject("metadata").put("total_size", total);
        index.set("weight_map", map);
        Files.writeString(dir.resolve(Checkpoints.TORCH_BIN_INDEX), om.writerWithDefaultPrettyPrinter().writeValueAsString(index));
        return files;
    }

    /** The state dict's keys and shapes in Hugging Face's order (embeddings, layers, norm, head, summary table). */
    static Map<String, long[]> hfOrder(LlamaConfig c) {
        Map<String, long[]> all = LlamaWeights.expectedShapes(c);
        Map<String, long[]> out = new LinkedHashMap<>();
        out.put(LlamaWeights.EMBED_TOKENS, all.get(LlamaWeights.EMBED_TOKENS));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            for (Projection p : Projection.values()) {
                out.put(p.weightKey(i), all.get(p.weightKey(i)));
            }
            out.put("model.layers." + i + ".input_layernorm.weight", all.get("model.layers." + i + ".input_layernorm.weight"));
            out.put(
                "model.layers." + i + ".post_attention_layernorm.weight",
                all.get("model.layers." + i + ".post_attention_layernorm.weight")
            );
        }
        out.put(LlamaWeights.NORM, all.get(LlamaWeights.NORM));
        out.put(LlamaWeights.LM_HEAD, all.get(LlamaWeights.LM_HEAD));
        out.put(LlamaWeights.EMBED_SUMMARY, all.get(LlamaWeights.EMBED_SUMMARY));
        if (out.keySet().equals(all.keySet()) == false) {
            throw new IllegalStateException("key order misses tensors: " + all.keySet());
        }
        return out;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** A tensor's BF16 values: a pure function of (seed, tensor index, element index), produced block by block. */
    static TorchBinWriter.Filler filler(Spec spec, LlamaConfig c, String name, int tensorIndex) {
        double half = STD * Math.sqrt(3.0);
        if (name.endsWith("norm.weight")) {
            return stream(spec.seed(), tensorIndex, r -> (float) (1.0 + r.nextDouble(-0.1, 0.1)));
        }
        if (name.equals(LlamaWeights.EMBED_SUMMARY)) {
            // the eos row of the embedding table (replayed from its stream) plus noise, per row
            int h = c.hiddenSize();
            int embedIndex = 0;
            float[] eos = new float[h];
            SplittableRandom er = new SplittableRandom(mix(spec.seed(), embedIndex));
            for (long i = 0; i < (long) 2 * h; i++) {
                er.nextDouble();
            }
            for (int j = 0; j < h; j++) {
                eos[j] = (float) ((er.nextDouble() * 2 - 1) * half);
            }
            TorchBinWriter.Filler noise = stream(spec.seed(), tensorIndex, r -> (float) ((r.nextDouble() * 2 - 1) * half * 0.5));
            return (first, count, out) -> {
                ByteBuffer tmp = ByteBuffer.allocate(count * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                noise.fill(first, count, tmp);
                for (int i = 0; i < count; i++) {
                    float v = eos[(int) ((first + i) % h)] + StoredDtype.bf16ToFloat(tmp.getShort(2 * i));
                    out.putShort(StoredDtype.floatToBf16(v));
                }
            };
        }
        return stream(spec.seed(), tensorIndex, r -> (float) ((r.nextDouble() * 2 - 1) * half));
    }

    private interface Draw {

        float next(SplittableRandom r);
    }

    /** A sequential stream (the writer asks for blocks in order): one generator per tensor. */
    private static TorchBinWriter.Filler stream(long seed, int tensorIndex, Draw draw) {
        SplittableRandom r = new SplittableRandom(mix(seed, tensorIndex));
        long[] next = {0};
        return (first, count, out) -> {
            if (first != next[0]) {
                throw new IllegalStateException("blocks must be requested in order: expected element " + next[0] + ", got " + first);
            }
            for (int i = 0; i < count; i++) {
                out.putShort(StoredDtype.floatToBf16(draw.next(r)));
            }
            next[0] = first + count;
        };
    }

    private static long mix(long seed, int tensor) {
        return seed * 0x9E3779B97F4A7C15L + tensor * 0xBF58476D1CE4E5B9L + 1;
    }

    /**
     * Writes a PEFT LoRA adapter for {@code config}: {@code adapter_config.json} (r, alpha 2r, q/k/v/o, as LLoCO's
     * released adapters), {@code adapter_model.bin} (BF16, A uniform ±1/sqrt(in) as PEFT initialises it, B random with
     * std 0.02 so it changes the output) and {@code lloco.json} declaring {@code template}.
     */
    public static void writeAdapter(Path dir, LlamaConfig config, int r, long seed, String template) throws IOException {
        Files.createDirectories(dir);
        LoraConfig lc = new LoraConfig(
            r,
            2.0 * r,
            Set.of(Projection.Q, Projection.K, Projection.V, Projection.O),
            false,
            0.05,
            "lloco-test/autocompressor-llama-2-7b-shape"
        );
        Files
            .writeString(dir.resolve(LoraConfig.FILE), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(lc.toJson()));
        int t = 0;
        try (TorchBinWriter w = TorchBinWriter.create(dir.resolve(LoraWeights.BIN_FILE))) {
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                for (Projection p : new Projection[]{Projection.Q, Projection.K, Projection.V, Projection.O}) {
                    long in = p == Projection.O ? (long) config.numAttentionHeads() * config.headDim() : config.hiddenSize();
                    long out = p == Projection.Q || p == Projection.O
                        ? (p == Projection.O ? config.hiddenSize() : (long) config.numAttentionHeads() * config.headDim())
                        : (long) config.numKeyValueHeads() * config.headDim();
                    double boundA = 1.0 / Math.sqrt(in);
                    w.add(
                        LoraWeights.key(i, p, true),
                        new long[]{r, in},
                        StoredDtype.BF16,
                        stream(seed, t++, x -> (float) x.nextDouble(-boundA, boundA))
                    );
                    w.add(
                        LoraWeights.key(i, p, false),
                        new long[]{out, r},
                        StoredDtype.BF16,
                        stream(seed, t++, x -> (float) ((x.nextDouble() * 2 - 1) * STD * Math.sqrt(3.0)))
                    );
                }
            }
        }
        if (template != null) {
            new AdapterManifest(template).write(dir);
        }
    }

    /**
     * English-like text (the project's common-word list in sentences) of exactly {@code tokens} tokens under the
     * tokenizer at {@code tokenizerJson} (no special tokens): whole sentences cut at a word boundary, then single-token
     * digits appended to land on the count.
     */
    public static String text(Path tokenizerJson, int tokens, long seed) throws IOException {
        List<String> words = EnglishLexicon.words();
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < tokens * 9L) {
            int n = 6 + r.nextInt(14);
            for (int i = 0; i < n; i++) {
                String w = words.get(Math.min(words.size() - 1, (int) Math.floor(Math.pow(r.nextDouble(), 2.2) * words.size())));
                if (i == 0) {
                    w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                }
                sb.append(w).append(i == n - 1 ? ". " : r.nextInt(12) == 0 ? ", " : " ");
            }
            if (r.nextInt(8) == 0) {
                sb.append("\n\n");
            }
        }
        String full = sb.toString().trim();
        try (HuggingFaceTokenizer tok = tokenizer(tokenizerJson)) {
            Encoding e = tok.encode(full, false, false);
            long[] ids = e.getIds();
            if (ids.length < tokens) {
                throw new IllegalStateException("generated text has only " + ids.length + " tokens");
            }
            CharSpan[] spans = e.getCharTokenSpans();
            String[] pieces = e.getTokens();
            int k = tokens;
            while (k > 0 && (pieces[k].startsWith(Llama2StyleTokenizer.MARK) == false || spans[k] == null)) {
                k--;
            }
            String prefix = full.substring(0, spans[k].getStart()).stripTrailing();
            int have = tok.encode(prefix, false, false).getIds().length;
            StringBuilder out = new StringBuilder(prefix);
            for (int i = have; i < tokens; i++) {
                out.append((char) ('0' + (i % 10)));
            }
            String text = out.toString();
            int got = tok.encode(text, false, false).getIds().length;
            if (got != tokens) {
                throw new IllegalStateException("text has " + got + " tokens, not " + tokens);
            }
            return text;
        }
    }

    /** The tokenizer as the runtime loads it (no special tokens, no truncation). */
    public static HuggingFaceTokenizer tokenizer(Path tokenizerJson) throws IOException {
        return HuggingFaceTokenizer.newInstance(
            tokenizerJson,
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false", "modelMaxLength", "100000000")
        );
    }

    /** Command line: see the class comment. */
    public static void main(String[] argv) throws Exception {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        CliArgs a;
        try {
            a = CliArgs.parse("large-checkpoint", argv, Set.of("out", "layers", "seed", "shard-mb", "adapter", "text", "tokens"), Set.of());
            if (a.has("text") != a.has("tokens")) {
                throw new UsageException("give --text and --tokens together");
            }
            int layers = a.integer("layers", 2);
            if (layers < 1 || layers > 32) {
                throw new UsageException("option --layers must be 1..32, got " + layers);
            }
        } catch (UsageException e) {
            err.println("large-checkpoint: " + e.getMessage());
            err.println("usage: LargeCheckpoint --out DIR --layers N [--seed S] [--shard-mb MB] [--adapter DIR] [--text FILE --tokens N]");
            return 2;
        }
        Path dir = a.requiredPath("out");
        Spec base = Spec.llama27b(a.integer("layers", 2), a.longValue("seed", 7));
        Spec spec = new Spec(base.config(), base.seed(), a.longValue("shard-mb", 1024) << 20);
        long t0 = System.nanoTime();
        List<Path> shards = writeModel(dir, spec);
        long bytes = 0;
        for (Path s : shards) {
            bytes += Files.size(s);
        }
        err.printf(
            Locale.ROOT,
            "large-checkpoint: %d layers, %d shards, %.2f GB in %s (%.1f s)%n",
            spec.config().numHiddenLayers(),
            shards.size(),
            bytes / 1e9,
            dir,
            (System.nanoTime() - t0) / 1e9
        );
        if (a.has("adapter")) {
            writeAdapter(a.path("adapter"), spec.config(), 8, spec.seed() + 1, "qmsum");
            err.println("large-checkpoint: LoRA r=8 adapter (q/k/v/o, adapter_model.bin) in " + a.path("adapter"));
        }
        if (a.has("text")) {
            int n = a.integer("tokens", 6000);
            Files.writeString(a.path("text"), text(dir.resolve("tokenizer.json"), n, spec.seed()), StandardCharsets.UTF_8);
            err.println("large-checkpoint: a text of " + n + " tokens in " + a.path("text"));
        }
        return 0;
    }
}
