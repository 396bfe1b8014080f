/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Writes a state dict in the layout {@code torch.save} produces (what Hugging Face's {@code pytorch_model.bin} shards
 * and PEFT's {@code adapter_model.bin} are): a zip archive of stored entries {@code archive/data/<k>} (each tensor's
 * raw little-endian storage, data aligned to 64 bytes with an {@code FB} extra field as torch does),
 * {@code archive/data.pkl} (a protocol-2 pickle of an {@code OrderedDict} of {@code torch._utils._rebuild_tensor_v2}
 * calls on persistent storages {@code ('storage', torch.<Type>Storage, key, 'cpu', numel)}), {@code archive/byteorder}
 * ({@code little}) and {@code archive/version} ({@code 3}).
 *
 * <p>Tensors are streamed: each is written when added, so a multi-gigabyte shard never sits in memory. No ZIP64: a
 * file must stay under 4 GiB (split larger state dicts into shards); the writer refuses to go past it.
 */
public final class TorchBinWriter implements Closeable {

    private static final String ARCHIVE = "archive/";
    private static final long ZIP_LIMIT = 0xFFFFFFFFL;
    private static final int ALIGN = 64;

    private record Written(String name, long crc, long size, long headerOffset) {
    }

    private record Tensor(String name, StoredDtype dtype, long[] shape, String key, long numel) {
    }

    private final Path file;
    private final FileChannel channel;
    private final List<Written> entries = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final Set<String> names = new LinkedHashSet<>();
    private boolean closed;

    private TorchBinWriter(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Creates (or truncates) {@code file}. */
    public static TorchBinWriter create(Path file) throws IOException {
        return new TorchBinWriter(
            file,
            FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)
        );
    }

    /** Bytes written so far. */
    public long size() throws IOException {
        return channel.position();
    }

