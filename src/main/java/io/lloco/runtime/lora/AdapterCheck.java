/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.lora;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.TensorSource;
import io.lloco.runtime.checkpoint.TorchBinReader;
import io.lloco.runtime.model.Projection;

/**
 * Checks a PEFT adapter directory against a base model without loading it into the engine: {@code adapter_config.json}
 * (as {@link LoraConfig} parses it), every tensor's name ({@link LoraWeights#canonicalKeys}), presence and shape
 * ({@link LoraWeights#checkedTensor}) — exactly what {@link LoraWeights#load} will require — and that every value is
 * finite (a NaN or infinity would silently poison every answer). The weights are read block by block, so a large
 * adapter never needs a second copy on the heap. Any failure is a {@link CheckpointException} naming the file and the
 * tensor.
 *
 * @param config the adapter config
 * @param parameters values in the adapter's A and B matrices
 * @param weightsFile the weights file checked ({@code adapter_model.safetensors} or {@code adapter_model.bin})
 */
public record AdapterCheck(LoraConfig config, long parameters, Path weightsFile) {

    /** Values read per block when scanning for non-finite values. */
    static final int BLOCK = 1 << 18;

    /** Checks {@code dir} against {@code model}. */
    public static AdapterCheck check(Path dir, LlamaConfig model) throws IOException {
        if (Files.isDirectory(dir) == false) {
            throw new CheckpointException(String.format(Locale.ROOT, "adapter directory [%s] does not exist", dir));
        }
        LoraConfig config = LoraConfig.load(dir.resolve(LoraConfig.FILE));
        Path file = LoraWeights.weightsFile(dir);
        String source = file.toString();
        long parameters = 0;
        try (
            TensorSource r = file.getFileName().toString().equals(LoraWeights.FILE)
                ? SafeTensorsReader.open(file)
                : TorchBinReader.open(file)) {
            Map<String, String> canonical = LoraWeights.canonicalKeys(config, r.names(), source, model);
            ByteBuffer block = ByteBuffer.allocate(BLOCK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
                for (Projection p : config.targets()) {
                    for (boolean isA : new boolean[]{true, false}) {
                        long[] shape = LoraWeights.expectedShape(config, model, p, isA);
                        String stored = LoraWeights.checkedTensor(r, canonical, LoraWeights.key(layer, p, isA), shape, source);
                        long numel = shape[0] * shape[1];
                        checkFinite(r, stored, numel, block, source);
                        parameters += numel;
                    }
                }
            }
        }
        return new AdapterCheck(config, parameters, file);
    }

    /** Reads {@code name} block by block; the first NaN or infinity is an error naming the tensor and the element. */
    static void checkFinite(TensorSource r, String name, long numel, ByteBuffer block, String source) throws IOException {
        for (long at = 0; at < numel; at += BLOCK) {
            int n = (int) Math.min(BLOCK, numel - at);
            block.clear();
            r.readFloats(name, at, n, block);
            for (int i = 0; i < n; i++) {
                float v = block.getFloat(i * Float.BYTES);
                if (Float.isFinite(v) == false) {
                    throw new CheckpointException(
                        String.format(
                            Locale.ROOT,
                            "adapter [%s]: tensor [%s] holds %s at element %d; an adapter must hold finite values only",
                            source,
                            name,
                            Float.isNaN(v) ? "NaN" : (v > 0 ? "+Infinity" : "-Infinity"),
                            at + i
                        )
                    );
                }
            }
        }
    }
}
