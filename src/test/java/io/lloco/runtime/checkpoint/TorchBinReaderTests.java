/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Checks {@link TorchBinReader} against files written by real {@code torch.save} (Debian's python3-torch
 * 1.13, see tools/reference/make_torchbin_fixtures.py). Expected values come from torch itself
 * ({@code t.float()}), stored in companion F32 safetensors files parsed here by hand.
 */
public class TorchBinReaderTests extends OpenSearchTestCase {

    private static Path dir() {
        return Path.of(System.getProperty("lloco.project.dir", ".")).resolve("src/test/resources/torchbin");
    }

    /** Expected tensors: name -> (shape, float32 values, stored dtype), in file order. */
    private record Expected(long[] shape, float[] values, String dtype) {
    }

    private static Map<String, Expected> expected(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, n, StandardCharsets.UTF_8));
        JsonNode meta = header.get("__metadata__");
        List<String[]> order = new ArrayList<>();
        header.fields().forEachRemaining(e -> {
            if (e.getKey().equals("__metadata__") == false) {
                order.add(new String[]{e.getKey(), String.valueOf(e.getValue().get("data_offsets").get(0).asLong())});
            }
        });
        order.sort((x, y) -> Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1])));
        Map<String, Expected> out = new LinkedHashMap<>();
        for (String[] o : order) {
            JsonNode t = header.get(o[0]);
            assertEquals("F32", t.get("dtype").asText());
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            int begin = 8 + n + (int) t.get("data_offsets").get(0).asLong();
            int end = 8 + n + (int) t.get("data_offsets").get(1).asLong();
            float[] v = new float[(end - begin) / 4];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getFloat(begin + 4 * i);
            }
            out.put(o[0], new Expected(shape, v, meta.get("dtype:" + o[0]).asText()));
        }
        return out;
    }

    /** Opens {@code bin} and checks names (in order), shapes, stored dtypes and bit-exact values. */
    private static int assertMatches(Path bin, Path expectedFile) throws IOException {
        Map<String, Expected> exp = expected(expectedFile);
        int checked = 0;
        try (TensorSource src = TorchBinReader.open(bin)) {
            assertEquals(new ArrayList<>(exp.keySet()), new ArrayList<>(src.names()));
            for (Map.Entry<String, Expected> e : exp.entrySet()) {
                String name = e.getKey();
                Expected x = e.getValue();
                assertArrayEquals(name, x.shape(), src.shape(name));
                HostTensor t = src.get(name);
                assertEquals(name, t.name());
                assertArrayEquals(name, x.shape(), t.shape());
                assertEquals(name, x.dtype(), t.storedDtype());
                assertTrue(name, t.data().isDirect());
                assertEquals(ByteOrder.LITTLE_ENDIAN, t.data().order());
                assertEquals(name, 0, t.data().position());
                assertEquals(name, 4L * x.values().length, t.data().limit());
                assertEquals(name, x.values().length, t.numel());
                for (int i = 0; i < x.values().length; i++) {
                    float got = t.data().getFloat(4 * i);
                    if (Float.floatToIntBits(got) != Float.floatToIntBits(x.values()[i])) {
                        fail(String.format(Locale.ROOT, "%s %s[%d]: got %s, expected %s", bin.getFileName(), name, i, got, x.values()[i]));
                    }
                    checked++;
                }
            }
        }
        return checked;
    }

    private void check(String stem) throws IOException {
        assertTrue(assertMatches(dir().resolve(stem + ".bin"), dir().resolve(stem + ".expected.safetensors")) > 0);
    }

    public void testFloat32StateDictWithMetadata() throws IOException {
        check("f32");
    }

    public void testFloat16WidenedExactly() throws IOException {
        check("f16");
    }

    public void testBFloat16WidenedExactly() throws IOException {
        check("bf16");
    }

    public void testEdgeValuesAndOtherDtypes() throws IOException {
        check("dtypes");
        try (TensorSource src = TorchBinReader.open(dir().resolve("dtypes.bin"))) {
            HostTensor bf = src.get("bf16_edges");
            assertEquals(Float.POSITIVE_INFINITY, bf.data().getFloat(7 * 4), 0f);
            assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(bf.data().getFloat(4)));
            assertEquals(65504f, src.get("f16_edges").data().getFloat(4 * 4), 0f);
            assertEquals(16777216f, src.get("i32").data().getFloat(8), 0f);
            assertEquals(255f, src.get("u8").data().getFloat(8), 0f);
            assertEquals(0, src.get("empty").data().limit());
            assertArrayEquals(new long[]{0, 4}, src.shape("empty"));
        }
    }

    public void testParametersAreRebuilt() throws IOException {
        check("params");
    }

    public void testSharedStoragesAndOffsets() throws IOException {
        check("tied");
        try (TensorSource src = TorchBinReader.open(dir().resolve("tied.bin"))) {
            HostTensor a = src.get("model.embed_tokens.weight");
            HostTensor b = src.get("lm_head.weight");
            assertEquals(a.data(), b.data());
            assertNotSame(a.data(), b.data()); // each get returns its own buffer
            HostTensor rows = src.get("rows_2_to_4");
            assertEquals(a.data().getFloat(2 * 4 * 4), rows.data().getFloat(0), 0f);
        }
    }

    public void testNonContiguousViewsAreMaterialised() throws IOException {
        check("noncontig");
        try (TensorSource src = TorchBinReader.open(dir().resolve("noncontig.bin"))) {
            HostTensor e = src.get("expanded"); // stride 0: every row is 0,1,2,3
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 4; c++) {
                    assertEquals(c, e.data().getFloat((r * 4 + c) * 4), 0f);
                }
            }
        }
    }

    public void testShardedIndex() throws IOException {
        Path index = dir().resolve("sharded/pytorch_model.bin.index.json");
        assertTrue(assertMatches(index, dir().resolve("sharded/expected.safetensors")) > 0);
        try (TensorSource viaIndex = TorchBinReader.openIndex(index)) {
            assertEquals(5, viaIndex.names().size());
            CheckpointException e = expectThrows(CheckpointException.class, () -> viaIndex.get("model.layers.9.mlp.up_proj.weight"));
            assertTrue(e.getMessage(), e.getMessage().contains("no tensor [model.layers.9.mlp.up_proj.weight]"));
        }
    }

    public void testShardIndexErrors() {
        CheckpointException wrong = expectThrows(
            CheckpointException.class,
            () -> TorchBinReader.openIndex(dir().resolve("sharded/wrong_shard.index.json"))
        );
        assertTrue(
            wrong.getMessage(),
            wrong.getMessage()
                .contains("puts tensor [model.norm.weight] in shard [pytorch_model-00001-of-00002.bin], which does not contain it")
        );
        CheckpointException escape = expectThrows(
            CheckpointException.class,
            () -> TorchBinReader.openIndex(dir().resolve("sharded/escape.index.json"))
        );
        assertTrue(escape.getMessage(), escape.getMessage().contains("outside the checkpoint directory"));
        CheckpointException missing = expectThrows(
            CheckpointException.class,
            () -> TorchBinReader.openIndex(dir().resolve("sharded/nope.index.json"))
        );
        assertTrue(missing.getMessage(), missing.getMessage().contains("does not exist"));
    }

    public void testNewerLayoutWithByteorderAndZip64() throws IOException {
        assertTrue(assertMatches(dir().resolve("archive_byteorder.bin"), dir().resolve("archive_byteorder.expected.safetensors")) > 0);
        check("zip64");
        // the fixture really uses ZIP64 records: the classic end record's offset field is 0xFFFFFFFF
        byte[] z = Files.readAllBytes(dir().resolve("zip64.bin"));
        assertEquals(0xFFFFFFFFL, ByteBuffer.wrap(z, z.length - 6, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL);
        CheckpointException big = expectThrows(CheckpointException.class, () -> TorchBinReader.open(dir().resolve("bigendian.bin")));
        assertTrue(big.getMessage(), big.getMessage().contains("byteorder [big]"));
    }

    public void testRefusesOsSystemGlobal() {
        Path file = dir().resolve("malicious_system.bin");
        CheckpointException e = expectThrows(CheckpointException.class, () -> TorchBinReader.open(file));
        assertTrue(e.getMessage(), e.getMessage().contains("refuses pickle global posix.system: only tensor state dicts are supported"));
        assertTrue(e.getMessage(), e.getMessage().contains(file.toString()));
        // the fixture's payload is `os.system("echo ... > /tmp/lloco_pwned")` (see make_torchbin_fixtures.py): it must not have run
        assertFalse(Files.exists(Path.of("/tmp/lloco_pwned")));
    }

    public void testRefusesNestedTorchLoad() {
        CheckpointException e = expectThrows(
            CheckpointException.class,
            () -> TorchBinReader.open(dir().resolve("malicious_load_from_bytes.bin"))
        );
        assertTrue(e.getMessage(), e.getMessage().contains("refuses pickle global torch.storage._load_from_bytes"));
    }

    public void testRefusesNonStateDicts() {
        CheckpointException nested = expectThrows(CheckpointException.class, () -> TorchBinReader.open(dir().resolve("nested.bin")));
        assertTrue(nested.getMessage(), nested.getMessage().contains("entry [model] is a dict, not a tensor"));
        CheckpointException legacy = expectThrows(CheckpointException.class, () -> TorchBinReader.open(dir().resolve("legacy.bin")));
        assertTrue(legacy.getMessage(), legacy.getMessage().contains("legacy (PyTorch < 1.6) non-zip torch.save format"));
        CheckpointException missing = expectThrows(CheckpointException.class, () -> TorchBinReader.open(dir().resolve("absent.bin")));
        assertTrue(missing.getMessage(), missing.getMessage().contains("does not exist"));
    }

    public void testTruncatedFilesAreRefused() throws IOException {
        byte[] full = Files.readAllBytes(dir().resolve("f32.bin"));
        Path tmp = createTempDir();
        for (int len : new int[]{0, 10, 100, full.length / 2, full.length - 30, full.length - 1}) {
            Path cut = tmp.resolve("cut" + len + ".bin");
            Files.write(cut, Arrays.copyOf(full, len));
            CheckpointException e = expectThrows(CheckpointException.class, () -> TorchBinReader.open(cut));
            assertTrue(e.getMessage(), e.getMessage().contains(cut.toString()));
        }
    }

    public void testCorruptPickleFailsCrc() throws IOException {
        byte[] bytes = Files.readAllBytes(dir().resolve("f32.bin"));
        byte[] marker = "_rebuild_tensor_v2".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(bytes, marker);
        assertTrue(at > 0);
        bytes[at] = 'X';
        Path bad = createTempDir().resolve("crc.bin");
        Files.write(bad, bytes);
        CheckpointException e = expectThrows(CheckpointException.class, () -> TorchBinReader.open(bad));
        assertTrue(e.getMessage(), e.getMessage().contains("CRC-32"));
    }

    public void testUnknownTensorNamed() throws IOException {
        try (TensorSource src = TorchBinReader.open(dir().resolve("f32.bin"))) {
            CheckpointException e = expectThrows(CheckpointException.class, () -> src.get("nope.weight"));
            assertTrue(e.getMessage(), e.getMessage().contains("no tensor [nope.weight]"));
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer : for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
