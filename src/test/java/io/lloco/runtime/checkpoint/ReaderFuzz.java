/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.tokenizer.HfTokenizer;
import io.lloco.runtime.tokenizer.TinyTokenizer;

/**
 * Seeded, deterministic mutation fuzzing of the readers of a model directory: safetensors ({@link SafeTensorsReader}),
 * {@code torch.save} zip-pickles ({@link TorchBinReader}: {@link TorchBinZip}, {@link PickleStateDict},
 * {@link TorchBinFile}), shard indexes ({@link Checkpoints}, {@link TorchBinReader#openIndex}), {@code config.json}
 * ({@link LlamaConfig}) and {@code tokenizer.json} ({@link HfTokenizer}).
 *
 * <p>Every case takes a valid file, applies 1-3 mutations drawn from a {@link SplittableRandom} seeded by
 * (seed, target, case number) — byte-level (bit flips, interesting bytes and integers, truncation, insertion, deletion,
 * duplication) and format-aware (header lengths, offsets, shapes, dtypes, non-ASCII and huge names, deep nesting,
 * forbidden pickle globals, list/memo/mark bombs, huge storages and shapes, broadcast views, zip directory fields,
 * path traversal in shard names, hostile tokenizer models and regexes) — writes the file and runs the reader over it
 * the way the runtime does (open, every shape, every tensor, close; load and encode for a tokenizer).
 *
 * <p>A case passes when the reader accepts the file or throws a {@link CheckpointException} with a message of at
 * most {@value #MAX_MESSAGE} characters (plus the file path), within the stated allocation bounds: heap allocated by
 * the reading thread at most {@value #HEAP_PER_BYTE} x the bytes of the files read + {@value #HEAP_BASE_MIB} MiB
 * ({@code torch.save} files: {@value #TORCH_HEAP_PER_BYTE} x, and never more than {@link #TORCH_HEAP_CAP}: the pickle
 * interpreter's cap and three copies of the largest {@code data.pkl}, which is also the bound of an archive whose
 * entries are deflated), and direct (off-heap) buffers returned at most 2 x the data
 * bytes in all for safetensors (tensors may not overlap) and, per tensor, 4 x the file (or 64 MiB for a broadcast
 * view) for {@code torch.save} files. Anything else — another exception, an {@link Error} such as
 * {@link OutOfMemoryError} or {@link StackOverflowError}, a bound exceeded, an unclipped message — is a finding,
 * saved under the report's directory for replay. A hang is caught by the test's timeout; a JVM crash by the forked
 * JVM's death, the last case started being written to {@code progress.txt} first.
 */
final class ReaderFuzz {

    /** The readers under test. */
    enum Target {
        SAFETENSORS, TORCH_BIN, SHARD_INDEX, CONFIG, TOKENIZER
    }

    /** What one case did. */
    enum Outcome {
        ACCEPTED, REJECTED, FINDING
    }

    /** Heap allowance per byte of the files a case reads (torch.save files: {@link #TORCH_HEAP_PER_BYTE}). */
    static final long HEAP_PER_BYTE = 32;
    /** Heap allowance per byte of torch.save files: the pickle interpreter's allowance, 80, and the archive's copies. */
    static final long TORCH_HEAP_PER_BYTE = 96;
    /**
     * Heap cap of opening any torch.save file: the interpreter's cap and up to three copies of the largest data.pkl.
     * It is the bound of a file whose data.pkl is deflated (its size then says little about the pickle's).
     */
    static final long TORCH_HEAP_CAP = PickleStateDict.BUDGET_MAX + 3 * TorchBinReader.MAX_PICKLE_BYTES;

