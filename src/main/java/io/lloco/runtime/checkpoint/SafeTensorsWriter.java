/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes float tensors to a {@code .safetensors} file as F32, F16 or BF16 (round-to-nearest-even), in the
 * order they were added, with an optional {@code __metadata__} map. The file is written to a temporary
 * sibling and moved into place, so readers never see a half-written file.
 */
public final class SafeTensorsWriter {

    private record Pending(String name, long[] shape, ByteBuffer f32) {
    }

    private final List<Pending> tensors = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** An empty writer; {@code __metadata__} gets {@code format: pt} unless overridden. */
    public SafeTensorsWriter() {
        metadata.put("format", "pt");
    }

    /** Adds a metadata entry. */
    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor from float values (row-major). */
    public SafeTensorsWriter add(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return add(name, shape, b);
    }

    /** Adds a tensor from float32 little-endian bytes (the buffer's position..limit; not copied until written). */
    public SafeTensorsWriter add(String name, long[] shape, ByteBuffer float32) {
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape of tensor [" + name + "]");
            }
            numel = Math.multiplyExact(numel, d);
        }
        if (float32.remaining() != numel * 4) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "tensor [%s]: %d bytes given for %d float32 elements", name, float32.remaining(), numel)
            );
        }
        for (Pending p : tensors) {
            if (p.name().equals(name)) {
                throw new IllegalArgumentException("tensor [" + name + "] added twice");
            }
        }
        tensors.add(new Pending(name, shape.clone(), float32.slice().order(ByteOrder.LITTLE_ENDIAN)));
        return this;
    }

    /** Adds a host tensor (its float32 data). */
    public SafeTensorsWriter add(HostTensor t) {
        return add(t.name(), t.shape(), t.data().duplicate().position(0).limit(Math.toIntExact(t.numel() * 4)));
    }

    /** Writes all tensors in {@code dtype} (F32, F16 or BF16). */
    public void write(Path file, StoredDtype dtype) throws IOException {
        if (dtype != StoredDtype.F32 && dtype != StoredDtype.F16 && dtype != StoredDtype.BF16) {
            throw new IllegalArgumentException("can only write F32, F16 or BF16, not " + dtype);
        }
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode header = mapper.createObjectNode();
        if (metadata.isEmpty() == false) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Pending p : tensors) {
            long bytes = (p.f32().remaining() / 4L) * dtype.bytes();
            ObjectNode e = header.putObject(p.name());
            e.put("dtype", dtype.name());
            ArrayNode shape = e.putArray("shape");
            for (long d : p.shape()) {
                shape.add(d);
            }
            ArrayNode off = e.putArray("data_offsets");
            off.add(offset);
            off.add(offset + bytes);
            offset += bytes;
        }
        byte[] json = mapper.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeAll(ch, head);
                ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (Pending p : tensors) {
                    ByteBuffer src = p.f32().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    int n = src.remaining() / 4;
                    for (int i = 0; i < n; i++) {
                        if (chunk.remaining() < 4) {
                            chunk.flip();
                            writeAll(ch, chunk);
                            chunk.clear();
                        }
                        float f = src.getFloat(src.position() + i * 4);
                        switch (dtype) {
                            case F32 -> chunk.putFloat(f);
                            case F16 -> chunk.putShort(Float.floatToFloat16(f));
                            default -> chunk.putShort(StoredDtype.floatToBf16(f));
                        }
                    }
                }
                chunk.flip();
                writeAll(ch, chunk);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Writes {@code float32} tensors in one call. */
    public static void writeF32(Path file, Map<String, HostTensor> tensors) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        tensors.values().forEach(w::add);
        w.write(file, StoredDtype.F32);
    }
}
