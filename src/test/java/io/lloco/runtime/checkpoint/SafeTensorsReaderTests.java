/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.opensearch.test.OpenSearchTestCase;

public class SafeTensorsReaderTests extends OpenSearchTestCase {

    /** Builds a safetensors file by hand: header JSON then raw bytes (independent of SafeTensorsWriter). */
    static Path handMade(Path dir, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = dir.resolve("t.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static float[] floats(HostTensor t) {
        float[] out = new float[(int) t.numel()];
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    public void testReadsAllFloatDtypes() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        // F32 [2]: 1.5, -2.25 at 0..8
        d.putFloat(1.5f).putFloat(-2.25f);
        // F16 [3]: 1.0 = 0x3C00, -0.5 = 0xB800, 65504 = 0x7BFF at 8..14
        d.putShort((short) 0x3C00).putShort((short) 0xB800).putShort((short) 0x7BFF);
        // BF16 [2]: 1.0 = 0x3F80, -3.0 = 0xC040 at 14..18
        d.putShort((short) 0x3F80).putShort((short) 0xC040);
        // F64 [1, 1]: 0.1 at 18..26
        d.putDouble(0.1);
        byte[] data = new byte[26];
        System.arraycopy(d.array(), 0, data, 0, 26);
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[8,14]},"
            + "\"c\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[14,18]},"
            + "\"e\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[18,26]}}";
        try (SafeTensorsReader r = SafeTensorsReader.open(handMade(createTempDir(), header, data))) {
            assertEquals("pt", r.metadata().get("format"));
            assertEquals(4, r.names().size());
            assertArrayEquals(new float[]{1.5f, -2.25f}, floats(r.get("a")), 0f);
            assertArrayEquals(new float[]{1.0f, -0.5f, 65504f}, floats(r.get("b")), 0f);
            assertArrayEquals(new float[]{1.0f, -3.0f}, floats(r.get("c")), 0f);
            assertArrayEquals(new float[]{0.1f}, floats(r.get("e")), 0f);
            assertArrayEquals(new long[]{1, 1}, r.shape("e"));
            assertEquals("BF16", r.get("c").storedDtype());
            assertTrue(r.get("a").data().isDirect());
            assertTrue(r.get("c").data().isDirect());
        }
    }

    public void testWriterRoundTripAllDtypes() throws IOException {
        float[] v = new float[]{0f, 1f, -1f, 3.140625f, 1e-3f, -65504f, 0.333333f};
        Path dir = createTempDir();
        for (StoredDtype dt : new StoredDtype[]{StoredDtype.F32, StoredDtype.F16, StoredDtype.BF16}) {
            Path f = dir.resolve(dt + ".safetensors");
            new SafeTensorsWriter().metadata("who", "test").add("x", new long[]{7}, v).add("y", new long[]{1, 7}, v).write(f, dt);
            byte[] raw = Files.readAllBytes(f);
            long headerLen = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals("header padded to 8 bytes", 0, headerLen % 8);
            assertEquals(8 + headerLen + 2L * 7 * dt.bytes(), raw.length);
            try (SafeTensorsReader r = SafeTensorsReader.open(f)) {
                assertEquals("test", r.metadata().get("who"));
                float[] got = floats(r.get("y"));
                for (int i = 0; i < v.length; i++) {
                    float expected = switch (dt) {
                        case F16 -> Float.float16ToFloat(Float.floatToFloat16(v[i]));
                        case BF16 -> expectedBf16(v[i]);
                        default -> v[i];
                    };
                    assertEquals(dt + " element " + i, expected, got[i], 0f);
                    assertEquals(dt + " element " + i, v[i], got[i], Math.abs(v[i]) * (dt == StoredDtype.BF16 ? 4e-3 : 1e-3));
                }
            }
        }
    }

    /** BF16 rounding written out by hand for the values above (round to nearest, ties to even). */
    private static float expectedBf16(float f) {
        int bits = Float.floatToIntBits(f);
        int lower = bits & 0xFFFF;
        int upper = bits >>> 16;
        if (lower > 0x8000 || (lower == 0x8000 && (upper & 1) == 1)) {
            upper++;
        }
        return Float.intBitsToFloat(upper << 16);
    }

