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
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

/**
 * Reads a {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then raw
 * little-endian tensor data. Each tensor is memory-mapped on its own, so files larger than 2 GiB work
 * (a single tensor must stay under 2 GiB once widened to float32).
 *
 * <p>The whole header is validated when the file is opened; every error names the file and the tensor.
 *
 * <p>Bounds against hostile files: the header is streamed (never a JSON tree) with {@link BoundedJson}'s limits and at
 * most {@value #MAX_RANK} dimensions per tensor, so opening allocates about the header's size a few times over
 * (at most {@link #MAX_HEADER_BYTES} read); every size and offset is checked in 64-bit arithmetic without overflow;
 * tensors may not overlap, so {@link #get} of every tensor allocates at most twice the data bytes in all (float16 and
 * bfloat16 widen to float32; float32 is mapped, not copied). Every failure is a {@link CheckpointException}.
 */
public final class SafeTensorsReader implements TensorSource {

    /** Headers larger than this are refused as corrupt (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Most dimensions a tensor may declare (PyTorch's own limit is 64). */
    public static final int MAX_RANK = 64;

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
        return CheckpointChannel.open(file, "safetensors file", SafeTensorsReader::parse);
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
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        byte[] h = hb.array();
        int from = 0;
        int to = h.length;
        while (to > from && (h[to - 1] & 0xFF) <= 0x20) {
            to--; // writers pad the header with spaces (some with NULs): trimmed as String.trim() would
        }
        while (from < to && (h[from] & 0xFF) <= 0x20) {
            from++;
        }
        try (JsonParser syntax = BoundedJson.FACTORY.createParser(h, from, to - from)) {
            while (syntax.nextToken() != null) {
                // a first pass reports any JSON error as such, before the entries are read
            }
        } catch (JsonProcessingException e) {
            throw corrupt(file, "has a header that is not valid JSON: " + BoundedJson.clip(e.getOriginalMessage()));
        }
        try (JsonParser p = BoundedJson.FACTORY.createParser(h, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw corrupt(file, "has a header that is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("__metadata__")) {
                    readMetadata(p, t, metadata);
                    continue;
                }
                if (entries.containsKey(name)) {
                    throw badTensor(file, name, "appears twice in the header");
                }
                entries.put(name, parseEntry(file, name, p, t, dataSize));
            }
            if (p.nextToken() != null) {
                throw corrupt(file, "has data after the header's JSON object");
            }
        } catch (JsonProcessingException e) {
            throw corrupt(file, "has a header that is not valid JSON: " + BoundedJson.clip(e.getOriginalMessage()));
        }
        checkNoOverlap(file, entries);
        return new SafeTensorsReader(file, ch, dataStart, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
    }

    /** {@code __metadata__}: string values kept, other scalars as their JSON text, containers skipped. */
    private static void readMetadata(JsonParser p, JsonToken t, Map<String, String> metadata) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (v.isScalarValue()) {
                metadata.put(key, p.getText());
            } else {
                p.skipChildren();
            }
        }
    }

    private static Entry parseEntry(Path file, String name, JsonParser p, JsonToken t, long dataSize) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw badTensor(file, name, "has a header entry that is not an object");
        }
        String dtName = null;
        long[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype" -> dtName = v == JsonToken.VALUE_STRING ? p.getText() : BoundedJson.clip(p.getText());
                case "shape" -> shape = longs(file, name, p, v, "shape", MAX_RANK);
                case "data_offsets" -> offsets = longs(file, name, p, v, "data_offsets", 2);
                default -> p.skipChildren(); // unknown fields are ignored, as before
            }
        }
        StoredDtype dtype = StoredDtype.fromSafetensors(dtName);
        if (dtype == null) {
            throw badTensor(
                file,
                name,
                "has unknown or unsupported dtype [" + BoundedJson.clip(dtName) + "] (supported: F64, F32, F16, BF16)"
            );
        }
        if (shape == null) {
            throw badTensor(file, name, "has no shape array");
        }
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw badTensor(file, name, "has an invalid shape " + Arrays.toString(shape));
            }
            numel = multiply(file, name, numel, d);
        }
        if (offsets == null || offsets.length != 2) {
            throw badTensor(file, name, "has no valid data_offsets [begin, end]");
        }
        long begin = offsets[0];
        long end = offsets[1];
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
        long expected = multiply(file, name, numel, dtype.bytes());
        if (end - begin != expected) {
            throw badTensor(
                file,
                name,
                String
                    .format(Locale.ROOT, "spans %d bytes but shape %s of %s needs %d", end - begin, Arrays.toString(shape), dtype, expected)
            );
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** An array of at most {@code max} integers that fit a long. */
    private static long[] longs(Path file, String name, JsonParser p, JsonToken t, String field, int max) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            throw badTensor(file, name, "has a " + field + " that is not an array of integers");
        }
        long[] out = new long[Math.min(max, 8)];
        int n = 0;
        for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
            if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw badTensor(file, name, "has a " + field + " holding " + BoundedJson.clip(p.getText()) + ", not an integer of 64 bits");
            }
            if (n == max) {
                throw badTensor(file, name, "has a " + field + " of more than " + max + " values");
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, Math.min(max, 2 * n));
            }
            out[n++] = p.getLongValue();
        }
        return Arrays.copyOf(out, n);
    }

    private static long multiply(Path file, String name, long a, long b) throws CheckpointException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw badTensor(file, name, "has a shape whose size overflows 64 bits");
        }
    }

    /**
     * Tensors may not share bytes (as in the reference implementation): every byte of the data area belongs to at most
     * one tensor, so reading all tensors touches each data byte once and allocates at most twice the data size.
     */
    private static void checkNoOverlap(Path file, Map<String, Entry> entries) throws CheckpointException {
        Entry[] sorted = entries.values().stream().filter(e -> e.end() > e.begin()).toArray(Entry[]::new);
        Arrays.sort(sorted, (a, b) -> Long.compare(a.begin(), b.begin()));
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i].begin() < sorted[i - 1].end()) {
                throw badTensor(
                    file,
                    sorted[i].name(),
                    String.format(
                        Locale.ROOT,
                        "has data_offsets [%d, %d] overlapping those of tensor [%s] [%d, %d] (corrupt)",
                        sorted[i].begin(),
                        sorted[i].end(),
                        BoundedJson.clip(sorted[i - 1].name()),
                        sorted[i - 1].begin(),
                        sorted[i - 1].end()
                    )
                );
            }
        }
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
        return new CheckpointException(
            String.format(Locale.ROOT, "safetensors file [%s]: tensor [%s] %s", file, BoundedJson.clip(name), what)
        );
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