    /** Whether any central directory record of a zip declares deflate (method 8). */
    static boolean hasDeflatedEntry(byte[] zip) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 12 <= zip.length; i++) {
            if (b.getInt(i) == 0x02014b50 && (b.getShort(i + 10) & 0xFFFF) != 0) {
                return true;
            }
        }
        return false;
    }
    /** Heap allowance of any case (MiB). */
    static final long HEAP_BASE_MIB = 4;
    /** Longest error message accepted, besides the file path. */
    static final int MAX_MESSAGE = 1_000;

    /** One case's result. */
    record CaseResult(
        Target target,
        int index,
        String mutation,
        Outcome outcome,
        String kind,
        String detail,
        long fileBytes,
        long heapBytes,
        long directBytes) {
    }

    /** Totals of a run. */
    static final class Report {

        final Map<Target, Map<Outcome, Integer>> outcomes = new EnumMap<>(Target.class);
        final Map<Target, Map<String, Integer>> kinds = new EnumMap<>(Target.class);
        final List<CaseResult> findings = new ArrayList<>();
        final Map<Target, Double> maxHeapRatio = new EnumMap<>(Target.class);
        final Map<Target, Long> maxHeap = new EnumMap<>(Target.class);
        int cases;
        long nanos;

        void add(CaseResult r) {
            cases++;
            outcomes.computeIfAbsent(r.target(), t -> new EnumMap<>(Outcome.class)).merge(r.outcome(), 1, Integer::sum);
            kinds.computeIfAbsent(r.target(), t -> new TreeMap<>()).merge(r.kind(), 1, Integer::sum);
            if (r.outcome() == Outcome.FINDING) {
                findings.add(r);
            }
            double ratio = (double) Math.max(0, r.heapBytes() - (HEAP_BASE_MIB << 20)) / Math.max(1, r.fileBytes());
            maxHeapRatio.merge(r.target(), ratio, Math::max);
            maxHeap.merge(r.target(), r.heapBytes(), Math::max);
        }

        /** A plain-text summary: cases, outcomes and rejection kinds per target, findings, time. */
        String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%d cases in %.1f s, %d findings%n", cases, nanos / 1e9, findings.size()));
            for (Map.Entry<Target, Map<Outcome, Integer>> e : outcomes.entrySet()) {
                Map<Outcome, Integer> o = e.getValue();
                sb.append(
                    String.format(
                        Locale.ROOT,
                        "%-12s accepted %5d  rejected %5d  findings %d  max heap %.1f MiB (%.2f bytes/file byte above the base)%n",
                        e.getKey(),
                        o.getOrDefault(Outcome.ACCEPTED, 0),
                        o.getOrDefault(Outcome.REJECTED, 0),
                        o.getOrDefault(Outcome.FINDING, 0),
                        maxHeap.getOrDefault(e.getKey(), 0L) / 1048576.0,
                        maxHeapRatio.getOrDefault(e.getKey(), 0.0)
                    )
                );
                kinds.getOrDefault(e.getKey(), Map.of())
                    .entrySet()
                    .stream()
                    .sorted((a, b) -> b.getValue() - a.getValue())
                    .forEach(k -> sb.append(String.format(Locale.ROOT, "    %5d  %s%n", k.getValue(), k.getKey())));
            }
            for (CaseResult f : findings.subList(0, Math.min(20, findings.size()))) {
                sb.append(
                    String.format(Locale.ROOT, "FINDING %s #%d [%s]: %s %s%n", f.target(), f.index(), f.mutation(), f.kind(), f.detail())
                );
            }
            return sb.toString();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final Path work;
    private final long seed;
    private final Map<Target, List<Seed>> seeds = new EnumMap<>(Target.class);

    /** A valid input: a name and its bytes (shard indexes: the index; the shards sit next to it in {@link #dir}). */
    private record Seed(String name, byte[] bytes, Path dir, String fileName) {
    }

    ReaderFuzz(Path work, long seed, Path projectDir) throws IOException {
        this.work = work;
        this.seed = seed;
        Files.createDirectories(work);
        buildSeeds(projectDir);
    }

    // ------------------------------------------------------------------------------------------------ seeds

    private void buildSeeds(Path project) throws IOException {
        Path dir = Files.createDirectories(work.resolve("seeds"));
        SplittableRandom r = new SplittableRandom(seed);
        List<Seed> st = new ArrayList<>();
        StoredDtype[] dtypes = {StoredDtype.F32, StoredDtype.F16, StoredDtype.BF16};
        for (int i = 0; i < dtypes.length; i++) {
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt").metadata("note", "seed " + i);
            int n = 1 + r.nextInt(4);
            for (int t = 0; t < n; t++) {
                long[] shape = t == 0 && i == 0 ? new long[0] : new long[]{1 + r.nextInt(4), 1 + r.nextInt(5)};
                float[] v = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
                for (int k = 0; k < v.length; k++) {
                    v[k] = (float) r.nextGaussian();
                }
                w.add("model.layers." + t + ".weight", shape, v);
            }
            Path f = dir.resolve("seed" + i + ".safetensors");
            w.write(f, dtypes[i]);
            st.add(new Seed(f.getFileName().toString(), Files.readAllBytes(f), null, null));
        }
        // float64 (the writer does not produce it): by hand, with header padding as the reference writer does
        ObjectNode h64 = NODES.objectNode();
        h64.putObject("__metadata__").put("format", "pt");
        ObjectNode t64 = h64.putObject("lm_head.weight").put("dtype", "F64");
        t64.putArray("shape").add(2).add(3);
        t64.putArray("data_offsets").add(0).add(48);
        ByteBuffer d64 = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 6; k++) {
            d64.putDouble(r.nextGaussian());
        }
        st.add(new Seed("seed-f64.safetensors", safetensors(JSON.writeValueAsBytes(h64), d64.array(), 5), null, null));
        seeds.put(Target.SAFETENSORS, st);

        List<Seed> tb = new ArrayList<>();
        Path torchbin = project.resolve("src/test/resources/torchbin");
        for (String n : List.of("f32", "f16", "bf16", "dtypes", "noncontig", "params", "tied", "zip64", "archive_byteorder")) {
            tb.add(new Seed(n + ".bin", Files.readAllBytes(torchbin.resolve(n + ".bin")), null, null));
        }
        seeds.put(Target.TORCH_BIN, tb);

        List<Seed> idx = new ArrayList<>();
        Path sharded = Files.createDirectories(dir.resolve("torch-sharded")); // a copy: cases rewrite the index in place
        for (String f : List.of("pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin")) {
            Files.copy(torchbin.resolve("sharded").resolve(f), sharded.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        byte[] torchIndex = Files.readAllBytes(torchbin.resolve("sharded/pytorch_model.bin.index.json"));
        idx.add(new Seed("torch-index", torchIndex, sharded, Checkpoints.TORCH_BIN_INDEX));
        Path stDir = Files.createDirectories(dir.resolve("st-sharded"));
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int s = 0; s < 2; s++) {
            String shard = String.format(Locale.ROOT, "model-%05d-of-00002.safetensors", s + 1);
            new SafeTensorsWriter().add("w" + s + ".a", new long[]{2, 2}, new float[]{1, 2, 3, 4})
                .add("w" + s + ".b", new long[]{3}, new float[]{5, 6, 7})
                .write(stDir.resolve(shard), StoredDtype.F16);
            weightMap.put("w" + s + ".a", shard);
            weightMap.put("w" + s + ".b", shard);
        }
        ObjectNode stIndex = NODES.objectNode();
        stIndex.putObject("metadata").put("total_size", 28);
        weightMap.forEach(stIndex.putObject("weight_map")::put);
        idx.add(new Seed("safetensors-index", JSON.writeValueAsBytes(stIndex), stDir, Checkpoints.SAFETENSORS_INDEX));
        seeds.put(Target.SHARD_INDEX, idx);

        List<Seed> cfg = new ArrayList<>();
        byte[] tiny = Files.readAllBytes(project.resolve("src/main/resources/io/lloco/models/lloco-tiny/config.json"));
        cfg.add(new Seed("lloco-tiny", tiny, null, null));
        ObjectNode gqa = (ObjectNode) JSON.readTree(tiny);
        gqa.put("num_key_value_heads", 2).putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
        gqa.putArray("eos_token_id").add(2).add(5);
        gqa.remove("head_dim");
        cfg.add(new Seed("gqa-linear-rope", JSON.writeValueAsBytes(gqa), null, null));
        seeds.put(Target.CONFIG, cfg);

        List<Seed> tok = new ArrayList<>();
        tok.add(
            new Seed(
                "lloco-tiny", Files.readAllBytes(project.resolve("src/main/resources/io/lloco/models/lloco-tiny/tokenizer.json")), null,
                null
            )
        );
        Path tinyTok = TinyTokenizer.write(Files.createDirectories(dir.resolve("tiny-tokenizer")));
        tok.add(
            new Seed("tiny-bpe", Files.readAllBytes(Files.isDirectory(tinyTok) ? tinyTok.resolve("tokenizer.json") : tinyTok), null, null)
        );
        seeds.put(Target.TOKENIZER, tok);
    }

    // ------------------------------------------------------------------------------------------------ running

    /** Runs {@code cases} cases of each target (in target order, case numbers from 0), appending to {@code report}. */
    Report run(Map<Target, Integer> cases) throws IOException {
        Report report = new Report();
        Path progress = work.resolve("progress.txt");
        long t0 = System.nanoTime();
        for (Map.Entry<Target, Integer> e : cases.entrySet()) {
            for (Seed s : seeds.get(e.getKey())) {
                // warm up (class loading, first-use caches), and every seed must be a file the reader accepts
                CaseResult seedResult = check(e.getKey(), -1, s, s.bytes(), "seed " + s.name());
                if (seedResult.outcome() != Outcome.ACCEPTED) {
                    throw new AssertionError("seed " + s.name() + " of " + e.getKey() + " is not accepted: " + seedResult);
                }
            }
            for (int i = 0; i < e.getValue(); i++) {
                Files.writeString(progress, e.getKey() + " " + i + "\n", StandardCharsets.UTF_8);
                report.add(runCase(e.getKey(), i));
            }
        }
        report.nanos = System.nanoTime() - t0;
        return report;
    }

    /** One case: deterministic in (seed, target, index). */
    CaseResult runCase(Target target, int index) throws IOException {
        SplittableRandom r = new SplittableRandom(mix(seed, target.ordinal(), index));
        List<Seed> list = seeds.get(target);
        Seed s = list.get(r.nextInt(list.size()));
        StringBuilder desc = new StringBuilder(s.name());
        byte[] mutated = switch (target) {
            case SAFETENSORS -> mutateSafetensors(s.bytes(), r, desc);
            case TORCH_BIN -> mutateTorchBin(s.bytes(), r, desc);
            case SHARD_INDEX, CONFIG -> mutateJson(s.bytes(), r, desc, target == Target.SHARD_INDEX);
            case TOKENIZER -> mutateTokenizer(s.bytes(), r, desc);
        };
        CaseResult res = check(target, index, s, mutated, desc.toString());
        if (res.outcome() == Outcome.FINDING) {
            Path keep = Files.createDirectories(work.resolve("findings"));
            Files.write(keep.resolve(target + "-" + index + ".bin"), mutated);
            Files.writeString(
                work.resolve("findings.txt"),
                String.format(Locale.ROOT, "%s #%d [%s]: %s %s%n", target, index, res.mutation(), res.kind(), res.detail()),
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND
            );
        }
        return res;
    }

    private static long mix(long seed, int target, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (target + 1) + 0xBF58476D1CE4E5B9L * (index + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Writes {@code bytes} where the reader expects them and reads them as the runtime would. */
    private CaseResult check(Target target, int index, Seed s, byte[] bytes, String mutation) throws IOException {
        Path caseDir = work.resolve("case");
        if (target == Target.SHARD_INDEX) {
            caseDir = s.dir(); // the index next to its (unmutated) shards
        } else {
            Files.createDirectories(caseDir);
        }
        String fileName = switch (target) {
            case SAFETENSORS -> "model.safetensors";
            case TORCH_BIN -> "pytorch_model.bin";
            case SHARD_INDEX -> s.fileName();
            case CONFIG -> "config.json";
            case TOKENIZER -> "tokenizer.json";
        };
        Path file = caseDir.resolve(fileName);
        Files.write(file, bytes);
        long fileBytes = bytes.length;
        long shardBytes = 0;
        if (target == Target.SHARD_INDEX) {
            try (var files = Files.list(caseDir)) {
                shardBytes = files.filter(p -> p.equals(file) == false).mapToLong(p -> p.toFile().length()).sum();
            }
            fileBytes += shardBytes;
        }
        long[] direct = new long[2]; // total, largest tensor
        long heap0 = THREADS.getCurrentThreadAllocatedBytes();
        Throwable thrown = null;
        try {
            read(target, file, direct);
        } catch (Throwable t) {
            thrown = t;
        }
        long heap = THREADS.getCurrentThreadAllocatedBytes() - heap0;
        if (target == Target.SHARD_INDEX) {
            Files.deleteIfExists(file);
        }
        String path = file.toString();
        long heapBound = switch (target) {
            case TORCH_BIN -> hasDeflatedEntry(bytes) ? TORCH_HEAP_CAP : Math.min(TORCH_HEAP_PER_BYTE * fileBytes, TORCH_HEAP_CAP);
            // the index as JSON, its shards (unmutated, stored) as torch.save or safetensors files
            case SHARD_INDEX -> HEAP_PER_BYTE * bytes.length + TORCH_HEAP_PER_BYTE * shardBytes;
            default -> HEAP_PER_BYTE * fileBytes;
        } + (HEAP_BASE_MIB << 20);
        if (thrown instanceof Error err && (err instanceof AssertionError) == false) {
            return new CaseResult(
                target, index, mutation, Outcome.FINDING, err.getClass().getSimpleName(), stack(err), fileBytes, heap, direct[0]
            );
        }
        if (thrown != null && (thrown instanceof CheckpointException) == false) {
            return new CaseResult(
                target, index, mutation, Outcome.FINDING, thrown.getClass().getName(), stack(thrown), fileBytes, heap, direct[0]
            );
        }
        if (heap > heapBound) {
            return new CaseResult(
                target,
                index,
                mutation,
                Outcome.FINDING,
                "heap bound exceeded",
                heap + " bytes allocated > " + heapBound + (thrown == null ? "" : " (then " + thrown.getMessage() + ")"),
                fileBytes,
                heap,
                direct[0]
            );
        }
        long directBound = target == Target.SAFETENSORS ? 2 * fileBytes : Math.max(4 * fileBytes, 4 * TorchBinFile.MAX_EXPANDED_ELEMENTS);
        long directSeen = target == Target.SAFETENSORS ? direct[0] : direct[1];
        if (directSeen > directBound) {
            return new CaseResult(
                target,
                index,
                mutation,
                Outcome.FINDING,
                "direct bound exceeded",
                directSeen + " direct bytes > " + directBound,
                fileBytes,
                heap,
                direct[0]
            );
        }
        if (thrown == null) {
            return new CaseResult(target, index, mutation, Outcome.ACCEPTED, "accepted", "", fileBytes, heap, direct[0]);
        }
        String msg = thrown.getMessage();
        if (msg == null || msg.isBlank() || msg.replace(path, "").length() > MAX_MESSAGE) {
            return new CaseResult(
                target,
                index,
                mutation,
                Outcome.FINDING,
                "bad message",
                msg == null ? "null" : msg.length() + " characters: " + msg.substring(0, Math.min(200, msg.length())),
                fileBytes,
                heap,
                direct[0]
            );
        }
        return new CaseResult(target, index, mutation, Outcome.REJECTED, kind(msg, path), "", fileBytes, heap, direct[0]);
    }

    /** Reads a file the way the runtime does. */
    private static void read(Target target, Path file, long[] direct) throws IOException {
        switch (target) {
            case SAFETENSORS -> readAll(SafeTensorsReader.open(file), direct);
            case TORCH_BIN -> readAll(TorchBinReader.open(file), direct);
            case SHARD_INDEX -> readAll(
                file.getFileName().toString().equals(Checkpoints.TORCH_BIN_INDEX)
                    ? TorchBinReader.openIndex(file)
                    : Checkpoints.open(file.getParent()),
                direct
            );
            case CONFIG -> LlamaConfig.load(file);
            case TOKENIZER -> {
                try (HfTokenizer t = HfTokenizer.load(file)) {
                    int[] ids = t.encode("Ada Fenn walked to the market, 42 km. Ünïcödé 模型 \uD83D\uDE00 ab ab");
                    t.decode(ids);
                }
            }
        }
    }

    private static void readAll(TensorSource src, long[] direct) throws IOException {
        try (src) {
            for (String name : src.names()) {
                src.shape(name);
                HostTensor t = src.get(name);
                ByteBuffer d = t.data();
                if (d.isDirect() && (d instanceof MappedByteBuffer) == false) {
                    direct[0] += d.capacity();
                    direct[1] = Math.max(direct[1], d.capacity());
                }
            }
        }
    }

    private static String stack(Throwable t) {
        StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(6, st.length); i++) {
            sb.append(" | ").append(st[i]);
        }
        return sb.toString();
    }

    /** A rejection message reduced to its kind: no path, numbers, quoted names or bracketed values. */
    static String kind(String msg, String path) {
        String k = msg.replace(path, "<file>")
            .replaceAll("\\[[^\\]]*\\]", "[..]")
            .replaceAll("'[^']*'", "'..'")
            .replaceAll("\"[^\"]*\"", "\"..\"")
            .replaceAll("-?\\d+(\\.\\d+)?", "N")
            .replaceAll("(refuses pickle global|refuses to call) \\S.*?: ", "$1 G: ")
            .replaceAll("[^\\x20-\\x7E]", "?")
            .replaceAll("\\s+", " ");
        int colon = k.indexOf(": ", k.indexOf("<file>") + 1);
        if (k.startsWith("model config") || k.startsWith("tokenizer")) {
            colon = -1; // keep the field or reason after the file
        }
        if (colon > 0 && colon < 120 && k.length() - colon > 40) {
            k = k.substring(0, colon + 2) + k.substring(colon + 2, Math.min(k.length(), colon + 2 + 60));
        }
        return k.length() > 110 ? k.substring(0, 110) + "..." : k;
    }

    // ------------------------------------------------------------------------------------------------ byte mutations

    private static final byte[] INTERESTING_BYTES = {0, (byte) 0xFF, 0x7F, (byte) 0x80, 1, '"', '{', '}', '[', ']', ',', ':', '\\',
        (byte) 0xC3, (byte) 0xED, (byte) 0xF4, '\n', '(', '.', 'X', 'J', 'c'};
    private static final long[] INTERESTING_LONGS = {0, 1, -1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL,
        0x100000000L, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 7, 1L << 62};

    /** 1-3 byte-level mutations. */
    static byte[] mutateBytes(byte[] in, SplittableRandom r, StringBuilder desc) {
        byte[] b = in;
        int n = 1 + r.nextInt(3);
        for (int m = 0; m < n; m++) {
            b = mutateBytesOnce(b, r, desc);
        }
        return b;
    }

    private static byte[] mutateBytesOnce(byte[] b, SplittableRandom r, StringBuilder desc) {
        if (b.length == 0) {
            desc.append(" +append");
            return new byte[]{(byte) r.nextInt(256)};
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(8)) {
            case 0 -> {
                byte[] c = b.clone();
                int bits = 1 + r.nextInt(4);
                for (int i = 0; i < bits; i++) {
                    int p = r.nextInt(c.length);
                    c[p] ^= (byte) (1 << r.nextInt(8));
                }
                desc.append(" bitflip").append(bits);
                return c;
            }
            case 1 -> {
                byte[] c = b.clone();
                c[at] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
                desc.append(" byte@").append(at);
                return c;
            }
            case 2 -> {
                desc.append(" truncate@").append(at);
                return Arrays.copyOf(b, at);
            }
            case 3 -> {
                byte[] c = b.clone();
                long v = INTERESTING_LONGS[r.nextInt(INTERESTING_LONGS.length)];
                int width = r.nextBoolean() ? 4 : 8;
                ByteBuffer bb = ByteBuffer.wrap(c).order(r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                int p = Math.max(0, Math.min(at, c.length - width));
                if (c.length >= width) {
                    if (width == 4) {
                        bb.putInt(p, (int) v);
                    } else {
                        bb.putLong(p, v);
                    }
                }
                desc.append(" int").append(width * 8).append('@').append(p).append('=').append(v);
                return c;
            }
            case 4 -> {
                int len = 1 + r.nextInt(64);
                byte[] ins = new byte[len];
                r.nextBytes(ins);
                desc.append(" insert").append(len).append('@').append(at);
                return splice(b, at, 0, ins);
            }
            case 5 -> {
                int len = 1 + r.nextInt(Math.min(256, b.length - at));
                desc.append(" delete").append(len).append('@').append(at);
                return splice(b, at, len, new byte[0]);
            }
            case 6 -> {
                int len = 1 + r.nextInt(Math.min(512, b.length - at));
                desc.append(" dup").append(len).append('@').append(at);
                return splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
            }
            default -> {
                int len = 1 + r.nextInt(1024);
                byte[] tail = new byte[len];
                r.nextBytes(tail);
                desc.append(" append").append(len);
                return splice(b, b.length, 0, tail);
            }
        }
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ JSON mutations

    /** Values that break readers of JSON numbers, strings, arrays and objects. */
    private static final List<Function<SplittableRandom, JsonNode>> VALUES = List.of(
        r -> NODES.nullNode(),
        r -> NODES.booleanNode(true),
        r -> NODES.numberNode(0),
        r -> NODES.numberNode(-1),
        r -> NODES.numberNode(Integer.MAX_VALUE),
        r -> NODES.numberNode(1L + Integer.MAX_VALUE),
        r -> NODES.numberNode(Long.MAX_VALUE),
        r -> NODES.numberNode(new java.math.BigInteger("18446744073709551616000")),
        r -> NODES.numberNode(1e308),
        r -> NODES.numberNode(-1e-308),
        r -> NODES.numberNode(1.5),
        r -> NODES.textNode(""),
        r -> NODES.textNode("NaN"),
        r -> NODES.textNode("\u0000\uFFFF\uD83D\uDE00 模型 \u202E"),
        r -> NODES.textNode("a".repeat(1 + r.nextInt(200_000))),
        r -> NODES.arrayNode(),
        r -> NODES.objectNode(),
        r -> {
            ArrayNode a = NODES.arrayNode();
            int n = 1 + r.nextInt(50_000);
            for (int i = 0; i < n; i++) {
                a.add(r.nextInt(3));
            }
            return a;
        },
        r -> {
            JsonNode v = NODES.numberNode(1);
            int depth = 1 + r.nextInt(60);
            for (int i = 0; i < depth; i++) {
                v = NODES.arrayNode().add(v);
            }
            return v;
        }
    );

    /** A random container node of the tree and, for objects, one of its field names. */
    private static List<JsonNode> containers(JsonNode root) {
        List<JsonNode> out = new ArrayList<>();
        List<JsonNode> todo = new ArrayList<>(List.of(root));
        while (todo.isEmpty() == false && out.size() < 5_000) {
            JsonNode n = todo.remove(todo.size() - 1);
            if (n.isContainerNode()) {
                out.add(n);
                n.forEach(todo::add);
            }
        }
        return out;
    }

    /** One structural mutation of a tree: delete, replace with a hostile value, add a hostile field, rename. */
    static void mutateTree(JsonNode root, SplittableRandom r, StringBuilder desc) {
        List<JsonNode> cs = containers(root);
        JsonNode c = cs.get(r.nextInt(cs.size()));
        if (c.isObject()) {
            ObjectNode o = (ObjectNode) c;
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            int op = r.nextInt(4);
            if (names.isEmpty() || op == 3) {
                String name = hostileName(r);
                o.set(name, VALUES.get(r.nextInt(VALUES.size())).apply(r));
                desc.append(" add-field");
                return;
            }
            String name = names.get(r.nextInt(names.size()));
            switch (op) {
                case 0 -> {
                    o.remove(name);
                    desc.append(" delete:").append(BoundedJson.clip(name));
                }
                case 1 -> {
                    JsonNode v = o.remove(name);
                    o.set(hostileName(r), v);
                    desc.append(" rename:").append(BoundedJson.clip(name));
                }
                default -> {
                    int which = r.nextInt(VALUES.size());
                    o.set(name, VALUES.get(which).apply(r));
                    desc.append(" set:").append(BoundedJson.clip(name)).append("=v").append(which);
                }
            }
        } else {
            ArrayNode a = (ArrayNode) c;
            int which = r.nextInt(VALUES.size());
            if (a.isEmpty() || r.nextBoolean()) {
                a.add(VALUES.get(which).apply(r));
                desc.append(" array-add=v").append(which);
            } else {
                a.set(r.nextInt(a.size()), VALUES.get(which).apply(r));
                desc.append(" array-set=v").append(which);
            }
        }
    }

    static String hostileName(SplittableRandom r) {
        return switch (r.nextInt(7)) {
            case 0 -> "";
            case 1 -> "模型.层.0.权重";
            case 2 -> "\u0000\u0001\u001F";
            case 3 -> "\uD83D\uDE00\u202E\uFEFF";
            case 4 -> "x".repeat(1 + r.nextInt(100_000));
            case 5 -> "../../etc/passwd";
            default -> "\uD800"; // a lone surrogate (serialized as an escape)
        };
    }

    /** Mutations of serialized JSON text that a tree cannot hold. */
    static byte[] mutateJsonText(byte[] json, SplittableRandom r, StringBuilder desc) {
        String s = new String(json, StandardCharsets.UTF_8);
        switch (r.nextInt(8)) {
            case 0 -> {
                int depth = 1 + r.nextInt(r.nextBoolean() ? 60 : 100_000);
                int brace = s.indexOf('{', 1);
                int at = brace > 0 ? brace : 1;
                desc.append(" deep-nest").append(depth);
                return (s.substring(0, at) + "\"deep\":" + "[".repeat(depth) + "]".repeat(depth) + "," + s.substring(at))
                    .getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                int colon = s.indexOf("\":");
                int start = s.lastIndexOf('"', Math.max(0, colon - 1));
                desc.append(" duplicate-key");
                if (colon < 0 || start < 0) {
                    return json;
                }
                String key = s.substring(start, colon + 2);
                return (s.substring(0, 1) + key + "1," + s.substring(1)).getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> {
                desc.append(" nan-literal");
                return s.replaceFirst(":\\s*-?\\d+(\\.\\d+)?", ":NaN").getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> {
                desc.append(" long-number");
                return s.replaceFirst(":\\s*(\\d+)", ":$1" + "9".repeat(1 + r.nextInt(5_000))).getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> {
                desc.append(" bom+comment");
                return ("\uFEFF/* c */" + s).getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> {
                desc.append(" trailing");
                return (s + (r.nextBoolean() ? " {}" : "\u0000garbage")).getBytes(StandardCharsets.UTF_8);
            }
            case 6 -> {
                desc.append(" invalid-utf8");
                byte[] c = json.clone();
                int q = s.indexOf('"') >= 0 ? s.indexOf('"') + 1 : 0;
                if (q < c.length) {
                    c[q] = (byte) (r.nextBoolean() ? 0xFF : 0xC0);
                }
                return c;
            }
            default -> {
                desc.append(" top-level:");
                String[] tops = {"[]", "null", "\"x\"", "1", "", "{", "{}"};
                String t = tops[r.nextInt(tops.length)];
                desc.append(t);
                return t.getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    /** config.json and shard indexes: tree mutations, text mutations or byte mutations. */
    private byte[] mutateJson(byte[] json, SplittableRandom r, StringBuilder desc, boolean index) throws IOException {
        int kind = r.nextInt(10);
        if (kind < 6) {
            JsonNode root = JSON.readTree(json);
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                if (index && r.nextInt(3) == 0) {
                    mutateWeightMap(root, r, desc);
                } else {
                    mutateTree(root, r, desc);
                }
            }
            return JSON.writeValueAsBytes(root);
        }
        if (kind < 8) {
            return mutateJsonText(json, r, desc);
        }
        return mutateBytes(json, r, desc);
    }

    private static void mutateWeightMap(JsonNode root, SplittableRandom r, StringBuilder desc) {
        if (root instanceof ObjectNode o && o.get("weight_map") instanceof ObjectNode wm && wm.isEmpty() == false) {
            List<String> names = new ArrayList<>();
            wm.fieldNames().forEachRemaining(names::add);
            String name = names.get(r.nextInt(names.size()));
            String[] shards = {"../outside.bin", "/etc/passwd", ".", "..", "", "a\u0000b", "sub/dir.bin", "missing.bin", "x".repeat(5000),
                "模型.bin"};
            String shard = shards[r.nextInt(shards.length)];
            if (r.nextInt(4) == 0) {
                int n = 1 + r.nextInt(100_000);
                for (int i = 0; i < n; i++) {
                    wm.put("extra." + i, shard);
                }
                desc.append(" weight_map+").append(n);
            } else {
                wm.put(name, shard);
                desc.append(" shard=").append(BoundedJson.clip(shard));
            }
        } else {
            desc.append(" no-weight-map");
        }
    }

    // ------------------------------------------------------------------------------------------------ safetensors

    private byte[] mutateSafetensors(byte[] file, SplittableRandom r, StringBuilder desc) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) b.getLong(0);
        byte[] header = Arrays.copyOfRange(file, 8, 8 + headerLen);
        byte[] data = Arrays.copyOfRange(file, 8 + headerLen, file.length);
        int kind = r.nextInt(12);
        if (kind < 6) {
            ObjectNode h = (ObjectNode) JSON.readTree(header);
            int n = 1 + r.nextInt(2);
            for (int i = 0; i < n; i++) {
                safetensorsHeaderOp(h, r, desc, data.length);
            }
            return safetensors(JSON.writeValueAsBytes(h), data, r.nextInt(4) == 0 ? r.nextInt(9) : 0);
        }
        if (kind < 8) {
            return safetensors(mutateJsonText(header, r, desc), data, 0);
        }
        if (kind == 8) {
            long[] lens = {0, -1, 8, headerLen - 1, headerLen + 1, file.length, file.length - 8, SafeTensorsReader.MAX_HEADER_BYTES + 1,
                Long.MAX_VALUE, 1L << 33};
            long len = lens[r.nextInt(lens.length)];
            byte[] c = file.clone();
            ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
            desc.append(" header-length=").append(len);
            return c;
        }
        if (kind == 9) {
            desc.append(" data");
            return safetensors(
                header,
                r.nextBoolean() ? Arrays.copyOf(data, r.nextInt(data.length + 1)) : splice(data, data.length, 0, new byte[64]),
                0
            );
        }
        return mutateBytes(file, r, desc);
    }

    private static byte[] safetensors(byte[] header, byte[] data, int pad) {
        byte[] padded = Arrays.copyOf(header, header.length + pad);
        Arrays.fill(padded, header.length, padded.length, (byte) ' ');
        ByteBuffer out = ByteBuffer.allocate(8 + padded.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded.length).put(padded).put(data);
        return out.array();
    }

    private static void safetensorsHeaderOp(ObjectNode h, SplittableRandom r, StringBuilder desc, long dataLen) {
        List<String> tensors = new ArrayList<>();
        h.fieldNames().forEachRemaining(n -> {
            if (n.equals("__metadata__") == false) {
                tensors.add(n);
            }
        });
        if (tensors.isEmpty()) {
            mutateTree(h, r, desc);
            return;
        }
        String name = tensors.get(r.nextInt(tensors.size()));
        if (h.get(name) instanceof ObjectNode == false) {
            mutateTree(h, r, desc); // an earlier mutation replaced the entry
            return;
        }
        ObjectNode t = (ObjectNode) h.get(name);
        long[] huge = {-1, 0, dataLen, dataLen + 1, Integer.MAX_VALUE, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MAX_VALUE - 1};
        switch (r.nextInt(10)) {
            case 0 -> {
                ArrayNode off = t.putArray("data_offsets");
                off.add(huge[r.nextInt(huge.length)]).add(huge[r.nextInt(huge.length)]);
                desc.append(" offsets=").append(off);
            }
            case 1 -> {
                String other = tensors.get(r.nextInt(tensors.size()));
                JsonNode o = h.get(other).get("data_offsets");
                t.set("data_offsets", o == null ? NODES.nullNode() : o.deepCopy());
                JsonNode shape = h.get(other).get("shape");
                t.set("shape", shape == null ? NODES.nullNode() : shape.deepCopy());
                JsonNode dt = h.get(other).get("dtype");
                t.set("dtype", dt == null ? NODES.nullNode() : dt.deepCopy());
                desc.append(" overlap-with-other");
            }
            case 2 -> {
                ArrayNode s = t.putArray("shape");
                switch (r.nextInt(6)) {
                    case 0 -> s.add(1L << 40);
                    case 1 -> s.add(1L << 31).add(1L << 31);
                    case 2 -> s.add(1L << 62).add(1L << 62);
                    case 3 -> {
                        for (int i = 0; i < 65 + r.nextInt(100_000); i++) {
                            s.add(1);
                        }
                    }
                    case 4 -> s.add(-4).add(-1);
                    default -> s.add(new java.math.BigInteger("100000000000000000000000"));
                }
                desc.append(" shape=").append(BoundedJson.clip(s.toString()));
            }
            case 3 -> {
                String[] dts = {"I32", "F8_E4M3", "", "f32", "BF16 ", "U8", "BOOL", "F16", "F64", "\u0000"};
                String dt = dts[r.nextInt(dts.length)];
                t.put("dtype", dt);
                desc.append(" dtype=").append(dt);
            }
            case 4 -> {
                JsonNode v = h.remove(name);
                h.set(hostileName(r), v);
                desc.append(" name");
            }
            case 5 -> {
                int n = 1 + r.nextInt(50_000);
                for (int i = 0; i < n; i++) {
                    h.putObject("empty." + i).put("dtype", "F32").putArray("shape").add(0);
                    ((ObjectNode) h.get("empty." + i)).putArray("data_offsets").add(0).add(0);
                }
                desc.append(" many-entries=").append(n);
            }
            case 6 -> {
                JsonNode v = NODES.numberNode(1);
                for (int i = 0; i < 1 + r.nextInt(60); i++) {
                    v = NODES.objectNode().set("x", v);
                }
                h.set("__metadata__", v);
                desc.append(" metadata-nest");
            }
            case 7 -> {
                t.put("data_offsets", "0,16");
                desc.append(" offsets-string");
            }
            case 8 -> {
                h.set(name, VALUES.get(r.nextInt(VALUES.size())).apply(r));
                desc.append(" entry-value");
            }
            default -> mutateTree(h, r, desc);
        }
    }

    // ------------------------------------------------------------------------------------------------ torch.save

    /** A zip entry of a torch.save archive: name and bytes (stored uncompressed when rebuilt unless told). */
    private record ZipItem(String name, byte[] bytes, boolean deflate) {
    }

    private byte[] mutateTorchBin(byte[] file, SplittableRandom r, StringBuilder desc) throws IOException {
        int kind = r.nextInt(13);
        if (kind == 12) {
            return craftedTensor(r, desc);
        }
        if (kind < 7) {
            List<ZipItem> items = unzip(file);
            if (items == null) {
                return mutateBytes(file, r, desc);
            }
            int pkl = -1;
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i).name().endsWith("data.pkl")) {
                    pkl = i;
                }
            }
            if (pkl < 0) {
                return mutateBytes(file, r, desc);
            }
            if (kind < 5) {
                byte[] p = mutatePickle(items.get(pkl).bytes(), r, desc);
                items.set(pkl, new ZipItem(items.get(pkl).name(), p, r.nextInt(6) == 0));
            } else {
                entryOp(items, pkl, r, desc);
            }
            return zip(items);
        }
        if (kind < 10) {
            return zipDirectoryOp(file, r, desc);
        }
        return mutateBytes(file, r, desc);
    }

    private static List<ZipItem> unzip(byte[] file) throws IOException {
        Path tmp = Files.createTempFile("fuzz-unzip", ".zip");
        try {
            Files.write(tmp, file);
            List<ZipItem> out = new ArrayList<>();
            try (ZipFile z = new ZipFile(tmp.toFile())) {
                Iterator<? extends ZipEntry> it = z.entries().asIterator();
                while (it.hasNext()) {
                    ZipEntry e = it.next();
                    out.add(new ZipItem(e.getName(), z.getInputStream(e).readAllBytes(), false));
                }
            } catch (IOException e) {
                return null; // java.util.zip cannot read this seed (e.g. its ZIP64 sizes): byte mutations only
            }
            return out;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] zip(List<ZipItem> items) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        java.util.Set<String> names = new java.util.HashSet<>();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            for (ZipItem it : items) {
                if (StandardCharsets.UTF_8.newEncoder().canEncode(it.name()) == false
                    || it.name().getBytes(StandardCharsets.UTF_8).length > 0xFFFF
                    || names.add(it.name()) == false) {
                    continue; // a name UTF-8 cannot hold (a lone surrogate), or a duplicate after a rename: dropped
                }
                ZipEntry e = new ZipEntry(it.name());
                if (it.deflate()) {
                    e.setMethod(ZipEntry.DEFLATED);
                } else {
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(it.bytes().length);
                    e.setCompressedSize(it.bytes().length);
                    CRC32 crc = new CRC32();
                    crc.update(it.bytes());
                    e.setCrc(crc.getValue());
                }
                z.putNextEntry(e);
                z.write(it.bytes());
                z.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    private static void entryOp(List<ZipItem> items, int pkl, SplittableRandom r, StringBuilder desc) {
        String prefix = items.get(pkl).name().substring(0, items.get(pkl).name().length() - "data.pkl".length());
        List<Integer> data = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).name().startsWith(prefix + "data/")) {
                data.add(i);
            }
        }
        int op = r.nextInt(7);
        if (data.isEmpty() && op < 3) {
            op = 3;
        }
        switch (op) {
            case 0 -> {
                items.remove((int) data.get(r.nextInt(data.size())));
                desc.append(" drop-storage");
            }
            case 1 -> {
                int i = data.get(r.nextInt(data.size()));
                ZipItem it = items.get(i);
                items.set(i, new ZipItem(it.name(), Arrays.copyOf(it.bytes(), r.nextInt(it.bytes().length + 1)), false));
                desc.append(" shrink-storage");
            }
            case 2 -> {
                int i = data.get(r.nextInt(data.size()));
                items.set(i, new ZipItem(items.get(i).name(), items.get(i).bytes(), true));
                desc.append(" deflate-storage");
            }
            case 3 -> {
                items.add(new ZipItem("other/data.pkl", items.get(pkl).bytes(), false));
                desc.append(" second-pickle");
            }
            case 4 -> {
                items.add(
                    new ZipItem(
                        prefix + "byteorder", (r.nextBoolean() ? "big" : "x".repeat(100)).getBytes(StandardCharsets.US_ASCII), false
                    )
                );
                desc.append(" byteorder");
            }
            case 5 -> {
                items.set(pkl, new ZipItem(hostileName(r) + "/data.pkl", items.get(pkl).bytes(), false));
                desc.append(" rename-archive");
            }
            default -> {
                items.add(new ZipItem(prefix + "data/huge", new byte[1 << 16], r.nextBoolean()));
                desc.append(" extra-entry");
            }
        }
    }

    /**
     * A torch.save archive written here around one tensor whose storage, offset, size and stride are chosen to be
     * hostile: huge storages over a few bytes, broadcast views (stride 0) that would expand a few bytes into gigabytes,
     * sizes whose product overflows, offsets near 2^63, 100 dimensions, negative values; and a valid control.
     */
    private static byte[] craftedTensor(SplittableRandom r, StringBuilder desc) throws IOException {
        String[] storages = {"FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "ByteStorage", "BoolStorage"};
        String storage = storages[r.nextInt(storages.length)];
        long numel = 16;
        long offset = 0;
        long[] size = {4, 4};
        long[] stride = {4, 1};
        switch (r.nextInt(8)) {
            case 0 -> {
                size = new long[]{1L << (18 + r.nextInt(12))};
                stride = new long[]{0};
                desc.append(" broadcast=").append(size[0]);
            }
            case 1 -> {
                numel = 1L << (32 + r.nextInt(30));
                desc.append(" huge-storage=").append(numel);
            }
            case 2 -> {
                size = new long[]{1L << 31, 1L << 31};
                stride = new long[]{0, 0};
                desc.append(" overflowing-size");
            }
            case 3 -> {
                offset = Long.MAX_VALUE - r.nextInt(8);
                desc.append(" offset=").append(offset);
            }
            case 4 -> {
                size = new long[100];
                stride = new long[100];
                Arrays.fill(size, 1);
                desc.append(" rank-100");
            }
            case 5 -> {
                size = new long[]{4, -4};
                desc.append(" negative-size");
            }
            case 6 -> {
                size = new long[]{2, 2};
                stride = new long[]{1, 1}; // overlapping view
                desc.append(" overlapping-view");
            }
            default -> desc.append(" valid-control");
        }
        byte[] data = new byte[64];
        r.nextBytes(data);
        return torchSave(storage, numel, offset, size, stride, data);
    }

    /** A torch.save archive of {@code {"w": tensor}}: the tensor a view (offset, size, stride) of storage "0". */
    static byte[] torchSave(String storage, long numel, long offset, long[] size, long[] stride, byte[] data) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[]{(byte) 0x80, 2});
        global(p, "collections", "OrderedDict");
        p.write(new byte[]{')', 'R'});
        unicode(p, "w");
        global(p, "torch._utils", "_rebuild_tensor_v2");
        p.write('(');
        p.write('(');
        unicode(p, "storage");
        global(p, "torch", storage);
        unicode(p, "0");
        unicode(p, "cpu");
        long8(p, numel);
        p.write(new byte[]{'t', 'Q'});
        long8(p, offset);
        p.write('(');
        for (long v : size) {
            long8(p, v);
        }
        p.write('t');
        p.write('(');
        for (long v : stride) {
            long8(p, v);
        }
        p.write('t');
        p.write(0x89);
        global(p, "collections", "OrderedDict");
        p.write(new byte[]{')', 'R', 't', 'R', 's', '.'});
        return zip(
            List.of(
                new ZipItem("archive/data.pkl", p.toByteArray(), false),
                new ZipItem("archive/data/0", data, false),
                new ZipItem("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII), false)
            )
        );
    }

    private static void global(ByteArrayOutputStream p, String module, String name) throws IOException {
        p.write('c');
        p.write((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void unicode(ByteArrayOutputStream p, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        p.write(b);
    }

    private static void long8(ByteArrayOutputStream p, long v) throws IOException {
        p.write(0x8a);
        p.write(8);
        p.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    /** Patches fields of the zip's end record, central directory or local headers in place. */
    private static byte[] zipDirectoryOp(byte[] file, SplittableRandom r, StringBuilder desc) {
        byte[] c = file.clone();
        ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> cen = new ArrayList<>();
        List<Integer> loc = new ArrayList<>();
        int eocd = -1;
        int z64 = -1;
        for (int i = 0; i + 4 <= c.length; i++) {
            int sig = b.getInt(i);
            if (sig == 0x02014b50) {
                cen.add(i);
            } else if (sig == 0x04034b50) {
                loc.add(i);
            } else if (sig == 0x06054b50) {
                eocd = i;
            } else if (sig == 0x06064b50) {
                z64 = i;
            }
        }
        long v = INTERESTING_LONGS[r.nextInt(INTERESTING_LONGS.length)];
        int op = r.nextInt(6);
        if (op == 0 && eocd >= 0 && eocd + 22 <= c.length) {
            int[] fields = {8, 10, 12, 16, 20};
            int f = fields[r.nextInt(fields.length)];
            if (f >= 12 && f <= 16) {
                b.putInt(eocd + f, (int) v);
            } else {
                b.putShort(eocd + f, (short) v);
            }
            desc.append(" eocd+").append(f).append('=').append(v);
        } else if (op == 1 && z64 >= 0 && z64 + 56 <= c.length) {
            int[] fields = {24, 32, 40, 48};
            int f = fields[r.nextInt(fields.length)];
            b.putLong(z64 + f, v);
            desc.append(" zip64-eocd+").append(f).append('=').append(v);
        } else if (op <= 3 && cen.isEmpty() == false) {
            int p = cen.get(r.nextInt(cen.size()));
            int[] fields = {10, 16, 20, 24, 28, 30, 32, 42};
            int f = fields[r.nextInt(fields.length)];
            if (p + 46 <= c.length) {
                if (f == 10 || f == 28 || f == 30 || f == 32) {
                    b.putShort(p + f, (short) v);
                } else {
                    b.putInt(p + f, (int) v);
                }
            }
            desc.append(" cen+").append(f).append('=').append(v);
            // ZIP64 extra fields of that entry: put the long into the first one found
            if (r.nextBoolean() && p + 46 <= c.length) {
                int nameLen = b.getShort(p + 28) & 0xFFFF;
                int extra = p + 46 + nameLen;
                if (extra + 12 <= c.length && b.getShort(extra) == 0x0001) {
                    b.putLong(extra + 4, v);
                    desc.append(" zip64-extra=").append(v);
                }
            }
        } else if (loc.isEmpty() == false) {
            int p = loc.get(r.nextInt(loc.size()));
            int[] fields = {8, 18, 22, 26, 28};
            int f = fields[r.nextInt(fields.length)];
            if (p + 30 <= c.length) {
                if (f == 8 || f == 26 || f == 28) {
                    b.putShort(p + f, (short) v);
                } else {
                    b.putInt(p + f, (int) v);
                }
            }
            desc.append(" loc+").append(f).append('=').append(v);
        } else {
            return mutateBytes(file, r, desc);
        }
        return c;
    }

    /** Pickle mutations that survive the zip (the CRC is recomputed when the archive is rebuilt). */
    static byte[] mutatePickle(byte[] p, SplittableRandom r, StringBuilder desc) {
        switch (r.nextInt(11)) {
            case 0 -> {
                String[][] globals = {{"posix", "system"}, {"builtins", "eval"}, {"torch.storage", "_load_from_bytes"},
                    {"torch", "load"}, {"__builtin__", "getattr"}, {"collections", "OrderedDict_"}, {"torch._utils", "_rebuild_tensor_v3"},
                    {"torch", "UntypedStorage"}, {"numpy.core.multiarray", "_reconstruct"}, {"torch", "FloatStorage\u0000"}};
                String[] g = globals[r.nextInt(globals.length)];
                desc.append(" global=").append(g[0]).append('.').append(g[1]);
                return replaceGlobal(p, g[0], g[1], r);
            }
            case 1 -> {
                desc.append(" list-bomb");
                int n = 1 + r.nextInt(400_000);
                byte[] out = new byte[2 + 2 * n + 1];
                out[0] = (byte) 0x80;
                out[1] = 2;
                for (int i = 0; i < n; i++) {
                    out[2 + i] = ']';
                }
                for (int i = 0; i < n; i++) {
                    out[2 + n + i] = i == n - 1 ? (byte) '.' : (byte) 'a';
                }
                out[out.length - 1] = '.';
                return out;
            }
            case 2 -> {
                desc.append(" memo-bomb");
                int n = 1 + r.nextInt(1_000_000);
                byte[] out = new byte[2 + 1 + n + 1];
                out[0] = (byte) 0x80;
                out[1] = 4;
                out[2] = ']';
                Arrays.fill(out, 3, 3 + n, (byte) 0x94);
                out[out.length - 1] = '.';
                return out;
            }
            case 3 -> {
                desc.append(" mark-bomb");
                int n = 1 + r.nextInt(2_000_000);
                byte[] out = new byte[2 + n + 1];
                out[0] = (byte) 0x80;
                out[1] = 2;
                Arrays.fill(out, 2, 2 + n, (byte) '(');
                out[out.length - 1] = '.';
                return out;
            }
            case 4 -> {
                desc.append(" self-reference");
                // d = {}; d['x'] = d; then a list holding itself
                return new byte[]{(byte) 0x80, 2, '}', 'q', 0, 'X', 1, 0, 0, 0, 'x', 'h', 0, 's', ']', '2', 'a', '0', '.'};
            }
            case 5 -> {
                // a big number where the pickle has a small int (storage numel, offsets, sizes, strides)
                List<Integer> ints = new ArrayList<>();
                for (int i = 0; i + 1 < p.length; i++) {
                    if (p[i] == 'K' || p[i] == 'M' || p[i] == 'J') {
                        ints.add(i);
                    }
                }
                if (ints.isEmpty()) {
                    return mutateBytes(p, r, desc);
                }
                int at = ints.get(r.nextInt(ints.size()));
                int oldLen = p[at] == 'K' ? 2 : p[at] == 'M' ? 3 : 5;
                long[] values = {0, 1L << 31, 1L << 40, 1L << 62, Long.MAX_VALUE, -1, -(1L << 40), 0xFFFFFFFFL};
                long v = values[r.nextInt(values.length)];
                ByteBuffer nb = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
                nb.put((byte) 0x8a).put((byte) 8).putLong(v);
                desc.append(" int@").append(at).append('=').append(v);
                return splice(p, at, Math.min(oldLen, p.length - at), nb.array());
            }
            case 6 -> {
                // a string length that runs far past the data
                List<Integer> strs = new ArrayList<>();
                for (int i = 0; i + 5 < p.length; i++) {
                    if (p[i] == 'X' || p[i] == (byte) 0x8c) {
                        strs.add(i);
                    }
                }
                if (strs.isEmpty()) {
                    return mutateBytes(p, r, desc);
                }
                byte[] c = p.clone();
                int at = strs.get(r.nextInt(strs.size()));
                if (c[at] == 'X') {
                    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(at + 1, (int) INTERESTING_LONGS[r.nextInt(INTERESTING_LONGS.length)]);
                } else {
                    c[at + 1] = (byte) 0xFF;
                }
                desc.append(" strlen@").append(at);
                return c;
            }
            case 7 -> {
                int[] ops = {'c', 0x93, 'R', 'b', 'Q', 'o', 'i', 0x81, 0x92, 'V', 'S', 'F', 'I', 'L', 'P', '.', 0x8b, 'B', 'C', 0x8e, 0x96,
                    0x97, 0x98};
                int at = r.nextInt(p.length);
                byte op = (byte) ops[r.nextInt(ops.length)];
                desc.append(String.format(Locale.ROOT, " opcode-0x%02x@%d", op & 0xFF, at));
                return splice(p, at, 0, new byte[]{op});
            }
            case 8 -> {
                desc.append(" nested-tuples");
                int n = 1 + r.nextInt(200_000);
                byte[] out = new byte[2 + 2 * n + 2];
                out[0] = (byte) 0x80;
                out[1] = 2;
                out[2] = ')';
                for (int i = 0; i < n; i++) {
                    out[3 + i] = (byte) 0x85; // TUPLE1 around the previous tuple
                }
                out[3 + n] = '.';
                return Arrays.copyOf(out, 4 + n);
            }
            case 9 -> {
                desc.append(" truncate-pickle");
                return Arrays.copyOf(p, r.nextInt(p.length));
            }
            default -> {
                return mutateBytes(p, r, desc);
            }
        }
    }

    /** Replaces the module/name of one GLOBAL ('c' opcode) or STACK_GLOBAL string pair of {@code p}. */
    private static byte[] replaceGlobal(byte[] p, String module, String name, SplittableRandom r) {
        List<Integer> globals = new ArrayList<>();
        for (int i = 0; i < p.length - 1; i++) {
            if (p[i] == 'c' && i + 1 < p.length && Character.isLetter(p[i + 1])) {
                int nl = indexOf(p, (byte) '\n', i + 1, 128);
                if (nl > 0 && indexOf(p, (byte) '\n', nl + 1, 128) > 0) {
                    globals.add(i);
                }
            }
        }
        if (globals.isEmpty()) {
            return p;
        }
        int at = globals.get(r.nextInt(globals.size()));
        int nl1 = indexOf(p, (byte) '\n', at + 1, 128);
        int nl2 = indexOf(p, (byte) '\n', nl1 + 1, 128);
        byte[] repl = (module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8);
        return splice(p, at + 1, nl2 - at, repl);
    }

    private static int indexOf(byte[] b, byte v, int from, int max) {
        for (int i = from; i < Math.min(b.length, from + max); i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------------ tokenizer

    private byte[] mutateTokenizer(byte[] json, SplittableRandom r, StringBuilder desc) throws IOException {
        int kind = r.nextInt(10);
        if (kind < 5) {
            ObjectNode root = (ObjectNode) JSON.readTree(json);
            tokenizerOp(root, r, desc);
            if (r.nextBoolean()) {
                mutateTree(root, r, desc);
            }
            return JSON.writeValueAsBytes(root);
        }
        if (kind < 7) {
            JsonNode root = JSON.readTree(json);
            mutateTree(root, r, desc);
            return JSON.writeValueAsBytes(root);
        }
        if (kind < 9) {
            return mutateJsonText(json, r, desc);
        }
        return mutateBytes(json, r, desc);
    }

    private static void tokenizerOp(ObjectNode root, SplittableRandom r, StringBuilder desc) {
        ObjectNode model = root.get("model") instanceof ObjectNode m ? m : root.putObject("model");
        switch (r.nextInt(10)) {
            case 0 -> {
                String[] types = {"BPE", "WordPiece", "WordLevel", "Unigram", "X", ""};
                String t = types[r.nextInt(types.length)];
                model.put("type", t);
                desc.append(" model.type=").append(t);
            }
            case 1 -> {
                if (model.get("vocab") instanceof ObjectNode v && v.isEmpty() == false) {
                    List<String> names = new ArrayList<>();
                    v.fieldNames().forEachRemaining(names::add);
                    String tok = names.get(r.nextInt(names.size()));
                    long[] ids = {-1, 1L << 32, Integer.MAX_VALUE, 0, Long.MAX_VALUE};
                    long id = ids[r.nextInt(ids.length)];
                    v.put(tok, id);
                    desc.append(" vocab-id=").append(id);
                } else {
                    model.set("vocab", VALUES.get(r.nextInt(VALUES.size())).apply(r));
                    desc.append(" vocab=value");
                }
            }
            case 2 -> {
                ArrayNode merges = model.putArray("merges");
                String[] ms = {"a b", "zz yy", "", "a", "a b c", "\u0000 \u0000", "ab ab"};
                for (int i = 0; i < 1 + r.nextInt(20); i++) {
                    merges.add(ms[r.nextInt(ms.length)]);
                }
                model.put("type", "BPE");
                desc.append(" merges");
            }
            case 3 -> {
                ArrayNode added = root.putArray("added_tokens");
                long[] ids = {0, 1, 999_999_999, -5, 1L << 31};
                for (int i = 0; i < 1 + r.nextInt(4); i++) {
                    added.addObject()
                        .put("id", ids[r.nextInt(ids.length)])
                        .put("content", r.nextBoolean() ? "" : "<x" + i + ">")
                        .put("single_word", false)
                        .put("lstrip", false)
                        .put("rstrip", false)
                        .put("normalized", r.nextBoolean())
                        .put("special", true);
                }
                desc.append(" added_tokens");
            }
            case 4 -> {
                String[] patterns = {"(a*)*b", "\\p{Unknown}", "a{100000}", "(", "[", "(?<n>a)\\k<n>", "\\x{110000}", "", ".*?", "(a|aa)+$",
                    "[\\s\\S]{0,65535}"};
                String pat = patterns[r.nextInt(patterns.length)];
                ObjectNode pre = root.putObject("pre_tokenizer");
                pre.put("type", "Split").putObject("pattern").put("Regex", pat);
                pre.put("behavior", r.nextBoolean() ? "Isolated" : "Nope").put("invert", r.nextBoolean());
                desc.append(" split-regex=").append(pat);
            }
            case 5 -> {
                String[] types = {"NFC", "NFKD", "Lowercase", "Strip", "Replace", "Prepend", "Precompiled", "X", "BertNormalizer"};
                String t = types[r.nextInt(types.length)];
                ObjectNode n = root.putObject("normalizer").put("type", t);
                if (r.nextBoolean()) {
                    n.put("precompiled_charsmap", "AAAA" + "/".repeat(r.nextInt(100)));
                    n.putObject("pattern").put("Regex", "(");
                }
                desc.append(" normalizer=").append(t);
            }
            case 6 -> {
                ObjectNode pp = root.putObject("post_processor").put("type", "TemplateProcessing");
                pp.putArray("single").addObject().putObject("SpecialToken").put("id", "<zz>").put("type_id", 0);
                pp.putObject("special_tokens").putObject("<zz>").put("id", "<zz>").putArray("ids").add(1L << 40);
                desc.append(" template");
            }
            case 7 -> {
                root.putObject("truncation").put("max_length", r.nextBoolean() ? 0 : -1).put("stride", Integer.MAX_VALUE);
                root.putObject("padding").put("pad_id", -1).put("pad_to_multiple_of", 0);
                desc.append(" truncation+padding");
            }
            case 8 -> {
                String[] types = {"ByteLevel", "Metaspace", "WordPiece", "BPEDecoder", "CTC", "X", "Sequence"};
                String t = types[r.nextInt(types.length)];
                root.putObject("decoder").put("type", t).put("replacement", "").put("prefix", "");
                desc.append(" decoder=").append(t);
            }
            default -> {
                model.put("unk_token", r.nextBoolean() ? "<not-in-vocab>" : "");
                model.put("max_input_chars_per_word", r.nextBoolean() ? 0 : -1);
                model.put("continuing_subword_prefix", "");
                model.put("dropout", r.nextBoolean() ? 1.5 : -0.5);
                desc.append(" model-options");
            }
        }
    }
}
