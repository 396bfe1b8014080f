/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Opens the weights of a Hugging Face model directory as one {@link TensorSource}, whatever the layout:
 * {@code model.safetensors}, sharded {@code model.safetensors.index.json}, {@code pytorch_model.bin} or
 * sharded {@code pytorch_model.bin.index.json}.
 */
public final class Checkpoints {

    /** Single-file safetensors. */
    public static final String SAFETENSORS = "model.safetensors";
    /** Sharded safetensors index. */
    public static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
    /** Single-file PyTorch pickle. */
    public static final String TORCH_BIN = "pytorch_model.bin";
    /** Sharded PyTorch pickle index. */
    public static final String TORCH_BIN_INDEX = "pytorch_model.bin.index.json";
    /** Model config. */
    public static final String CONFIG = "config.json";

    /** Opens one checkpoint file. */
    @FunctionalInterface
    interface ShardOpener {

        TensorSource open(Path file) throws IOException;
    }

    private Checkpoints() {
    }

    /** Reads {@code config.json} of a model directory. */
    public static LlamaConfig config(Path modelDir) throws IOException {
        requireDir(modelDir);
        return LlamaConfig.load(modelDir.resolve(CONFIG));
    }

    /** Opens the model's weights (see the class comment for the layouts tried, in order). */
    public static TensorSource open(Path modelDir) throws IOException {
        requireDir(modelDir);
        if (Files.isRegularFile(modelDir.resolve(SAFETENSORS))) {
            return SafeTensorsReader.open(modelDir.resolve(SAFETENSORS));
        }
        if (Files.isRegularFile(modelDir.resolve(SAFETENSORS_INDEX))) {
            return openIndex(modelDir.resolve(SAFETENSORS_INDEX), SafeTensorsReader::open);
        }
        if (Files.isRegularFile(modelDir.resolve(TORCH_BIN))) {
            return TorchBinReader.open(modelDir.resolve(TORCH_BIN));
        }
        if (Files.isRegularFile(modelDir.resolve(TORCH_BIN_INDEX))) {
            return openIndex(modelDir.resolve(TORCH_BIN_INDEX), TorchBinReader::open);
        }
        throw new CheckpointException(
            String.format(
                Locale.ROOT,
                "model directory [%s] has no weights: expected one of %s, %s, %s, %s",
                modelDir,
                SAFETENSORS,
                SAFETENSORS_INDEX,
                TORCH_BIN,
                TORCH_BIN_INDEX
            )
        );
    }

    private static void requireDir(Path modelDir) throws CheckpointException {
        if (Files.isDirectory(modelDir) == false) {
            throw new CheckpointException(
                String.format(
                    Locale.ROOT,
                    "model directory [%s] %s",
                    modelDir,
                    Files.exists(modelDir) ? "is not a directory" : "does not exist"
                )
            );
        }
    }

    static TensorSource openIndex(Path index, ShardOpener opener) throws IOException {
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : BoundedJson.readWeightMap(
            BoundedJson.readCapped(index, TorchBinReader.MAX_INDEX_BYTES, "checkpoint index"),
            index,
            "checkpoint index"
        ).entrySet()) {
            String shard = e.getValue();
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..") || shard.equals(".")
                || shard.indexOf('\0') >= 0) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "checkpoint index [%s]: shard name [%s] must be a plain file name",
                        index,
                        BoundedJson.clip(shard)
                    )
                );
            }
            weightMap.put(e.getKey(), shard);
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, TensorSource> shards = new TreeMap<>();
        List<TensorSource> opened = new ArrayList<>();
        try {
            for (String shard : new TreeSet<>(weightMap.values())) {
                Path f = dir.resolve(shard);
                if (Files.isRegularFile(f) == false) {
                    throw new CheckpointException(
                        String.format(
                            Locale.ROOT,
                            "checkpoint index [%s] lists shard [%s], which does not exist",
                            index,
                            BoundedJson.clip(shard)
                        )
                    );
                }
                TensorSource s = opener.open(f);
                opened.add(s);
                shards.put(shard, s);
            }
            Map<String, TensorSource> byName = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                TensorSource s = shards.get(e.getValue());
                if (s.names().contains(e.getKey()) == false) {
                    throw new CheckpointException(
                        String.format(
                            Locale.ROOT,
                            "checkpoint index [%s] maps tensor [%s] to shard [%s], which does not contain it",
                            index,
                            BoundedJson.clip(e.getKey()),
                            BoundedJson.clip(e.getValue())
                        )
                    );
                }
                byName.put(e.getKey(), s);
            }
            return new ShardedTensorSource(index.toString(), byName, opened);
        } catch (IOException | RuntimeException e) {
            for (TensorSource s : opened) {
                try {
                    s.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }
}
