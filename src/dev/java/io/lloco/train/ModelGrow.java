/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.ModelManifest;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TensorSource;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.train.TrainSupport;

/**
 * Makes a Llama deeper or wider without changing what it computes, so a curriculum stage can go on from a trained base
 * with more capacity instead of starting over from language modelling.
 *
 * <p><b>Deeper</b> ({@code --layers N}): layers are appended after the last one, each a copy of one of the last layers
 * whose output projections ({@code self_attn.o_proj}, {@code mlp.down_proj}) are zero. Such a layer adds nothing to the
 * residual stream, so the grown model's logits and summaries equal the original's; it starts to contribute as training
 * moves the zero projections (their gradients are not zero, since what they project is not). The model card's v2 plan
 * names this as the fallback when reading stalls at 4 layers.
 *
 * <p><b>Wider</b> ({@code --hidden H [--intermediate F] [--seed S]}): the residual stream (and with it every summary
 * vector) gets {@code H - hidden_size} new dimensions that start at zero everywhere. Whatever writes to the stream
 * (token and summary embeddings, {@code o_proj}, {@code down_proj}) gets zero rows or columns for them; whatever reads
 * from it ({@code q/k/v_proj}, {@code gate/up_proj}, an untied {@code lm_head}) gets random columns with its matrix's
 * own standard deviation, which read zeros for now but give the new dimensions gradients. RMSNorm averages over the
 * wider stream, so every norm weight is scaled by {@code sqrt(hidden_size / H)} and {@code rms_norm_eps} by
 * {@code hidden_size / H}, which keeps each normed old dimension exactly what it was; the new dimensions' norm weights
 * get the mean of the scaled old ones (not zero, or no gradient would pass). New MLP units ({@code F} above
 * {@code intermediate_size}) read with random rows and write with zero columns of {@code down_proj}. Attention keeps its
 * heads and {@code head_dim} (written explicitly to config.json).
 *
 * <p>{@code java io.lloco.train.ModelGrow --model DIR --out DIR (--layers N | --hidden H [--intermediate F] [--seed S])}:
 * writes F32 weights, config.json, the tokenizer and lloco.json (with {@code grown_from}).
 */
public final class ModelGrow {

    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

    private ModelGrow() {
    }

    /** Grows {@code model} to {@code layers} layers into {@code out}; returns the number of parameters added. */
    public static long grow(Path model, Path out, int layers, PrintStream log) throws IOException {
        LlamaConfig config = Checkpoints.config(model);
        int old = config.numHiddenLayers();
        if (layers <= old) {
            throw new IllegalArgumentException("--layers must be more than the model's " + old + ", got " + layers);
        }
        Files.createDirectories(out);
        long added = 0;
        try (TensorSource src = Checkpoints.open(model)) {
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt").metadata("grown_from_layers", Integer.toString(old));
            for (String name : src.names()) {
                w.add(src.get(name));
            }
            for (int layer = old; layer < layers; layer++) {
                // the new layers copy the last ones in turn (old - 1, old - 2, ...): reading as they read, writing nothing
                int from = old - 1 - ((layer - old) % old);
                for (String name : src.names()) {
                    Matcher m = LAYER.matcher(name);
                    if (m.matches() == false || Integer.parseInt(m.group(1)) != from) {
                        continue;
                    }
                    String part = m.group(2);
                    HostTensor t = src.get(name);
                    String grown = "model.layers." + layer + "." + part;
                    if (part.equals("self_attn.o_proj.weight") || part.equals("mlp.down_proj.weight")) {
                        w.add(grown, t.shape(), new float[Math.toIntExact(t.numel())]);
                    } else {
                        w.add(new HostTensor(grown, t.shape(), t.storedDtype(), t.data()));
                    }
                    added += t.numel();
                }
            }
            w.write(out.resolve(Checkpoints.SAFETENSORS), StoredDtype.F32);
        }
        ObjectNode cfg = config.toJson();
        cfg.put("num_hidden_layers", layers);
        writeCompanions(model, out, cfg, config);
        log.printf(Locale.ROOT, "grew %s from %d to %d layers into %s: +%,d parameters%n", model, old, layers, out, added);
        return added;
    }

