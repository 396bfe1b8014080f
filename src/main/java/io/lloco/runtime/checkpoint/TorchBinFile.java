/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** One {@code torch.save} zip archive holding a state dict; see {@link TorchBinReader}. */
final class TorchBinFile implements TensorSource {

    private final Path file;
    private final FileChannel channel;
    private final Map<String, PickleStateDict.TensorRef> tensors;
    private final Map<String, TorchBinZip.Entry> storages;
    private final Set<String> names;

    private TorchBinFile(
        Path file, FileChannel channel, Map<String, PickleStateDict.TensorRef> tensors, Map<String, TorchBinZip.Entry> storages
    ) {
        this.file = file;
        this.channel = channel;
        this.tensors = tensors;
        this.storages = storages;
        this.names = Collections.unmodifiableSet(new LinkedHashSet<>(tensors.keySet()));
    }

    static TorchBinFile open(Path file) throws IOException {
        return CheckpointChannel.open(file, "PyTorch checkpoint", TorchBinFile::parse);
    }

    private static TorchBinFile parse(Path file, FileChannel ch) throws IOException {
        if (ch.size() >= 2) {
            ByteBuffer head = TorchBinZip.read(ch, 0, 2);
            if ((head.get(0) & 0xFF) == 0x80) {
                throw TorchBinZip.bad(
                    file,
                    "uses the legacy (PyTorch < 1.6) non-zip torch.save format, which is not supported: "
                        + "re-save it with a current torch.save or convert it to safetensors"
                );
            }
        }
        Map<String, TorchBinZip.Entry> entries = TorchBinZip.readEntries(file, ch);
        TorchBinZip.Entry pkl = null;
        for (TorchBinZip.Entry e : entries.values()) {
            String n = e.name();
            if (n.endsWith("data.pkl")
                && (n.equals("data.pkl") || (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()))) {
                if (pkl != null) {
                    throw TorchBinZip.bad(file, "holds more than one data.pkl (" + pkl.name() + ", " + n + ")");
                }
                pkl = e;
            }
        }
        if (pkl == null) {
            throw TorchBinZip.bad(file, "is a zip file without <archive>/data.pkl: not a torch.save checkpoint");
        }
        String prefix = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
        TorchBinZip.Entry byteorder = entries.get(prefix + "byteorder");
        if (byteorder != null) {
            String order = new String(TorchBinZip.readSmall(file, ch, byteorder, 64), StandardCharsets.US_ASCII).trim();
            if ("little".equals(order) == false) {
                throw TorchBinZip.bad(file, "was written with byteorder [" + order + "]; only little-endian checkpoints are supported");
            }
        }
        byte[] pickle = TorchBinZip.readSmall(file, ch, pkl, TorchBinReader.MAX_PICKLE_BYTES);
        Map<String, PickleStateDict.TensorRef> tensors = PickleStateDict.parse(file, pickle);
        Map<String, TorchBinZip.Entry> storages = new java.util.HashMap<>();
        try {
            checkViews(file, prefix, entries, tensors, storages);
        } catch (ArithmeticException e) {
            throw TorchBinZip.bad(file, "declares a tensor or storage whose size overflows 64 bits (corrupt)");
        }
        return new TorchBinFile(file, ch, tensors, storages);
    }

    /**
     * A view that holds more elements than its storage (a broadcast view, stride 0, as {@code torch.save} writes for
     * {@code expand()}ed tensors, or overlapping strides) may have at most this many elements (64 MiB as float32), so a
     * few stored bytes cannot expand into a huge tensor.
     */
    static final long MAX_EXPANDED_ELEMENTS = 16L << 20;

