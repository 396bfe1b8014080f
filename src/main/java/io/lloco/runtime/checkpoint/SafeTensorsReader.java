/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then raw
 * little-endian tensor data. Each tensor is memory-mapped on its own, so files larger than 2 GiB work
 * (a single tensor must stay under 2 GiB once widened to float32).
 *
 * <p>The whole header is validated when the file is opened; every error names the file and the tensor.
 */
public final class SafeTensorsReader implements TensorSource {

    /** Headers larger than this are refused as corrupt (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** One tensor's header entry. */
    public record Entry(String name, StoredDtype dtype, long[] shape, long begin, long end) {

        /** Number of elements. */
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafeTensorsReader(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates a safetensors file. */
    public static SafeTensorsReader open(Path file) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(String.format(Locale.ROOT, "safetensors file [%s] does not exist", file));
        }
        try {
            return parse(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static SafeTensorsReader parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw corrupt(file, "is truncated: " + size + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        if (headerLen <= 0 || headerLen > size - 8) {
            throw corrupt(
                file,
                String.format(
                    Locale.ROOT,
                    "has a header length of %d bytes but the file holds only %d bytes after it (truncated or not safetensors)",
                    headerLen,
                    size - 8
                )
            );
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw corrupt(file, "has a header of " + headerLen + " bytes, over the " + MAX_HEADER_BYTES + "-byte limit");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, 8);
        JsonNode header;
        try {
            header = new ObjectMapper().readTree(new String(hb.array(), StandardCharsets.UTF_8).trim());
        } catch (JsonProcessingException e) {
            throw corrupt(file, "has a header that is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || header.isObject() == false) {
            throw corrupt(file, "has a header that is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (v.isObject()) {
                    for (Map.Entry<String, JsonNode> m : v.properties()) {
                        metadata.put(m.getKey(), m.getValue().isTextual() ? m.getValue().textValue() : m.getValue().toString());
                    }
                }
                continue;
            }
            entries.put(name, parseEntry(file, name, v, dataSize));
        }
        return new SafeTensorsReader(file, ch, dataStart, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    private static Entry parseEntry(Path file, String name, JsonNode v, long dataSize) throws CheckpointException {
        if (v == null || v.isObject() == false) {
            throw badTensor(file, name, "has a header entry that is not an object");
        }
        JsonNode dt = v.get("dtype");
        String dtName = dt == null ? null : dt.asText();
        StoredDtype dtype = StoredDtype.fromSafetensors(dtName);
        if (dtype == null) {
            throw badTensor(file, name, "has unknown or unsupported dtype [" + dtName + "] (supported: F64, F32, F16, BF16)");
        }
        JsonNode shapeNode = v.get("shape");
        if (shapeNode == null || shapeNode.isArray() == false) {
            throw badTensor(file, name, "has no shape array");
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (d.isIntegralNumber() == false || d.asLong() < 0) {
                throw badTensor(file, name, "has an invalid shape " + shapeNode);
            }
            shape[i] = d.asLong();
            numel = Math.multiplyExact(numel, shape[i]);
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || off.isArray() == false || off.size() != 2 || off.get(0).isIntegralNumber() == false
            || off.get(1).isIntegralNumber() == false) {
            throw badTensor(file, name, "has no valid data_offsets [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw badTensor(
                file,
                name,
                String.format(
                    Locale.ROOT,
                    "has data_offsets [%d, %d] outside the %d data bytes of the file (truncated or corrupt)",
                    begin,
                    end,
                    dataSize
                )
            );
        }
        long expected = Math.multiplyExact(numel, dtype.bytes());
        if (end - begin != expected) {
            throw badTensor(
                file,
                name,
                String.format(
                    Locale.ROOT,
                    "spans %d bytes but shape %s of %s needs %d",
                    end - begin,
                    shapeNode,
                    dtype,
                    expected
                )
            );
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new CheckpointException("unexpected end of file");
            }
            p += n;
        }
    }

    private static CheckpointException corrupt(Path file, String what) {
        return new CheckpointException(String.format(Locale.ROOT, "safetensors file [%s] %s", file, what));
    }

    private static CheckpointException badTensor(Path file, String name, String what) {
        return new CheckpointException(String.format(Locale.ROOT, "safetensors file [%s]: tensor [%s] %s", file, name, what));
    }

    /** The file this reader maps. */
    public Path file() {
        return file;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The header entry of a tensor, or null. */
    public Entry entry(String name) {
        return entries.get(name);
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public long[] shape(String name) throws IOException {
        return require(name).shape().clone();
    }

    @Override
    public HostTensor get(String name) throws IOException {
        Entry e = require(name);
        if (e.dtype().isFloating() == false) {
            throw badTensor(file, name, "has dtype " + e.dtype() + ", not a floating-point type the runtime can load");
        }
        long numel = e.numel();
        if (numel * 4 > Integer.MAX_VALUE) {
            throw badTensor(file, name, "has " + numel + " elements, over the 2 GiB float32 limit of one tensor");
        }
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin());
        ByteBuffer data;
        if (e.dtype() == StoredDtype.F32) {
            data = mapped.order(ByteOrder.LITTLE_ENDIAN);
        } else {
            data = e.dtype().toFloat32(mapped, (int) numel);
        }
        return new HostTensor(name, e.shape().clone(), e.dtype().name(), data);
    }

    @Override
    public void readFloats(String name, long offset, int count, ByteBuffer out) throws IOException {
        Entry e = require(name);
        if (e.dtype().isFloating() == false) {
            throw badTensor(file, name, "has dtype " + e.dtype() + ", not a floating-point type the runtime can load");
        }
        TensorSource.checkRange(name, offset, count, e.numel());
        TensorSource.readInto(channel, file, name, e.dtype(), dataStart + e.begin() + offset * e.dtype().bytes(), count, out);
    }

    private Entry require(String name) throws CheckpointException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(String.format(Locale.ROOT, "safetensors file [%s] has no tensor [%s]", file, name));
        }
        return e;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
