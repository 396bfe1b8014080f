/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.ModelManifest;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TensorSource;
import io.lloco.runtime.lora.LoraConfig;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.train.TrainSupport;

/**
 * Exports a trained checkpoint as the shipped model: {@code config.json}, {@code model.safetensors} in F16,
 * {@code lloco.json} ({@code segment_tokens} for the runtime, plus provenance), and the adapter in the PEFT
 * layout under {@code adapters/default/} (F16). The destination's {@code tokenizer.json} must be byte-identical
 * to the checkpoint's (the model was trained with it); when the destination has none, it is copied.
 *
 * <p>{@code java io.lloco.train.ModelExport --model DIR [--adapter DIR] --out DIR}.
 */
public final class ModelExport {

    private ModelExport() {
    }

    /**
     * Exports.
     *
     * @param model checkpoint directory (config.json, model.safetensors, tokenizer.json)
     * @param adapter PEFT adapter directory, or null
     * @param out destination model directory
     * @return total bytes written (weights and adapter)
     */
    public static long export(Path model, Path adapter, Path out, PrintStream log) throws IOException {
        Files.createDirectories(out);
        LlamaConfig config = Checkpoints.config(model);
        Path srcTok = model.resolve("tokenizer.json");
        Path dstTok = out.resolve("tokenizer.json");
        if (Files.isRegularFile(srcTok)) {
            if (Files.isRegularFile(dstTok)) {
                if (Arrays.equals(Files.readAllBytes(srcTok), Files.readAllBytes(dstTok)) == false) {
                    throw new CheckpointException(
                        String.format(
                            Locale.ROOT,
                            "[%s] differs from the tokenizer the model was trained with [%s]; the model would read the wrong ids",
                            dstTok,
                            srcTok
                        )
                    );
                }
            } else {
                Files.copy(srcTok, dstTok);
            }
        }
        ObjectNode cfg = config.toJson();
        cfg.put("torch_dtype", "float16");
        TrainSupport.writeJson(out.resolve(Checkpoints.CONFIG), cfg);
        long bytes = 0;
        try (TensorSource src = Checkpoints.open(model)) {
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
            for (String name : src.names()) {
                w.add(src.get(name));
            }
            w.write(out.resolve(Checkpoints.SAFETENSORS), StoredDtype.F16);
        }
        bytes += Files.size(out.resolve(Checkpoints.SAFETENSORS));
        ObjectNode lloco = new ObjectMapper().createObjectNode();
        lloco.put("summary_length", config.summaryLength());
        Path state = model.resolve(TrainSupport.STATE);
        if (Files.isRegularFile(state)) {
            ObjectNode st = TrainSupport.readJson(state);
            ObjectNode prov = lloco.putObject("pretraining");
            prov.put("step", st.path("step").asLong());
            prov.put("total_steps", st.path("total_steps").asLong());
            prov.put("seed", st.path("seed").asLong());
            prov.put("world_seed", st.path("world_seed").asLong());
            prov.put("elapsed_seconds", st.path("elapsed_seconds").asDouble());
        }
        if (adapter != null) {
            Path dst = out.resolve("adapters").resolve("default");
            Files.createDirectories(dst);
            LoraConfig lc = LoraConfig.load(adapter.resolve(LoraConfig.FILE)).withBaseModel("lloco-tiny");
            TrainSupport.writeJson(dst.resolve(LoraConfig.FILE), lc.toJson());
            try (SafeTensorsReader r = SafeTensorsReader.open(adapter.resolve(LoraWeights.FILE))) {
                SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
                for (String name : r.names()) {
                    w.add(r.get(name));
                }
                w.write(dst.resolve(LoraWeights.FILE), StoredDtype.F16);
            }
            bytes += Files.size(dst.resolve(LoraWeights.FILE));
            Path ast = adapter.resolve("checkpoint").resolve(TrainSupport.STATE);
            if (Files.isRegularFile(ast)) {
                ObjectNode st = TrainSupport.readJson(ast);
                ObjectNode prov = lloco.putObject("adapter_training");
                prov.put("step", st.path("step").asLong());
                prov.put("total_steps", st.path("total_steps").asLong());
                prov.put("seed", st.path("seed").asLong());
                prov.put("elapsed_seconds", st.path("elapsed_seconds").asDouble());
            }
        }
        ModelManifest manifest = ModelManifest.of(ModelShape.segmentTokens(config));
        for (var e : lloco.properties()) {
            manifest = manifest.with(e.getKey(), e.getValue());
        }
        manifest.write(out);
        log.printf(Locale.ROOT, "exported %s (+ adapter %s) to %s: %.2f MB of weights%n", model, adapter, out, bytes / 1e6);
        return bytes;
    }

    /** Command line: {@code --model DIR [--adapter DIR] --out DIR}. */
    public static void main(String[] argv) throws IOException {
        Args a = new Args("ModelExport", argv, Set.of());
        Path model = Path.of(a.required("model"));
        Path adapter = a.path("adapter");
        Path out = Path.of(a.required("out"));
        a.checkAllUsed();
        export(model, adapter, out, System.out);
    }
}