    /**
     * Every tensor's storage entry exists, is stored uncompressed and holds the storage's declared bytes; every view
     * stays inside its storage, and holds at most as many elements as the storage unless it is a broadcast view of at
     * most {@link #MAX_EXPANDED_ELEMENTS}. So {@link #get} allocates at most 4 bytes per element: per tensor at most 4x
     * the file size, or 64 MiB for a broadcast view.
     */
    private static void checkViews(
        Path file,
        String prefix,
        Map<String, TorchBinZip.Entry> entries,
        Map<String, PickleStateDict.TensorRef> tensors,
        Map<String, TorchBinZip.Entry> storages
    ) throws CheckpointException {
        for (Map.Entry<String, PickleStateDict.TensorRef> t : tensors.entrySet()) {
            PickleStateDict.TensorRef ref = t.getValue();
            PickleStateDict.StorageRef s = ref.storage();
            TorchBinZip.Entry data = entries.get(prefix + "data/" + s.key());
            if (data == null) {
                throw TorchBinZip.bad(
                    file,
                    String.format(
                        Locale.ROOT,
                        "tensor [%s] refers to storage [%s], but entry [%sdata/%s] is missing",
                        BoundedJson.clip(t.getKey()),
                        BoundedJson.clip(s.key()),
                        BoundedJson.clip(prefix),
                        BoundedJson.clip(s.key())
                    )
                );
            }
            if (data.method() != 0) {
                throw TorchBinZip.bad(
                    file,
                    String.format(
                        Locale.ROOT,
                        "storage entry [%s] is compressed; torch.save stores tensor data uncompressed",
                        BoundedJson.clip(data.name())
                    )
                );
            }
            long storageBytes = Math.multiplyExact(s.numel(), (long) s.dtype().bytes());
            if (data.size() < storageBytes) {
                throw TorchBinZip.bad(
                    file,
                    String.format(
                        Locale.ROOT,
                        "storage entry [%s] has %d bytes but its %s storage declares %d elements (%d bytes)",
                        BoundedJson.clip(data.name()),
                        data.size(),
                        s.dtype(),
                        s.numel(),
                        storageBytes
                    )
                );
            }
            long numel = ref.numel();
            if (numel > s.numel() && numel > MAX_EXPANDED_ELEMENTS) {
                throw TorchBinZip.bad(
                    file,
                    String.format(
                        Locale.ROOT,
                        "tensor [%s] (size %s, stride %s) has %d elements, more than its storage's %d: a broadcast or overlapping "
                            + "view may expand a storage to at most %d elements",
                        BoundedJson.clip(t.getKey()),
                        java.util.Arrays.toString(ref.shape()),
                        java.util.Arrays.toString(ref.stride()),
                        numel,
                        s.numel(),
                        MAX_EXPANDED_ELEMENTS
                    )
                );
            }
            if (numel > 0) {
                long last = ref.offset();
                for (int i = 0; i < ref.shape().length; i++) {
                    last = Math.addExact(last, Math.multiplyExact(ref.shape()[i] - 1, ref.stride()[i]));
                }
                if (last >= s.numel()) {
                    throw TorchBinZip.bad(
                        file,
                        String.format(
                            Locale.ROOT,
                            "tensor [%s] (offset %d, size %s, stride %s) reaches element %d of a storage of %d elements",
                            BoundedJson.clip(t.getKey()),
                            ref.offset(),
                            java.util.Arrays.toString(ref.shape()),
                            java.util.Arrays.toString(ref.stride()),
                            last,
                            s.numel()
                        )
                    );
                }
            }
            storages.put(s.key(), data);
        }
    }

    @Override
    public Set<String> names() {
        return names;
    }

    private PickleStateDict.TensorRef ref(String name) throws CheckpointException {
        PickleStateDict.TensorRef r = tensors.get(name);
        if (r == null) {
            throw new CheckpointException(String.format(Locale.ROOT, "PyTorch checkpoint [%s] has no tensor [%s]", file, name));
        }
        return r;
    }

    @Override
    public long[] shape(String name) throws IOException {
        return ref(name).shape().clone();
    }

    /** Stored dtype of a tensor. */
    StoredDtype dtype(String name) throws CheckpointException {
        return ref(name).storage().dtype();
    }

