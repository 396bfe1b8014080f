/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.opensearch.test.OpenSearchTestCase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.RefCase;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.tokenizer.TinyTokenizer;

/** The CLI called in-process: outputs against the numpy goldens, and one clean stderr line per error class. */
public class LlocoCliTests extends OpenSearchTestCase {

    /** Exit code, stdout and stderr of one command line. */
    record Run(int code, String out, String err) {

        String errLine() {
            return err.strip();
        }
    }

    static Run run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LlocoCli.standard()
            .run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static RefCase refCase(String name) throws IOException {
        return new RefCase(RefCase.root().resolve(name));
    }

    private static String csv(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    private static float[][] read(Path file, String tensor) throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
            return RefCase.matrix(r.get(tensor));
        }
    }

    /** Asserts a failure: the exit code and exactly one stderr line containing every fragment, no stack trace. */
    private static void assertFails(Run r, int code, String... fragments) {
        assertEquals(r.err, code, r.code);
        assertEquals("one stderr line: " + r.err, 1, r.errLine().lines().count());
        assertFalse(r.err, r.err.contains("\tat "));
        for (String f : fragments) {
            assertTrue(r.err, r.err.contains(f));
        }
    }

    public void testLogitsWithPrefixAndAdapterMatchGolden() throws IOException {
        RefCase c = refCase("mha_f32_ac_lora");
        Path dir = createTempDir();
        Path prefix = dir.resolve("prefix.safetensors");
        float[][] p = c.golden("prefix");
        float[] flat = new float[p.length * p[0].length];
        for (int i = 0; i < p.length; i++) {
            System.arraycopy(p[i], 0, flat, i * p[0].length, p[0].length);
        }
        new SafeTensorsWriter().add("summaries", new long[]{p.length, p[0].length}, flat).write(prefix, StoredDtype.F32);
        Path out = dir.resolve("logits.safetensors");
        String ids = csv(c.ints("ids"));
        Run plain = run("logits", "--model", c.modelDir().toString(), "--ids", ids, "--out", out.toString());
        assertEquals(plain.err, 0, plain.code);
        assertTrue(RefCase.relErr(read(out, "logits"), c.golden("logits")) < 1e-4);
        Run lora = run(
            "logits",
            "--model",
            c.modelDir().toString(),
            "--adapter",
            c.adapterDir().toString(),
            "--prefix",
            prefix.toString(),
            "--ids",
            ids,
            "--out",
            out.toString()
        );
        assertEquals(lora.err, 0, lora.code);
        assertTrue(RefCase.relErr(read(out, "logits"), c.golden("logits_lora")) < 1e-4);
    }

    public void testCompressAndGenerateMatchGolden() throws IOException {
        RefCase c = refCase("gqa_f16_ropelinear_ac_lora");
        Path dir = createTempDir();
        Path out = dir.resolve("s.safetensors");
        String ids = csv(c.ints("ids"));
        String seg = Integer.toString(c.json.get("segment_tokens").asInt());
        Run acc = run("compress", "--model", c.modelDir().toString(), "--ids", ids, "--segment-tokens", seg, "--out", out.toString());
        assertEquals(acc.err, 0, acc.code);
        assertTrue(RefCase.relErr(read(out, "summaries"), c.golden("summaries")) < 1e-4);
        Run ind = run(
            "compress",
            "--model",
            c.modelDir().toString(),
            "--ids",
            ids,
            "--segment-tokens=" + seg,
            "--independent",
            "--out",
            out.toString()
        );
        assertEquals(ind.err, 0, ind.code);
        assertTrue(RefCase.relErr(read(out, "summaries"), c.golden("summaries_independent")) < 1e-4);

        String maxNew = Integer.toString(c.json.get("max_new_tokens").asInt());
        Run gen = run("generate", "--model", c.modelDir().toString(), "--ids", ids, "--max-new-tokens", maxNew);
        assertEquals(gen.err, 0, gen.code);
        assertEquals(1, gen.out.strip().lines().count());
        JsonNode json = new ObjectMapper().readTree(gen.out);
        int[] got = new int[json.get("ids").size()];
        for (int i = 0; i < got.length; i++) {
            got[i] = json.get("ids").get(i).asInt();
        }
        assertArrayEquals(c.ints("greedy_ids"), got);
        assertTrue(json.get("text").isNull());
        // seeded sampling is reproducible through the CLI
        String[] sampled = {"generate", "--model", c.modelDir().toString(), "--ids", ids, "--max-new-tokens", "5", "--temperature", "0.8",
            "--top-p", "0.9", "--seed", "7"};
        assertEquals(run(sampled).out, run(sampled).out);
    }

    public void testPromptAndTextFileUseTheTokenizer() throws IOException {
        Path model = createTempDir().resolve("model");
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(
                io.lloco.runtime.checkpoint.LlamaConfig.builder().hiddenSize(16).intermediateSize(24).numHiddenLayers(1)
                    .numAttentionHeads(2).vocabSize(TinyTokenizer.VOCAB).summaryLength(2).build(),
                root,
                3,
                0.5
            )) {
            w.save(model);
        }
        Run noTok = run("generate", "--model", model.toString(), "--prompt", "the cat");
        assertFails(noTok, 1, "tokenizer.json");
        TinyTokenizer.write(model);
        Run gen = run("generate", "--model", model.toString(), "--prompt", "the cat", "--max-new-tokens", "4");
        assertEquals(gen.err, 0, gen.code);
        JsonNode json = new ObjectMapper().readTree(gen.out);
        assertTrue(json.get("text").isTextual());
        Path text = model.resolve("doc.txt");
        Files.writeString(text, "in the beginning the cat sat in the hat. ".repeat(20), StandardCharsets.UTF_8);
        Path out = model.resolve("s.safetensors");
        Run comp = run(
            "compress",
            "--model",
            model.toString(),
            "--text-file",
            text.toString(),
            "--segment-tokens",
            "64",
            "--out",
            out.toString()
        );
        assertEquals(comp.err, 0, comp.code);
        float[][] s = read(out, "summaries");
        assertEquals(16, s[0].length);
        assertEquals(0, s.length % 2);
        assertTrue("several segments", s.length >= 4);
    }

    public void testFloat16OnLlama2ScaleActivationsMatchesGoldenWithinTwoPercent() throws IOException {
        RefCase c = refCase("llama2scale_bf16_ac_lora");
        Path dir = createTempDir();
        Path out = dir.resolve("o.safetensors");
        String ids = csv(c.ints("ids"));
        String model = c.modelDir().toString();
        Run logits = run(
            "logits",
            "--model",
            model,
            "--adapter",
            c.adapterDir().toString(),
            "--ids",
            ids,
            "--out",
            out.toString(),
            "--dtype",
            "float16"
        );
        assertEquals(logits.err, 0, logits.code);
        assertTrue(logits.err, logits.err.contains("(computed in float16)"));
        // no prefix: compare against a golden computed here from the plain path
        Run ref = run("logits", "--model", model, "--ids", ids, "--out", dir.resolve("p.safetensors").toString(), "--dtype", "float16");
        assertEquals(ref.err, 0, ref.code);
        double err = RefCase.relErr(read(dir.resolve("p.safetensors"), "logits"), c.golden("logits"));
        assertTrue("float16 logits rel err " + err, err < 2e-2 && err > 1e-5);
        String seg = Integer.toString(c.json.get("segment_tokens").asInt());
        Run acc = run("compress", "--model", model, "--ids", ids, "--segment-tokens", seg, "--out", out.toString(), "--dtype=float16");
        assertEquals(acc.err, 0, acc.code);
        err = RefCase.relErr(read(out, "summaries"), c.golden("summaries"));
        assertTrue("float16 summaries rel err " + err, err < 2e-2 && err > 1e-5);
        try (SafeTensorsReader r = SafeTensorsReader.open(out)) {
            assertEquals("float16", r.metadata().get("dtype"));
        }
        // float32 compute with float16-resident weights: a BF16 checkpoint loses nothing
        Run resident = run(
            "compress",
            "--model",
            model,
            "--ids",
            ids,
            "--segment-tokens",
            seg,
            "--out",
            out.toString(),
            "--weights-dtype",
            "float16"
        );
        assertEquals(resident.err, 0, resident.code);
        assertTrue(resident.err, resident.err.contains("(computed in float32 (weights float16))"));
        assertTrue(RefCase.relErr(read(out, "summaries"), c.golden("summaries")) < 1e-4);
        Run gen = run("generate", "--model", model, "--ids", ids, "--max-new-tokens", "3", "--dtype", "float16");
        assertEquals(gen.err, 0, gen.code);
    }

    public void testUsageErrorsExitTwo() {
        String model = RefCase.root().resolve("mqa_f32_eps1e6").resolve("model").toString();
        assertFails(run("logits", "--model", model, "--ids", "1,2", "--out", "x", "--colour", "red"), 2, "unknown option --colour");
        assertFails(run("logits", "--model", model, "--out", "x"), 2, "--ids is required");
        assertFails(run("logits", "--model", model, "--ids", "1,x", "--out", "x"), 2, "item 1 is [x]");
        assertFails(
            run("logits", "--model", model, "--ids", "1,64", "--out", createTempDir().resolve("o").toString()),
            2,
            "token id 64",
            "[0, 64)"
        );
        assertFails(run("generate", "--model", model, "--ids", "-3"), 2, "token id -3");
        assertFails(run("generate", "--model", model, "--ids", "1", "--prompt", "hi"), 2, "exactly one of --prompt or --ids");
        assertFails(run("generate", "--model", model, "--ids", "1", "--top-p", "1.5"), 2, "top_p");
        assertFails(run("compress", "--model", model, "--ids", "1", "--segment-tokens", "0", "--out", "x"), 2, "--segment-tokens");
        assertFails(run("compress", "--model", model, "--ids", "1", "stray", "--out", "x"), 2, "unexpected argument [stray]");
        assertFails(run("frobnicate"), 2, "unknown command [frobnicate]");
        assertFails(
            run("logits", "--model", model, "--ids", "1", "--out", "x", "--dtype", "bfloat16"),
            2,
            "option --dtype: unknown dtype [bfloat16]; use one of [auto, float32, float16]"
        );
        assertFails(
            run("compress", "--model", model, "--ids", "1", "--out", "x", "--weights-dtype", "int8"),
            2,
            "option --weights-dtype: unknown weights dtype [int8]; use one of [compute, float16]"
        );
        assertEquals(2, run().code);
        Run help = run("--help");
        assertEquals(0, help.code);
        for (String cmd : new String[]{"logits", "compress", "generate", "train", "eval"}) {
            assertTrue(help.out, help.out.contains("  " + cmd + " "));
        }
        assertEquals(0, run("generate", "--help").code);
    }

    public void testInputErrorsExitOne() throws IOException {
        RefCase c = refCase("mha_f32_ac_lora");
        Path dir = createTempDir();
        Path out = dir.resolve("o.safetensors");
        // missing model directory
        assertFails(
            run("logits", "--model", dir.resolve("nope").toString(), "--ids", "1", "--out", out.toString()),
            1,
            "does not exist",
            "nope"
        );
        // truncated weights: header length beyond the file
        Path trunc = dir.resolve("trunc");
        Files.createDirectories(trunc);
        Files.copy(c.modelDir().resolve("config.json"), trunc.resolve("config.json"));
        byte[] whole = Files.readAllBytes(c.modelDir().resolve("model.safetensors"));
        Files.write(trunc.resolve("model.safetensors"), Arrays.copyOf(whole, 100));
        assertFails(
            run("logits", "--model", trunc.toString(), "--ids", "1", "--out", out.toString()),
            1,
            "model.safetensors",
            "header length"
        );
        // corrupt header JSON
        byte[] corrupt = whole.clone();
        corrupt[8] = '#'; // the header's opening brace
        Files.write(trunc.resolve("model.safetensors"), corrupt);
        assertFails(run("logits", "--model", trunc.toString(), "--ids", "1", "--out", out.toString()), 1, "not valid JSON");
        // unknown dtype in a prefix file
        Path badPrefix = dir.resolve("prefix.safetensors");
        String header = "{\"summaries\":{\"dtype\":\"F8_E5M2\",\"shape\":[1,32],\"data_offsets\":[0,32]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 32).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(badPrefix, b.array());
        assertFails(
            run("generate", "--model", c.modelDir().toString(), "--prefix", badPrefix.toString(), "--ids", "1"),
            1,
            "F8_E5M2",
            "[summaries]"
        );
        // a prefix of the wrong width
        new SafeTensorsWriter().add("summaries", new long[]{2, 8}, new float[16]).write(badPrefix, StoredDtype.F32);
        assertFails(
            run("generate", "--model", c.modelDir().toString(), "--prefix", badPrefix.toString(), "--ids", "1"),
            1,
            "[2, 8]",
            "[S, 32]"
        );
        // an adapter that does not fit the model
        String otherModel = RefCase.root().resolve("gqa_bf16_tied_sharded").resolve("model").toString();
        assertFails(
            run("generate", "--model", otherModel, "--adapter", c.adapterDir().toString(), "--ids", "1"),
            1,
            "adapter",
            "has shape"
        );
        // a plain Llama cannot compress
        String plain = RefCase.root().resolve("mqa_f32_eps1e6").resolve("model").toString();
        assertFails(run("compress", "--model", plain, "--ids", "1,2", "--out", out.toString()), 1, "not an AutoCompressor");
        // missing text file
        assertFails(
            run("compress", "--model", c.modelDir().toString(), "--text-file", dir.resolve("none.txt").toString(), "--out", out.toString()),
            1,
            "none.txt"
        );
    }
}
