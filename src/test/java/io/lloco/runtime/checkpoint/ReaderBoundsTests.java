/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.runtime.tokenizer.HfTokenizer;

/**
 * One test per reader bug the mutation fuzz ({@link ReaderFuzzTests}) found, on a crafted file: each failed before the
 * fix with an unchecked exception, an allocation far beyond the file's size, an unclipped message, or (tokenizer) an
 * abort of the JVM; each is now a {@link CheckpointException} naming what is wrong, within the stated bounds.
 */
public class ReaderBoundsTests extends OpenSearchTestCase {

    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Path write(String name, byte[] bytes) throws Exception {
        Path f = createTempDir().resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private static byte[] safetensors(String headerJson, int dataBytes) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private static String message(Exception e) {
        return e.getMessage();
    }

    // ------------------------------------------------------------------------------------------ safetensors

    /** Was: ArithmeticException (long overflow) out of the reader. */
    public void testSafetensorsShapeWhoseSizeOverflows() throws Exception {
        Path f = write(
            "m.safetensors",
            safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4611686018427387904],\"data_offsets\":[0,16]}}", 16)
        );
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(message(e), message(e).contains("tensor [w]") && message(e).contains("overflows"));
    }

    /** Was accepted: two tensors over the same bytes (n tensors over one region multiply what a load allocates). */
    public void testSafetensorsOverlappingOffsetsAreRefused() throws Exception {
        Path f = write(
            "m.safetensors",
            safetensors(
                "{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[4,12]}}",
                12
            )
        );
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(message(e), message(e).contains("overlapping"));
        // tensors that touch without overlapping, and empty ones anywhere, are fine
        Path ok = write(
            "ok.safetensors",
            safetensors(
                "{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                    + "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]}}",
                12
            )
        );
        try (SafeTensorsReader r = SafeTensorsReader.open(ok)) {
            assertEquals(List.of("a", "e", "b"), List.copyOf(r.names()));
        }
    }

    /** Was: a message holding the whole 100,000-character name. */
    public void testSafetensorsMessagesQuoteNamesClipped() throws Exception {
        String name = "x".repeat(60_000);
        Path f = write("m.safetensors", safetensors("{\"" + name + "\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        CheckpointException e = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(f));
        assertTrue(message(e).length() < 1_000 + f.toString().length());
        assertTrue(message(e), message(e).contains("60000 characters"));
        // a name beyond the JSON limit is refused by the parser, also with a short message
        Path longer = write("l.safetensors", safetensors("{\"" + "y".repeat(100_000) + "\":{}}", 0));
        CheckpointException e2 = expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(longer));
        assertTrue(message(e2).length() < 1_000 + longer.toString().length());
    }

    /** More dimensions than PyTorch allows, and integers beyond 64 bits, are refused before any allocation. */
    public void testSafetensorsRankAndBigIntegers() throws Exception {
        String ones = String.join(",", java.util.Collections.nCopies(100_000, "1"));
        Path rank = write("r.safetensors", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + ones + "],\"data_offsets\":[0,4]}}", 4));
        assertTrue(message(expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(rank))).contains("more than 64"));
        Path big = write(
            "b.safetensors",
            safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551620]}}", 4)
        );
        assertTrue(message(expectThrows(CheckpointException.class, () -> SafeTensorsReader.open(big))).contains("64 bits"));
    }

    // ------------------------------------------------------------------------------------------ torch.save

    private static long allocated(ThrowingRunnable r) throws Throwable {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            r.run();
        } catch (CheckpointException expected) {
            // measured either way
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    private Path pickleBomb(byte[] pickle) throws Exception {
        return write("bomb.bin", zipOf(Map.of("archive/data.pkl", pickle)));
    }

    private static byte[] zipOf(Map<String, byte[]> entries) throws Exception {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(bos)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                java.util.zip.ZipEntry ze = new java.util.zip.ZipEntry(e.getKey());
                ze.setMethod(java.util.zip.ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    /**
     * Was: a memo bomb (MEMOIZE repeated) of 4 MB allocated ~65x its size in HashMap entries before failing (at the
     * 64 MB pickle limit of the time: gigabytes). Now refused at the interpreter's cap.
     */
    public void testPickleMemoBombIsRefusedWithinTheBound() throws Throwable {
        byte[] p = new byte[4 << 20];
        p[0] = (byte) 0x80;
        p[1] = 4;
        p[2] = ']';
        Arrays.fill(p, 3, p.length - 1, (byte) 0x94);
        p[p.length - 1] = '.';
        Path f = pickleBomb(p);
        long bytes = allocated(() -> TorchBinReader.open(f).close());
        CheckpointException e = expectThrows(CheckpointException.class, () -> TorchBinReader.open(f));
        assertTrue(message(e), message(e).contains("builds more objects"));
        assertTrue(bytes + " bytes", bytes <= PickleStateDict.BUDGET_MAX + 3 * Files.size(f) + (4L << 20));
    }

    /** Was: a list bomb (EMPTY_LIST, APPEND) allocated ~60x its size; now refused at the interpreter's cap. */
    public void testPickleListBombIsRefusedWithinTheBound() throws Throwable {
        int n = 1 << 20;
        byte[] p = new byte[2 + 2 * n];
        p[0] = (byte) 0x80;
        p[1] = 2;
        Arrays.fill(p, 2, 2 + n, (byte) ']');
        Arrays.fill(p, 2 + n, p.length - 1, (byte) 'a');
        p[p.length - 1] = '.';
        Path f = pickleBomb(p);
        long bytes = allocated(() -> TorchBinReader.open(f).close());
        assertTrue(message(expectThrows(CheckpointException.class, () -> TorchBinReader.open(f))).contains("builds more objects"));
        assertTrue(bytes + " bytes", bytes <= PickleStateDict.BUDGET_MAX + 3 * Files.size(f) + (4L << 20));
    }

    /** Was: a mark bomb boxed one Integer per byte (~50x); marks are now a plain int array: a few bytes per mark. */
    public void testPickleMarkBombStaysWithinTheBound() throws Throwable {
        byte[] p = new byte[2 + 900_000 + 1];
        p[0] = (byte) 0x80;
        p[1] = 2;
        Arrays.fill(p, 2, p.length - 1, (byte) '(');
        p[p.length - 1] = '.';
        Path f = pickleBomb(p);
        long bytes = allocated(() -> TorchBinReader.open(f).close());
        expectThrows(CheckpointException.class, () -> TorchBinReader.open(f));
        assertTrue(bytes + " bytes", bytes <= 16L * Files.size(f) + (4L << 20));
    }

    /** A view with stride 0 would expand a 64-byte storage into a 1 GiB tensor: refused at open (small ones are read). */
    public void testHugeBroadcastViewIsRefused() throws Throwable {
        Path f = write(
            "b.bin",
            ReaderFuzz.torchSave("FloatStorage", 16, 0, new long[]{1L << 28}, new long[]{0}, new byte[64])
        );
        CheckpointException e = expectThrows(CheckpointException.class, () -> TorchBinReader.open(f));
        assertTrue(message(e), message(e).contains("more than its storage's 16"));
        // the same file with a plain view is read
        Path ok = write("ok.bin", ReaderFuzz.torchSave("FloatStorage", 16, 0, new long[]{4, 4}, new long[]{4, 1}, new byte[64]));
        try (TensorSource s = TorchBinReader.open(ok)) {
            assertEquals(64, s.get("w").data().capacity());
        }
    }

    /** Was: ArithmeticException (long overflow) out of TorchBinFile for a storage of 2^62 doubles. */
    public void testStorageWhoseByteSizeOverflows() throws Throwable {
        Path f = write("o.bin", ReaderFuzz.torchSave("DoubleStorage", 1L << 62, 0, new long[]{2}, new long[]{1}, new byte[64]));
        CheckpointException e = expectThrows(CheckpointException.class, () -> TorchBinReader.open(f));
        assertTrue(message(e), message(e).contains("overflows"));
    }

    /** A stored zip entry whose declared size differs from its stored bytes is corrupt (was an IndexOutOfBounds). */
    public void testStoredEntrySizesMustAgree() throws Throwable {
        byte[] zip = ReaderFuzz.torchSave("FloatStorage", 16, 0, new long[]{16}, new long[]{1}, new byte[64]);
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 <= zip.length; i++) {
            if (b.getInt(i) == 0x02014b50) {
                b.putInt(i + 24, b.getInt(i + 24) + 1000); // the first entry's uncompressed size in the central directory
                break;
            }
        }
        Path f = write("s.bin", zip);
        CheckpointException e = expectThrows(CheckpointException.class, () -> TorchBinReader.open(f));
        assertTrue(message(e), message(e).contains("declares") || message(e).contains("corrupt"));
    }

    /** A ZIP64 local header offset near 2^63 (was an overflow past the bounds check, then IllegalArgumentException). */
    public void testZip64OffsetNearTheLongLimit() throws Throwable {
        Path seed = Path.of(System.getProperty("lloco.project.dir", "."), "src/test/resources/torchbin/zip64.bin");
        byte[] zip = Files.readAllBytes(seed);
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        boolean patched = false;
        for (int i = 0; i + 46 <= zip.length && patched == false; i++) {
            if (b.getInt(i) == 0x02014b50) {
                int nameLen = b.getShort(i + 28) & 0xFFFF;
                int extraLen = b.getShort(i + 30) & 0xFFFF;
                b.putInt(i + 42, 0xFFFFFFFF); // the offset lives in the ZIP64 extra field
                for (int e = i + 46 + nameLen; e + 4 <= i + 46 + nameLen + extraLen;) {
                    int id = b.getShort(e) & 0xFFFF;
                    int len = b.getShort(e + 2) & 0xFFFF;
                    if (id == 1 && len >= 8) {
                        b.putLong(e + 4 + len - 8, Long.MAX_VALUE - 10);
                        patched = true;
                        break;
                    }
                    e += 4 + len;
                }
            }
        }
        assumeTrue("zip64.bin has a ZIP64 extra field with the local header offset", patched);
        Path f = write("z.bin", zip);
        expectThrows(CheckpointException.class, () -> TorchBinReader.open(f));
    }

    /** Real torch.save pickles are charged far below the allocation allowance: the bound refuses only bombs. */
    public void testRealPicklesUseAFractionOfTheAllowance() throws Exception {
        Path dir = Path.of(System.getProperty("lloco.project.dir", "."), "src/test/resources/torchbin");
        for (String n : List.of("f32", "f16", "bf16", "dtypes", "noncontig", "params", "tied", "zip64", "archive_byteorder")) {
            Path f = dir.resolve(n + ".bin");
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                Map<String, TorchBinZip.Entry> entries = TorchBinZip.readEntries(f, ch);
                TorchBinZip.Entry pkl = entries.values().stream().filter(e -> e.name().endsWith("data.pkl")).findFirst().orElseThrow();
                byte[] pickle = TorchBinZip.readSmall(f, ch, pkl, TorchBinReader.MAX_PICKLE_BYTES);
                long charged = PickleStateDict.charged(f, pickle);
                // small files: within a tenth of the fixed allowance
                assertTrue(n + ": " + charged + " for " + pickle.length, charged <= PickleStateDict.BUDGET_BASE / 10);
                logger.info(
                    "pickle of {}: {} bytes charged for {} bytes ({} tensors)",
                    n,
                    charged,
                    pickle.length,
                    entries.keySet().stream().filter(k -> k.contains("/data/")).count()
                );
            }
        }
    }

    /**
     * A state dict of 5,000 tensors pickled as torch.save does (protocol 2, every object memoized, globals fetched from
     * the memo, SETITEMS in batches of 1,000): its charge stays under half the allowance, so the bound refuses bombs,
     * not large real checkpoints (about 4.5 KB charged per tensor of ~125 pickle bytes; real allocation ~85% of it).
     */
    public void testLargeStateDictPickleFitsTheAllowance() throws Exception {
        int n = 5_000;
        java.io.ByteArrayOutputStream p = new java.io.ByteArrayOutputStream();
        int[] memo = {0};
        java.util.function.Consumer<java.io.ByteArrayOutputStream> put = o -> {
            o.write('r');
            o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(memo[0]++).array());
        };
        java.util.function.BiConsumer<java.io.ByteArrayOutputStream, String> str = (o, v) -> {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            o.write('X');
            o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            o.writeBytes(b);
            put.accept(o);
        };
        java.util.function.BiConsumer<java.io.ByteArrayOutputStream, Integer> get = (o, i) -> {
            o.write('j');
            o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(i).array());
        };
        p.writeBytes(new byte[]{(byte) 0x80, 2});
        p.writeBytes("ccollections\nOrderedDict\n".getBytes(StandardCharsets.US_ASCII));
        int orderedDict = memo[0];
        put.accept(p);
        p.writeBytes(new byte[]{')', 'R'});
        put.accept(p);
        p.write('(');
        int rebuild = -1;
        int floatStorage = -1;
        for (int t = 0; t < n; t++) {
            str.accept(p, "model.layers." + t / 9 + ".proj" + t % 9 + ".weight");
            if (rebuild < 0) {
                p.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII));
                rebuild = memo[0];
                put.accept(p);
            } else {
                get.accept(p, rebuild);
            }
            p.writeBytes(new byte[]{'(', '('});
            str.accept(p, "storage");
            if (floatStorage < 0) {
                p.writeBytes("ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
                floatStorage = memo[0];
                put.accept(p);
            } else {
                get.accept(p, floatStorage);
            }
            str.accept(p, Integer.toString(t));
            str.accept(p, "cpu");
            p.writeBytes(new byte[]{'M', 0, 0x10, 't'}); // numel 4096
            put.accept(p);
            p.write('Q');
            p.writeBytes(new byte[]{'K', 0, 'K', 64, 'K', 64, (byte) 0x86});
            put.accept(p);
            p.writeBytes(new byte[]{'K', 64, 'K', 1, (byte) 0x86});
            put.accept(p);
            p.write(0x89);
            get.accept(p, orderedDict);
            p.writeBytes(new byte[]{')', 'R'});
            put.accept(p);
            p.write('t');
            put.accept(p);
            p.write('R');
            put.accept(p);
            if (t % 1_000 == 999) {
                p.writeBytes(new byte[]{'u', '('});
            }
        }
        p.writeBytes(new byte[]{'u', '.'});
        byte[] pickle = p.toByteArray();
        Map<String, PickleStateDict.TensorRef> parsed = PickleStateDict.parse(Path.of("many.bin"), pickle);
        assertEquals(n, parsed.size());
        long charged = PickleStateDict.charged(Path.of("many.bin"), pickle);
        logger.info(
            "{} tensors: {} pickle bytes, {} charged, allowance {}",
            n,
            pickle.length,
            charged,
            PickleStateDict.allocationBound(pickle.length)
        );
        assertTrue(
            charged + " of " + PickleStateDict.allocationBound(pickle.length),
            charged <= PickleStateDict.allocationBound(pickle.length) / 2
        );
    }

    // ------------------------------------------------------------------------------------------ index, config

    /** Was: InvalidPathException out of the index readers for a shard name holding NUL. */
    public void testShardNameWithNulIsRefused() throws Exception {
        Path dir = createTempDir();
        Files.writeString(dir.resolve("pytorch_model.bin.index.json"), "{\"weight_map\":{\"w\":\"a\\u0000b.bin\"}}");
        expectThrows(CheckpointException.class, () -> TorchBinReader.openIndex(dir.resolve("pytorch_model.bin.index.json")));
        Files.delete(dir.resolve("pytorch_model.bin.index.json"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"w\":\"a\\u0000b.safetensors\"}}");
        expectThrows(CheckpointException.class, () -> Checkpoints.open(dir));
    }

    /** config.json is read up to a cap (was: read whole, whatever its size), and quotes are clipped. */
    public void testConfigIsCappedAndQuotesAreClipped() throws Exception {
        Path big = write(
            "config.json",
            ("{\"pad\":\"" + "x".repeat((int) LlamaConfig.MAX_CONFIG_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8)
        );
        assertTrue(message(expectThrows(CheckpointException.class, () -> LlamaConfig.load(big))).contains("larger than"));
        String huge = "[" + String.join(",", java.util.Collections.nCopies(50_000, "1")) + "]";
        Path clipped = write("c.json", ("{\"hidden_size\":" + huge + "}").getBytes(StandardCharsets.UTF_8));
        CheckpointException e = expectThrows(CheckpointException.class, () -> LlamaConfig.load(clipped));
        assertTrue(message(e), message(e).length() < 1_000 + clipped.toString().length() && message(e).contains("hidden_size"));
    }

    // ------------------------------------------------------------------------------------------ tokenizer

    private Path tokenizer(String json) throws Exception {
        return write("tokenizer.json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static String withDecoder(String base, String decoder) {
        return base.substring(0, base.lastIndexOf('}')) + ",\"decoder\":" + decoder + "}";
    }

    private static String tinyBpe(java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit) throws Exception {
        Path dir = Files.createTempDirectory("tok");
        Path t = io.lloco.runtime.tokenizer.TinyTokenizer.write(dir);
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(
            Files.readString(Files.isDirectory(t) ? t.resolve("tokenizer.json") : t)
        );
        root.remove("decoder");
        edit.accept(root);
        return m.writeValueAsString(root);
    }

    /**
     * Inputs that made the native tokenizers library panic, which aborts the JVM (found by the fuzz: a decoder value
     * serde_json rejects, here an unpaired surrogate escape): refused in Java first.
     */
    public void testTokenizerInputsThatWouldAbortTheJvmAreRefused() throws Exception {
        String base = tinyBpe(root -> {
        });
        HfTokenizer.load(tokenizer(base)).close(); // control: the base file loads
        String precompiled = tinyBpe(root -> root.putObject("normalizer").put("type", "Precompiled").put("precompiled_charsmap", "AAAA"));
        for (String bad : List.of(
            withDecoder(base, "{\"type\":\"Replace\",\"pattern\":{\"String\":\"\\ud800\"},\"content\":\" \"}"),
            withDecoder(base, "{\"type\":\"Strip\",\"content\":\" \",\"start\":0,\"stop\":2}"),
            withDecoder(base, "{\"type\":\"Fuse\",\"x\":1e999}"),
            precompiled,
            "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[\"a a\"]},\"model\":{}}"
        )) {
            CheckpointException e = expectThrows(CheckpointException.class, () -> HfTokenizer.load(tokenizer(bad)));
            assertTrue(message(e), message(e).contains("tokenizer ["));
        }
    }

    /** Was: loaded, then every encode threw an unchecked native error (WordPiece unk_token not in the vocabulary). */
    public void testTokenizerThatCannotEncodeIsRefusedAtLoad() throws Exception {
        String json = Files.readString(
            Path.of(System.getProperty("lloco.project.dir", "."), "src/main/resources/io/lloco/models/lloco-tiny/tokenizer.json")
        );
        String broken = json.replaceFirst("\"unk_token\"\\s*:\\s*\"[^\"]*\"", "\"unk_token\":\"<not-in-vocab>\"");
        assertNotEquals(json, broken);
        CheckpointException e = expectThrows(CheckpointException.class, () -> HfTokenizer.load(tokenizer(broken)));
        assertTrue(message(e), message(e).contains("cannot encode"));
    }
}
