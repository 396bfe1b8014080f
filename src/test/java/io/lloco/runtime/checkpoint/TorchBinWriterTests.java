/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

/**
 * {@link TorchBinWriter} against {@link TorchBinReader} (itself checked against real {@code torch.save} files): every
 * floating dtype round-trips, names keep their order, block reads equal whole reads, entries are 64-byte aligned, and
 * a sharded index over written shards opens. (The format was also loaded once by real torch 1.13: see
 * tools/reference/README.md.)
 */
public class TorchBinWriterTests extends OpenSearchTestCase {

    private static float[] values(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 3);
        }
        v[0] = 0f;
        v[1] = -0f;
        return v;
    }

    private static float[] floats(HostTensor t) {
        float[] out = new float[(int) t.numel()];
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    public void testEveryDtypeRoundTripsThroughTheReader() throws IOException {
        Path f = createTempDir().resolve("pytorch_model.bin");
        float[] a = values(7 * 300, 1);
        float[] b = values(5, 2);
        float[] c = values(64 * 3, 3);
        try (TorchBinWriter w = TorchBinWriter.create(f)) {
            w.add("model.layers.0.mlp.up_proj.weight", new long[]{7, 300}, a, StoredDtype.BF16);
            w.add("model.norm.weight", new long[]{5}, b, StoredDtype.F32);
            w.add("lm_head.weight", new long[]{64, 3}, c, StoredDtype.F16);
            w.add("scalar", new long[]{}, new float[]{2.5f}, StoredDtype.F32);
            expectThrows(IllegalArgumentException.class, () -> w.add("model.norm.weight", new long[]{1}, new float[1], StoredDtype.F32));
            expectThrows(
                IllegalArgumentException.class,
                () -> w.add("short", new long[]{4}, StoredDtype.F32, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN))
            );
        }
        try (TensorSource r = TorchBinReader.open(f)) {
            assertEquals(
                List.of("model.layers.0.mlp.up_proj.weight", "model.norm.weight", "lm_head.weight", "scalar"),
                List.copyOf(r.names())
            );
            HostTensor up = r.get("model.layers.0.mlp.up_proj.weight");
            assertEquals("BF16", up.storedDtype());
            assertArrayEquals(new long[]{7, 300}, up.shape());
            float[] got = floats(up);
            for (int i = 0; i < a.length; i++) {
                assertEquals(StoredDtype.bf16ToFloat(StoredDtype.floatToBf16(a[i])), got[i], 0f);
            }
            assertArrayEquals(b, floats(r.get("model.norm.weight")), 0f);
            float[] head = floats(r.get("lm_head.weight"));
            for (int i = 0; i < c.length; i++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(c[i])), head[i], 0f);
            }
            assertEquals(2.5f, floats(r.get("scalar"))[0], 0f);
            // a block read equals the same slice of the whole tensor
            ByteBuffer block = ByteBuffer.allocateDirect(4 * 600).order(ByteOrder.LITTLE_ENDIAN);
            r.readFloats("model.layers.0.mlp.up_proj.weight", 900, 600, block);
            float[] part = new float[600];
            block.asFloatBuffer().get(part);
            assertArrayEquals(java.util.Arrays.copyOfRange(got, 900, 1500), part, 0f);
            CheckpointException e = expectThrows(
                CheckpointException.class,
                () -> r.readFloats("model.norm.weight", 3, 4, block)
            );
            assertEquals("tensor [model.norm.weight] has 5 elements; cannot read [3, 7)", e.getMessage());
        }
        // storages are aligned to 64 bytes (as torch writes them, so torch.load(mmap=True) works)
        try (var ch = java.nio.channels.FileChannel.open(f)) {
            for (TorchBinZip.Entry e : TorchBinZip.readEntries(f, ch).values()) {
                if (e.name().startsWith("archive/data/")) {
                    assertEquals(e.name(), 0, e.dataOffset() % 64);
                }
            }
        }
    }

    public void testStreamedTensorsSpanSeveralBlocksWithAValidCrc() throws IOException {
        Path f = createTempDir().resolve("big.bin");
        long n = (1 << 22) * 2L + 3; // two full blocks and a short one
        try (TorchBinWriter w = TorchBinWriter.create(f)) {
            w.add("first", new long[]{2}, new float[]{1, 2}, StoredDtype.F32);
            w.add("big", new long[]{n}, StoredDtype.BF16, (first, count, out) -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(StoredDtype.floatToBf16((float) ((first + i) % 250)));
                }
            });
            w.add("last", new long[]{1}, new float[]{9}, StoredDtype.F16);
        }
        try (TensorSource r = TorchBinReader.open(f)) {
            ByteBuffer block = ByteBuffer.allocateDirect(4 * 4).order(ByteOrder.LITTLE_ENDIAN);
            r.readFloats("big", n - 4, 4, block);
            for (int i = 0; i < 4; i++) {
                assertEquals((float) ((n - 4 + i) % 250), block.getFloat(4 * i), 0f);
            }
            assertEquals(9f, floats(r.get("last"))[0], 0f);
        }
        // java.util.zip checks every entry's CRC-32 and size when reading it through
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(f.toFile())) {
            for (var e : java.util.Collections.list(z.entries())) {
                try (var in = z.getInputStream(e)) {
                    assertEquals(e.getName(), e.getSize(), in.transferTo(java.io.OutputStream.nullOutputStream()));
                }
            }
        }
    }

    public void testShardsAndIndexOpenAsOneCheckpoint() throws IOException {
        Path dir = createTempDir();
        try (TorchBinWriter w = TorchBinWriter.create(dir.resolve("pytorch_model-00001-of-00002.bin"))) {
            w.add("a", new long[]{2, 2}, new float[]{1, 2, 3, 4}, StoredDtype.BF16);
        }
        try (TorchBinWriter w = TorchBinWriter.create(dir.resolve("pytorch_model-00002-of-00002.bin"))) {
            w.add("b", new long[]{3}, new float[]{5, 6, 7}, StoredDtype.F16);
        }
        Files.writeString(
            dir.resolve("pytorch_model.bin.index.json"),
            "{\"metadata\":{\"total_size\":14},\"weight_map\":{\"a\":\"pytorch_model-00001-of-00002.bin\",\"b\":\"pytorch_model-00002-of-00002.bin\"}}"
        );
        try (TensorSource s = Checkpoints.open(dir)) {
            assertArrayEquals(new float[]{1, 2, 3, 4}, floats(s.get("a")), 0f);
            assertArrayEquals(new float[]{5, 6, 7}, floats(s.get("b")), 0f);
            ByteBuffer block = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
            s.readFloats("a", 2, 2, block);
            assertEquals(3f, block.getFloat(0), 0f);
            assertEquals(4f, block.getFloat(4), 0f);
        }
    }
}