    public void testBf16RoundingKnownValues() {
        assertEquals((short) 0x3F80, StoredDtype.floatToBf16(1.0f));
        // 1 + 2^-8 is exactly halfway between 1.0 and 1.0078125: ties to even -> 1.0
        assertEquals((short) 0x3F80, StoredDtype.floatToBf16(1.00390625f));
        // 1 + 3 * 2^-8 is halfway between 1.0078125 (odd mantissa) and 1.015625: -> 1.015625
        assertEquals((short) 0x3F82, StoredDtype.floatToBf16(1.01171875f));
        assertTrue(Float.isNaN(StoredDtype.bf16ToFloat(StoredDtype.floatToBf16(Float.NaN))));
    }

    public void testTruncatedFile() throws IOException {
        Path f = createTempDir().resolve("short.safetensors");
        Files.write(f, new byte[]{1, 2, 3});
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(e.getMessage(), e.getMessage().contains(f.toString()));
        assertTrue(e.getMessage(), e.getMessage().contains("truncated"));
    }

    public void testHeaderLengthBeyondFile() throws IOException {
        Path f = createTempDir().resolve("h.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(1_000_000).put("{}      ".getBytes(StandardCharsets.UTF_8));
        Files.write(f, b.array());
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(e.getMessage(), e.getMessage().contains("header length of 1000000"));
        assertTrue(e.getMessage(), e.getMessage().contains(f.toString()));
    }

    public void testHeaderNotJson() throws IOException {
        Path f = handMade(createTempDir(), "{\"a\": [1, 2", new byte[0]);
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(e.getMessage(), e.getMessage().contains("not valid JSON"));
    }

    public void testOffsetsOutOfRange() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        Path f = handMade(createTempDir(), header, new byte[8]);
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(e.getMessage(), e.getMessage().contains("tensor [w]"));
        assertTrue(e.getMessage(), e.getMessage().contains("[0, 16]"));
    }

    public void testSizeDoesNotMatchShape() throws IOException {
        String header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        Path f = handMade(createTempDir(), header, new byte[8]);
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(e.getMessage(), e.getMessage().contains("tensor [w] spans 8 bytes"));
    }

    public void testUnknownDtype() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}";
        Path f = handMade(createTempDir(), header, new byte[2]);
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(e.getMessage(), e.getMessage().contains("tensor [w]"));
        assertTrue(e.getMessage(), e.getMessage().contains("F8_E4M3"));
    }

    public void testIntegerTensorRefusedOnRead() throws IOException {
        String header = "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        try (SafeTensorsReader r = SafeTensorsReader.open(handMade(createTempDir(), header, new byte[8]))) {
            CheckpointException e = expectThrows(CheckpointException.class, () -> r.get("ids"));
            assertTrue(e.getMessage(), e.getMessage().contains("I64"));
            CheckpointException missing = expectThrows(CheckpointException.class, () -> r.get("nope"));
            assertTrue(missing.getMessage(), missing.getMessage().contains("no tensor [nope]"));
        }
    }

    /** A sparse file whose second tensor starts beyond 2 GiB: offsets are longs and each tensor is mapped alone. */
    public void testTensorBeyondTwoGiB() throws IOException {
        long far = (1L << 31) + 4096;
        String header = String.format(
            java.util.Locale.ROOT,
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[%d,%d]}}",
            far,
            far + 4
        );
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = createTempDir().resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
            raf.write(b.array());
            raf.write(h);
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7.5f).array());
            raf.seek(8 + h.length + far);
            raf.write(new byte[]{(byte) 0x80, 0x3F, 0x40, (byte) 0xC0}); // 1.0, -3.0 in BF16 LE
        }
        try (SafeTensorsReader r = SafeTensorsReader.open(f)) {
            assertArrayEquals(new float[]{7.5f}, floats(r.get("a")), 0f);
            assertArrayEquals(new float[]{1.0f, -3.0f}, floats(r.get("b")), 0f);
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