    @Override
    public HostTensor get(String name) throws IOException {
        PickleStateDict.TensorRef r = ref(name);
        StoredDtype dtype = r.storage().dtype();
        long numel = r.numel();
        ByteBuffer out = TorchBinReader.allocateFloats(numel, file, name);
        if (numel > 0) {
            int rank = r.shape().length;
            long[] shape = r.shape();
            long[] stride = r.stride();
            long span = 0; // last element index touched, relative to the offset
            for (int i = 0; i < rank; i++) {
                span += (shape[i] - 1) * stride[i];
            }
            long bytes = (span + 1) * dtype.bytes();
            if (bytes > Integer.MAX_VALUE) {
                throw TorchBinZip.bad(
                    file,
                    String.format(Locale.ROOT, "tensor [%s] spans %d bytes of its storage; views over 2 GiB are not supported", name, bytes)
                );
            }
            TorchBinZip.Entry data = storages.get(r.storage().key());
            ByteBuffer src = channel.map(FileChannel.MapMode.READ_ONLY, data.dataOffset() + r.offset() * dtype.bytes(), bytes)
                .order(ByteOrder.LITTLE_ENDIAN);
            if (rank == 0) {
                convert(dtype, src, 0, 1, out, 0, 1);
            } else if (isContiguous(shape, stride)) {
                if (dtype.isFloating()) {
                    dtype.toFloat32(src, (int) numel, out); // bulk, vectorizable
                } else {
                    convert(dtype, src, 0, 1, out, 0, (int) numel);
                }
            } else {
                // odometer over all but the last dimension; the last one is a strided run
                int inner = (int) shape[rank - 1];
                long innerStride = stride[rank - 1];
                long[] idx = new long[rank - 1];
                long srcBase = 0;
                int o = 0;
                while (o < numel) {
                    convert(dtype, src, srcBase, innerStride, out, o, inner);
                    o += inner;
                    for (int d = rank - 2; d >= 0; d--) {
                        idx[d]++;
                        srcBase += stride[d];
                        if (idx[d] < shape[d]) {
                            break;
                        }
                        srcBase -= idx[d] * stride[d];
                        idx[d] = 0;
                    }
                }
            }
        }
        out.position(0);
        return new HostTensor(name, shape(name), dtype.name(), out);
    }

    /** Contiguous floating-point tensors are mapped block by block; other views fall back to {@link #get}. */
    @Override
    public void readFloats(String name, long offset, int count, ByteBuffer out) throws IOException {
        PickleStateDict.TensorRef r = ref(name);
        StoredDtype dtype = r.storage().dtype();
        if (dtype.isFloating() == false || isContiguous(r.shape(), r.stride()) == false) {
            TensorSource.super.readFloats(name, offset, count, out);
            return;
        }
        TensorSource.checkRange(name, offset, count, r.numel());
        TorchBinZip.Entry data = storages.get(r.storage().key());
        TensorSource.readInto(channel, file, name, dtype, data.dataOffset() + (r.offset() + offset) * dtype.bytes(), count, out);
    }

    private static boolean isContiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** Converts {@code count} elements at element indices {@code from + k * step} of {@code src} to out[at + k]. */
    private static void convert(StoredDtype dtype, ByteBuffer src, long from, long step, ByteBuffer out, int at, int count) {
        int w = dtype.bytes();
        switch (dtype) {
            case F32 -> {
                for (int k = 0; k < count; k++) {
                    out.putInt((at + k) * 4, src.getInt((int) ((from + k * step) * w)));
                }
            }
            case BF16 -> {
                for (int k = 0; k < count; k++) {
                    out.putInt((at + k) * 4, (src.getShort((int) ((from + k * step) * w)) & 0xFFFF) << 16);
                }
            }
            case F16 -> {
                for (int k = 0; k < count; k++) {
                    out.putFloat((at + k) * 4, Float.float16ToFloat(src.getShort((int) ((from + k * step) * w))));
                }
            }
            case F64 -> {
                for (int k = 0; k < count; k++) {
                    out.putFloat((at + k) * 4, (float) src.getDouble((int) ((from + k * step) * w)));
                }
            }
            case I64 -> {
                for (int k = 0; k < count; k++) {
                    out.putFloat((at + k) * 4, (float) src.getLong((int) ((from + k * step) * w)));
                }
            }
            case I32 -> {
                for (int k = 0; k < count; k++) {
                    out.putFloat((at + k) * 4, (float) src.getInt((int) ((from + k * step) * w)));
                }
            }
            case I16 -> {
                for (int k = 0; k < count; k++) {
                    out.putFloat((at + k) * 4, (float) src.getShort((int) ((from + k * step) * w)));
                }
            }
            case I8 -> {
                for (int k = 0; k < count; k++) {
                    out.putFloat((at + k) * 4, (float) src.get((int) (from + k * step)));
                }
            }
            case U8 -> {
                for (int k = 0; k < count; k++) {
                    out.putFloat((at + k) * 4, (float) (src.get((int) (from + k * step)) & 0xFF));
                }
            }
            case BOOL -> {
                for (int k = 0; k < count; k++) {
                    out.putFloat((at + k) * 4, src.get((int) (from + k * step)) != 0 ? 1f : 0f);
                }
            }
            default -> throw new IllegalStateException("unhandled dtype " + dtype);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