    /**
     * Widens {@code model}'s residual stream to {@code hidden} and its MLP to {@code intermediate} (0: unchanged) into
     * {@code out}, new reading weights drawn with {@code seed}; returns the number of parameters added.
     */
    public static long widen(Path model, Path out, int hidden, int intermediate, long seed, PrintStream log) throws IOException {
        LlamaConfig config = Checkpoints.config(model);
        int d = config.hiddenSize();
        int f = config.intermediateSize();
        int ffn = intermediate == 0 ? f : intermediate;
        if (hidden < d || ffn < f || (hidden == d && ffn == f)) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "--hidden (>= %d) and --intermediate (>= %d) must widen the model, at least one of them, got %d and %d",
                    d,
                    f,
                    hidden,
                    ffn
                )
            );
        }
        Files.createDirectories(out);
        Random random = new Random(seed);
        float normScale = (float) Math.sqrt((double) d / hidden);
        long before = 0;
        long after = 0;
        try (TensorSource src = Checkpoints.open(model)) {
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt").metadata("grown_from_hidden", Integer.toString(d));
            for (String name : src.names()) {
                HostTensor t = src.get(name);
                float[] v = floats(t);
                Widened n = widenTensor(name, t.shape(), v, d, hidden, f, ffn, normScale, random);
                w.add(name, n.shape(), n.values());
                before += v.length;
                after += n.values().length;
            }
            w.write(out.resolve(Checkpoints.SAFETENSORS), StoredDtype.F32);
        }
        ObjectNode cfg = config.toJson();
        cfg.put("hidden_size", hidden);
        cfg.put("intermediate_size", ffn);
        cfg.put("head_dim", config.headDim());
        cfg.put("rms_norm_eps", config.rmsNormEps() * d / hidden);
        writeCompanions(model, out, cfg, config);
        log.printf(
            Locale.ROOT,
            "widened %s from hidden %d / ffn %d to %d / %d into %s: +%,d parameters%n",
            model,
            d,
            f,
            hidden,
            ffn,
            out,
            after - before
        );
        return after - before;
    }

    private record Widened(long[] shape, float[] values) {
    }

    /** One tensor of the wider model: the old values in place, the new rows and columns as the class comment says. */
    private static Widened widenTensor(
        String name,
        long[] shape,
        float[] v,
        int d,
        int hidden,
        int f,
        int ffn,
        float normScale,
        Random random
    ) {
        if (name.endsWith("layernorm.weight") || name.equals(LlamaWeights.NORM)) {
            float[] n = new float[hidden];
            double mean = 0;
            for (int i = 0; i < d; i++) {
                n[i] = v[i] * normScale;
                mean += n[i];
            }
            Arrays.fill(n, d, hidden, (float) (mean / d));
            return new Widened(new long[]{hidden}, n);
        }
        if (name.equals(LlamaWeights.EMBED_TOKENS) || name.equals(LlamaWeights.EMBED_SUMMARY)) {
            return matrix(shape, v, (int) shape[0], hidden, false, false, random); // writes: zero columns
        }
        if (name.equals(LlamaWeights.LM_HEAD)) {
            return matrix(shape, v, (int) shape[0], hidden, false, true, random);
        }
        Matcher m = LAYER.matcher(name);
        String part = m.matches() ? m.group(2) : "";
        return switch (part) {
            case "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight" -> matrix(
                shape,
                v,
                (int) shape[0],
                hidden,
                false,
                true,
                random
            );
            case "self_attn.o_proj.weight" -> matrix(shape, v, hidden, (int) shape[1], false, false, random);
            case "mlp.gate_proj.weight", "mlp.up_proj.weight" -> matrix(shape, v, ffn, hidden, true, true, random);
            case "mlp.down_proj.weight" -> matrix(shape, v, hidden, ffn, false, false, random);
            default -> throw new IllegalArgumentException("cannot widen tensor [" + name + "]: not a Llama/AutoCompressor weight");
        };
    }

    /**
     * {@code v} [shape] copied into the top-left of a [rows, cols] matrix; the new rows are random when
     * {@code randomRows}, the new columns of old rows random when {@code randomCols}, zero otherwise. Random entries are
     * normal with the old matrix's standard deviation.
     */
    private static Widened matrix(long[] shape, float[] v, int rows, int cols, boolean randomRows, boolean randomCols, Random random) {
        int r0 = (int) shape[0];
        int c0 = (int) shape[1];
        double sum = 0;
        double sq = 0;
        for (float x : v) {
            sum += x;
            sq += (double) x * x;
        }
        double mean = sum / v.length;
        float std = (float) Math.sqrt(Math.max(0, sq / v.length - mean * mean));
        float[] n = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float x;
                if (r < r0 && c < c0) {
                    x = v[r * c0 + c];
                } else if (r >= r0 ? randomRows : randomCols) {
                    x = (float) (random.nextGaussian() * std);
                } else {
                    x = 0f;
                }
                n[r * cols + c] = x;
            }
        }
        return new Widened(new long[]{rows, cols}, n);
    }

    private static float[] floats(HostTensor t) {
        float[] f = new float[Math.toIntExact(t.numel())];
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /** config.json (F32), the tokenizer and lloco.json with {@code grown_from} (the old shape). */
    private static void writeCompanions(Path model, Path out, ObjectNode cfg, LlamaConfig old) throws IOException {
        cfg.put("torch_dtype", "float32");
        TrainSupport.writeJson(out.resolve(Checkpoints.CONFIG), cfg);
        Files.copy(model.resolve("tokenizer.json"), out.resolve("tokenizer.json"));
        ObjectNode from = new ObjectMapper().createObjectNode();
        from.put("model", model.toString());
        from.put("layers", old.numHiddenLayers());
        from.put("hidden_size", old.hiddenSize());
        from.put("intermediate_size", old.intermediateSize());
        ModelManifest.read(model).without("pretraining").with("grown_from", from).write(out);
    }

    /** Command line: {@code --model DIR --out DIR (--layers N | --hidden H [--intermediate F] [--seed S])}. */
    public static void main(String[] argv) throws IOException {
        Args a = new Args("ModelGrow", argv, Set.of());
        Path model = Path.of(a.required("model"));
        Path out = Path.of(a.required("out"));
        int layers = a.integer("layers", 0);
        int hidden = a.integer("hidden", 0);
        int intermediate = a.integer("intermediate", 0);
        long seed = a.lng("seed", 1);
        a.checkAllUsed();
        if ((layers > 0) == (hidden > 0 || intermediate > 0)) {
            throw new IllegalArgumentException("give --layers (deeper) or --hidden / --intermediate (wider), one of the two");
        }
        if (layers > 0) {
            grow(model, out, layers, System.out);
        } else {
            widen(model, out, hidden == 0 ? Checkpoints.config(model).hiddenSize() : hidden, intermediate, seed, System.out);
        }
    }
}
