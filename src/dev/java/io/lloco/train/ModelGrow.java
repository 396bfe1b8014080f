/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TensorSource;
import io.lloco.runtime.train.TrainSupport;

/**
 * Makes a Llama deeper without changing what it computes, so a curriculum stage can go on from a trained base with
 * more layers instead of starting over from language modelling: layers are appended after the last one, each a copy of
 * one of the last layers whose output projections ({@code self_attn.o_proj}, {@code mlp.down_proj}) are zero. Such a
 * layer adds nothing to the residual stream, so the grown model's logits and summaries equal the original's; it starts
 * to contribute as training moves the zero projections (their gradients are not zero, since what they project is not).
 * The model card's v2 plan names this as the fallback when reading stalls at 4 layers.
 *
 * <p>{@code java io.lloco.train.ModelGrow --model DIR --out DIR --layers N}: writes F32 weights, config.json with
 * {@code num_hidden_layers} N, the tokenizer and lloco.json (with {@code grown_from}).
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
        cfg.put("torch_dtype", "float32");
        TrainSupport.writeJson(out.resolve(Checkpoints.CONFIG), cfg);
        Files.copy(model.resolve("tokenizer.json"), out.resolve("tokenizer.json"));
        ObjectNode lloco = Files.isRegularFile(model.resolve("lloco.json"))
            ? TrainSupport.readJson(model.resolve("lloco.json"))
            : new ObjectMapper().createObjectNode();
        lloco.remove("pretraining");
        ObjectNode from = lloco.putObject("grown_from");
        from.put("model", model.toString());
        from.put("layers", old);
        TrainSupport.writeJson(out.resolve("lloco.json"), lloco);
        log.printf(Locale.ROOT, "grew %s from %d to %d layers into %s: +%,d parameters%n", model, old, layers, out, added);
        return added;
    }

    /** Command line: {@code --model DIR --out DIR --layers N}. */
    public static void main(String[] argv) throws IOException {
        Args a = new Args("ModelGrow", argv, Set.of());
        Path model = Path.of(a.required("model"));
        Path out = Path.of(a.required("out"));
        int layers = a.integer("layers", 0);
        a.checkAllUsed();
        grow(model, out, layers, System.out);
    }
}
