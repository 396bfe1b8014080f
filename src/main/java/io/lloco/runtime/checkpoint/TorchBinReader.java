/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads PyTorch {@code torch.save} zip-pickle state dicts ({@code pytorch_model.bin}, and sharded
 * {@code pytorch_model-0000X-of-0000N.bin} with {@code pytorch_model.bin.index.json}) without executing
 * any pickle code.
 *
 * <p>The archive's {@code <archive>/data.pkl} is interpreted by a whitelist-only unpickler that accepts
 * exactly what {@code torch.save(state_dict)} writes ({@code collections.OrderedDict},
 * {@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_parameter}, the typed storage classes);
 * any other global (e.g. {@code posix.system}, {@code torch.storage._load_from_bytes}) is refused with a
 * {@link CheckpointException} "... refuses pickle global X.Y: only tensor state dicts are supported".
 * Tensor data ({@code <archive>/data/<key>}) is memory-mapped lazily on {@link TensorSource#get}, so
 * multi-gigabyte shards are never loaded onto the heap; storage offsets, strides (non-contiguous views)
 * and storages shared by several tensors (tied weights) are honoured. Values are widened to float32
 * in Java (BF16 {@code bits << 16}, F16 exactly); integer and bool tensors are widened too.
 */
public final class TorchBinReader {

    /**
     * A {@code data.pkl} larger than this is refused as not-a-state-dict (a 7B state dict's is ~50 KB; the pickle
     * interpreter's own allocation cap admits about 1.8 MB of tensor entries).
     */
    public static final long MAX_PICKLE_BYTES = 16L * 1024 * 1024;

    /** A shard index larger than this is refused (100,000 tensors take about 8 MB). */
    public static final long MAX_INDEX_BYTES = 64L * 1024 * 1024;

    private TorchBinReader() {
    }

    /**
     * Opens one {@code torch.save} zip file ({@code .bin}, {@code .pt}, {@code .pth}). If {@code file}'s name
     * ends with {@code .index.json} it is treated as a shard index, exactly like {@link #openIndex(Path)}.
     * The pickle is parsed and validated now; tensor data is read on {@link TensorSource#get}.
     */
    public static TensorSource open(Path file) throws IOException {
        if (file.getFileName() != null && file.getFileName().toString().endsWith(".index.json")) {
            return openIndex(file);
        }
        return TorchBinFile.open(file);
    }

    /**
     * Opens a sharded checkpoint from its index ({@code pytorch_model.bin.index.json}:
     * {@code {"metadata": {...}, "weight_map": {tensor name: shard file name}}}). Shard files are resolved
     * next to the index and must stay inside its directory; every shard is opened and its pickle parsed
     * now, and each tensor must be in the shard the index names. Names keep the index's order.
     */
    public static TensorSource openIndex(Path indexJson) throws IOException {
        Map<String, String> entries = BoundedJson.readWeightMap(
            BoundedJson.readCapped(indexJson, MAX_INDEX_BYTES, "PyTorch shard index"),
            indexJson,
            "PyTorch shard index"
        );
        Path dir = indexJson.toAbsolutePath().getParent();
        Map<String, String> weightMap = new LinkedHashMap<>();
        Map<String, TorchBinFile> shards = new LinkedHashMap<>();
        List<TorchBinFile> opened = new ArrayList<>();
        try {
            for (Map.Entry<String, String> f : entries.entrySet()) {
                String shardName = f.getValue();
                Path shard;
                try {
                    shard = dir.resolve(shardName).normalize();
                } catch (java.nio.file.InvalidPathException e) {
                    throw new CheckpointException(
                        String.format(
                            Locale.ROOT,
                            "PyTorch shard index [%s]: shard [%s] is not a file name",
                            indexJson,
                            BoundedJson.clip(shardName)
                        )
                    );
                }
                if (shard.startsWith(dir) == false || shard.equals(dir)) {
                    throw new CheckpointException(
                        String.format(
                            Locale.ROOT,
                            "PyTorch shard index [%s]: shard [%s] of tensor [%s] is outside the checkpoint directory",
                            indexJson,
                            BoundedJson.clip(shardName),
                            BoundedJson.clip(f.getKey())
                        )
                    );
                }
                if (shards.containsKey(shardName) == false) {
                    TorchBinFile tf = TorchBinFile.open(shard);
                    opened.add(tf);
                    shards.put(shardName, tf);
                }
                if (shards.get(shardName).names().contains(f.getKey()) == false) {
                    throw new CheckpointException(
                        String.format(
                            Locale.ROOT,
                            "PyTorch shard index [%s] puts tensor [%s] in shard [%s], which does not contain it",
                            indexJson,
                            BoundedJson.clip(f.getKey()),
                            BoundedJson.clip(shardName)
                        )
                    );
                }
                weightMap.put(f.getKey(), shardName);
            }
        } catch (IOException | RuntimeException e) {
            for (TorchBinFile tf : opened) {
                try {
                    tf.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new Sharded(indexJson, weightMap, shards);
    }

    /** A sharded checkpoint: names from the index, data from the shard that holds each tensor. */
    private static final class Sharded implements TensorSource {

        private final Path index;
        private final Map<String, String> weightMap;
        private final Map<String, TorchBinFile> shards;
        private final Set<String> names;

        Sharded(Path index, Map<String, String> weightMap, Map<String, TorchBinFile> shards) {
            this.index = index;
            this.weightMap = weightMap;
            this.shards = shards;
            this.names = Collections.unmodifiableSet(new LinkedHashSet<>(weightMap.keySet()));
        }

        @Override
        public Set<String> names() {
            return names;
        }

        private TorchBinFile shardOf(String name) throws CheckpointException {
            String shard = weightMap.get(name);
            if (shard == null) {
                throw new CheckpointException(String.format(Locale.ROOT, "PyTorch checkpoint [%s] has no tensor [%s]", index, name));
            }
            return shards.get(shard);
        }

        @Override
        public long[] shape(String name) throws IOException {
            return shardOf(name).shape(name);
        }

        @Override
        public HostTensor get(String name) throws IOException {
            return shardOf(name).get(name);
        }

        @Override
        public void readFloats(String name, long offset, int count, ByteBuffer out) throws IOException {
            shardOf(name).readFloats(name, offset, count, out);
        }

        @Override
        public void close() throws IOException {
            IOException first = null;
            for (TorchBinFile f : shards.values()) {
                try {
                    f.close();
                } catch (IOException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    /** Float32 little-endian direct buffer of {@code numel} elements (package-private helper). */
    static ByteBuffer allocateFloats(long numel, Path file, String name) throws CheckpointException {
        if (numel > Integer.MAX_VALUE / 4) {
            throw new CheckpointException(
                String.format(
                    Locale.ROOT,
                    "PyTorch checkpoint [%s]: tensor [%s] has %d elements, more than a 2 GiB float32 buffer holds",
                    file,
                    name,
                    numel
                )
            );
        }
        return ByteBuffer.allocateDirect((int) numel * 4).order(ByteOrder.LITTLE_ENDIAN);
    }
}