    /**
     * Adds a contiguous tensor: {@code data} holds its numel elements of {@code dtype}, little-endian, from its position
     * to its limit.
     */
    public TorchBinWriter add(String name, long[] shape, StoredDtype dtype, ByteBuffer data) throws IOException {
        long numel = begin(name, shape);
        if (data.remaining() != numel * dtype.bytes()) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "tensor [%s]: %d bytes given, shape of %d %s elements needs %d",
                    name,
                    data.remaining(),
                    numel,
                    dtype,
                    numel * dtype.bytes()
                )
            );
        }
        String key = Integer.toString(tensors.size());
        writeEntry(ARCHIVE + "data/" + key, data);
        tensors.add(new Tensor(name, dtype, shape.clone(), key, numel));
        return this;
    }

    /** Produces a tensor's raw little-endian bytes block by block (for tensors too large to hold at once). */
    @FunctionalInterface
    public interface Filler {

        /** Writes elements {@code [first, first + count)} into {@code out} from its position (exactly count elements). */
        void fill(long first, int count, ByteBuffer out);
    }

    /** Elements per block of a streamed tensor. */
    private static final int STREAM_BLOCK = 1 << 22;

    /**
     * Adds a contiguous tensor whose bytes {@code filler} produces block by block: the storage entry's header is written
     * first and patched with the CRC-32 once the data is out, so only one block is ever in memory.
     */
    public TorchBinWriter add(String name, long[] shape, StoredDtype dtype, Filler filler) throws IOException {
        long numel = begin(name, shape);
        String key = Integer.toString(tensors.size());
        String entry = ARCHIVE + "data/" + key;
        long size = numel * dtype.bytes();
        long offset = channel.position();
        ByteBuffer header = localHeader(entry, offset, 0, size);
        long headerPos = offset;
        writeFully(header.duplicate());
        CRC32 crc = new CRC32();
        ByteBuffer block = ByteBuffer.allocate((int) Math.min(numel, STREAM_BLOCK) * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (long first = 0; first < numel; first += STREAM_BLOCK) {
            int count = (int) Math.min(STREAM_BLOCK, numel - first);
            block.clear();
            filler.fill(first, count, block);
            if (block.position() != count * dtype.bytes()) {
                throw new IllegalStateException(
                    String.format(Locale.ROOT, "filler of tensor [%s] wrote %d bytes for %d elements", name, block.position(), count)
                );
            }
            block.flip();
            crc.update(block.duplicate());
            writeFully(block);
        }
        long end = channel.position();
        channel.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) crc.getValue()), headerPos + 14);
        channel.position(end);
        entries.add(new Written(entry, crc.getValue(), size, offset));
        tensors.add(new Tensor(name, dtype, shape.clone(), key, numel));
        return this;
    }

    private long begin(String name, long[] shape) {
        if (closed) {
            throw new IllegalStateException("writer for [" + file + "] is closed");
        }
        if (names.add(name) == false) {
            throw new IllegalArgumentException("tensor [" + name + "] added twice to [" + file + "]");
        }
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor [" + name + "] has a negative dimension");
            }
            numel = Math.multiplyExact(numel, d);
        }
        return numel;
    }

    /** Adds a tensor from float32 values, rounded to {@code dtype} (F32, F16 or BF16). */
    public TorchBinWriter add(String name, long[] shape, float[] values, StoredDtype dtype) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Float.floatToFloat16(v));
                case BF16 -> b.putShort(StoredDtype.floatToBf16(v));
                default -> throw new IllegalArgumentException("cannot write float values as " + dtype);
            }
        }
        return add(name, shape, dtype, b.flip());
    }

    private void writeEntry(String name, ByteBuffer data) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(data.duplicate());
        long size = data.remaining();
        long offset = channel.position();
        writeFully(localHeader(name, offset, crc.getValue(), size));
        writeFully(data.duplicate());
        entries.add(new Written(name, crc.getValue(), size, offset));
    }

    /** A stored entry's local header at {@code offset}, padded (extra field {@code FB}) so its data starts 64-byte aligned. */
    private ByteBuffer localHeader(String name, long offset, long crc, long size) throws CheckpointException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int headerLen = 30 + nameBytes.length;
        int pad = (int) ((ALIGN - (offset + headerLen + 4) % ALIGN) % ALIGN);
        int extraLen = 4 + pad;
        if (offset + headerLen + extraLen + size > ZIP_LIMIT) {
            throw new CheckpointException(
                String.format(
                    Locale.ROOT,
                    "PyTorch checkpoint [%s] would pass 4 GiB at entry [%s]: write the state dict in more shards",
                    file,
                    name
                )
            );
        }
        ByteBuffer h = ByteBuffer.allocate(headerLen + extraLen).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0);
        h.putInt((int) crc).putInt((int) size).putInt((int) size);
        h.putShort((short) nameBytes.length).putShort((short) extraLen).put(nameBytes);
        h.put((byte) 'F').put((byte) 'B').putShort((short) pad).put(new byte[pad]);
        return h.flip();
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Writes {@code data.pkl}, the version and byteorder records and the central directory, then closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writeEntry(ARCHIVE + "data.pkl", ByteBuffer.wrap(pickle()));
            writeEntry(ARCHIVE + "byteorder", ByteBuffer.wrap("little".getBytes(StandardCharsets.US_ASCII)));
            writeEntry(ARCHIVE + "version", ByteBuffer.wrap("3\n".getBytes(StandardCharsets.US_ASCII)));
            long cdStart = channel.position();
            ByteArrayOutputStream cd = new ByteArrayOutputStream();
            for (Written e : entries) {
                byte[] n = e.name().getBytes(StandardCharsets.UTF_8);
                ByteBuffer c = ByteBuffer.allocate(46 + n.length).order(ByteOrder.LITTLE_ENDIAN);
                c.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0);
                c.putShort((short) 0).putShort((short) 0).putInt((int) e.crc()).putInt((int) e.size()).putInt((int) e.size());
                c.putShort((short) n.length).putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0);
                c.putInt(0).putInt((int) e.headerOffset()).put(n);
                cd.write(c.array());
            }
            byte[] cdBytes = cd.toByteArray();
            if (cdStart + cdBytes.length + 22 > ZIP_LIMIT || entries.size() > 0xFFFF) {
                throw new CheckpointException(
                    String.format(Locale.ROOT, "PyTorch checkpoint [%s] would pass the plain zip limits: write more shards", file)
                );
            }
            writeFully(ByteBuffer.wrap(cdBytes));
            ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
            end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size());
            end.putShort((short) entries.size()).putInt(cdBytes.length).putInt((int) cdStart).putShort((short) 0);
            writeFully(end.flip());
        } finally {
            channel.close();
        }
    }

    /** The {@code data.pkl} of an {@code OrderedDict} of tensors, as {@code torch.save} (protocol 2) writes it. */
    private byte[] pickle() {
        Pickle p = new Pickle();
        p.op(0x80).op(2); // PROTO 2
        p.global("collections", "OrderedDict").op(')').op('R'); // OrderedDict()
        p.op('(');
        for (Tensor t : tensors) {
            p.string(t.name());
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.op('(');
            p.op('(').string("storage").global("torch", storageClass(t.dtype())).string(t.key()).string("cpu").integer(t.numel()).op('t');
            p.op('Q'); // BINPERSID
            p.integer(0); // storage offset
            p.op('(');
            for (long d : t.shape()) {
                p.integer(d);
            }
            p.op('t');
            p.op('(');
            long stride = 1;
            long[] strides = new long[t.shape().length];
            for (int i = strides.length - 1; i >= 0; i--) {
                strides[i] = stride;
                stride *= Math.max(1, t.shape()[i]);
            }
            for (long s : strides) {
                p.integer(s);
            }
            p.op('t');
            p.op(0x89); // requires_grad False
            p.global("collections", "OrderedDict").op(')').op('R'); // backward hooks
            p.op('t').op('R');
        }
        p.op('u').op('.');
        return p.bytes();
    }

    private static String storageClass(StoredDtype d) {
        return switch (d) {
            case F32 -> "FloatStorage";
            case F16 -> "HalfStorage";
            case BF16 -> "BFloat16Storage";
            case F64 -> "DoubleStorage";
            case I64 -> "LongStorage";
            case I32 -> "IntStorage";
            case I16 -> "ShortStorage";
            case I8 -> "CharStorage";
            case U8 -> "ByteStorage";
            case BOOL -> "BoolStorage";
        };
    }

    /** The few pickle instructions a state dict needs. */
    private static final class Pickle {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int b) {
            out.write(b);
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Pickle string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            if (v >= 0 && v < 256) {
                return op('K').op((int) v);
            }
            if (v >= 0 && v < 65536) {
                return op('M').op((int) (v & 0xFF)).op((int) (v >>> 8));
            }
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
                return this;
            }
            op(0x8a).op(8); // LONG1, 8 bytes little-endian two's complement
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
