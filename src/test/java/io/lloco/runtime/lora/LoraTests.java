/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.lora;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import io.lloco.runtime.TinyModels;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LinearDelta;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Projection;
import io.lloco.runtime.model.SequenceLayout;

public class LoraTests extends OpenSearchTestCase {

    /** Random A/B for every layer of {@code targets}, as float arrays keyed by the PEFT key (optionally with .default). */
    static Map<String, float[]> randomAdapter(LlamaConfig c, Set<Projection> targets, int r, Random rnd) {
        Map<String, float[]> m = new java.util.LinkedHashMap<>();
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (Projection p : targets) {
                long[] io = LoraWeights.inOut(c, p);
                float[] a = new float[(int) (r * io[0])];
                float[] b = new float[(int) (io[1] * r)];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) rnd.nextGaussian() * 0.3f;
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) rnd.nextGaussian() * 0.3f;
                }
                m.put(LoraWeights.key(l, p, true), a);
                m.put(LoraWeights.key(l, p, false), b);
            }
        }
        return m;
    }

    static String configJson(int r, double alpha, List<String> targets, String extra) {
        StringBuilder t = new StringBuilder();
        for (String s : targets) {
            t.append(t.length() == 0 ? "" : ",").append('"').append(s).append('"');
        }
        return "{\"peft_type\":\"LORA\",\"task_type\":\"CAUSAL_LM\",\"r\":" + r + ",\"lora_alpha\":" + alpha
            + ",\"lora_dropout\":0.05,\"bias\":\"none\",\"fan_in_fan_out\":false,\"target_modules\":[" + t + "],"
            + "\"base_model_name_or_path\":\"test\",\"modules_to_save\":null" + extra + "}";
    }

    /** Writes an adapter directory; shapes come from the key (A [r, in], B [out, r]) unless overridden. */
    static Path writeAdapter(Path dir, String configJson, LlamaConfig c, int r, Map<String, float[]> tensors, Map<String, long[]> shapes)
        throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), configJson, StandardCharsets.UTF_8);
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            long[] shape = shapes == null ? null : shapes.get(e.getKey());
            if (shape == null) {
                shape = new long[]{e.getValue().length / r, r};
                if (e.getKey().contains("lora_A")) {
                    shape = new long[]{r, e.getValue().length / r};
                }
            }
            w.add(e.getKey(), shape, e.getValue());
        }
        w.write(dir.resolve("adapter_model.safetensors"), StoredDtype.F32);
        return dir;
    }

    private static double[][] naiveLogits(
        io.lloco.runtime.model.LlamaWeights w,
        int[] ids,
        Map<String, float[]> lora,
        int r,
        double scale
    ) {
        var ref = new NaiveRef(w);
        return ref.logits(ids, lora, r, scale);
    }

    private static float[][] logits(LlamaModel m, int[] ids, LinearDelta delta) {
        try (GradMode g = GradMode.disabled(); NDManager req = m.newRequestManager()) {
            NDArray h = m.forward(m.embed(req, ids).expandDims(0), SequenceLayout.unpadded(1), null, delta);
            float[] flat = m.logits(h).toFloatArray();
            int v = m.config().vocabSize();
            float[][] out = new float[ids.length][];
            for (int i = 0; i < ids.length; i++) {
                out[i] = Arrays.copyOfRange(flat, i * v, (i + 1) * v);
            }
            return out;
        }
    }

    public void testUnmergedAdapterMatchesNaiveReference() throws IOException {
        LlamaConfig c = TinyModels.odd();
        Random rnd = new Random(4);
        int r = 4;
        Set<Projection> targets = EnumSet.of(Projection.Q, Projection.V, Projection.O, Projection.DOWN);
        Map<String, float[]> t = randomAdapter(c, targets, r, rnd);
        Path dir = writeAdapter(
            createTempDir(),
            configJson(r, 6, List.of("q_proj", "v_proj", "o_proj", "down_proj"), ",\"use_rslora\":true"),
            c,
            r,
            t,
            null
        );
        int[] ids = TinyModels.randomIds(rnd, 9, c.vocabSize());
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 3, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            try (LoraWeights a = LoraWeights.load(dir, c, w.manager())) {
                assertEquals(6 / Math.sqrt(4), a.config().scale(), 1e-12);
                assertEquals(targets, a.config().targets());
                double[][] expected = naiveLogits(w, ids, t, r, 6 / Math.sqrt(4));
                double err = TinyModels.relErr(expected, logits(m, ids, a));
                assertTrue("rel err " + err, err < 1e-5);
                double[][] base = naiveLogits(w, ids, null, r, 0);
                assertTrue("the adapter changes the output", TinyModels.relErr(base, logits(m, ids, a)) > 1e-2);
                double baseErr = TinyModels.relErr(base, logits(m, ids, null));
                assertTrue("base untouched " + baseErr, baseErr < 1e-5);
            }
        }
    }

    public void testInitializedAdapterIsIdentityAndSaveLoadRoundTrips() throws IOException {
        LlamaConfig c = TinyModels.odd();
        Random rnd = new Random(8);
        int[] ids = TinyModels.randomIds(rnd, 7, c.vocabSize());
        LoraConfig lc = new LoraConfig(2, 4, EnumSet.of(Projection.K, Projection.GATE, Projection.UP), false, 0.05, "base/x");
        Path dir = createTempDir().resolve("adapter");
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 3, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            float[][] base = logits(m, ids, null);
            try (LoraWeights a = LoraWeights.initialize(lc, c, w.manager(), 99)) {
                float[][] same = logits(m, ids, a);
                for (int i = 0; i < ids.length; i++) {
                    assertArrayEquals(base[i], same[i], 0f);
                }
                // make B non-zero, then save and reload
                for (Map.Entry<String, NDArray> e : a.named().entrySet()) {
                    if (e.getKey().contains("lora_B")) {
                        float[] v = new float[(int) e.getValue().size()];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) rnd.nextGaussian();
                        }
                        e.getValue().set(v);
                    }
                }
                float[][] adapted = logits(m, ids, a);
                a.save(dir);
                com.fasterxml.jackson.databind.JsonNode cfg = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(dir.resolve("adapter_config.json").toFile());
                assertEquals("LORA", cfg.get("peft_type").asText());
                assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
                assertEquals("base/x", cfg.get("base_model_name_or_path").asText());
                assertEquals(2, cfg.get("r").asInt());
                assertEquals(4, cfg.get("lora_alpha").asInt());
                assertEquals("[\"k_proj\",\"gate_proj\",\"up_proj\"]", cfg.get("target_modules").toString());
                try (LoraWeights b = LoraWeights.load(dir, c, w.manager())) {
                    assertEquals(a.named().keySet(), b.named().keySet());
                    for (String k : a.named().keySet()) {
                        assertArrayEquals(k, a.named().get(k).toFloatArray(), b.named().get(k).toFloatArray(), 0f);
                    }
                    float[][] again = logits(m, ids, b);
                    for (int i = 0; i < ids.length; i++) {
                        assertArrayEquals(adapted[i], again[i], 0f);
                    }
                }
            }
        }
    }

    public void testDefaultAdapterNameSegmentAccepted() throws IOException {
        LlamaConfig c = TinyModels.odd();
        Map<String, float[]> t = randomAdapter(c, EnumSet.of(Projection.Q), 2, new Random(1));
        Map<String, float[]> renamed = new java.util.LinkedHashMap<>();
        t.forEach(
            (k, v) -> renamed
                .put(k.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight"), v)
        );
        Path dir = writeAdapter(createTempDir(), configJson(2, 2, List.of("q_proj"), ""), c, 2, renamed, null);
        try (NDManager root = NDManager.newBaseManager(); LoraWeights a = LoraWeights.load(dir, c, root)) {
            assertArrayEquals(t.get(LoraWeights.key(1, Projection.Q, false)), a.pair(1, Projection.Q).b().toFloatArray(), 0f);
            assertNull(a.pair(1, Projection.V));
        }
    }

    private void assertLoadFails(
        LlamaConfig c,
        String config,
        Map<String, float[]> t,
        Map<String, long[]> shapes,
        int r,
        String... expected
    )
        throws IOException {
        Path dir = writeAdapter(createTempDir(), config, c, r, t, shapes);
        try (NDManager root = NDManager.newBaseManager()) {
            CheckpointException e = expectThrows(CheckpointException.class, () -> LoraWeights.load(dir, c, root));
            for (String s : expected) {
                assertTrue(e.getMessage(), e.getMessage().contains(s));
            }
            assertEquals("nothing left allocated", 0, root.getManagedArrays().size());
        }
    }

    public void testLoadErrorsNameTheProblem() throws IOException {
        LlamaConfig c = TinyModels.odd();
        int r = 2;
        String ok = configJson(r, 4, List.of("q_proj", "v_proj"), "");
        Map<String, float[]> good = randomAdapter(c, EnumSet.of(Projection.Q, Projection.V), r, new Random(2));

        Map<String, float[]> missing = new java.util.LinkedHashMap<>(good);
        missing.remove(LoraWeights.key(1, Projection.V, false));
        assertLoadFails(c, ok, missing, null, r, "lacks tensor", LoraWeights.key(1, Projection.V, false));

        // rank mismatch: A stored as [3, 32]
        String aKey = LoraWeights.key(0, Projection.Q, true);
        Map<String, float[]> wrongRank = new java.util.LinkedHashMap<>(good);
        wrongRank.put(aKey, new float[3 * 32]);
        assertLoadFails(c, ok, wrongRank, Map.of(aKey, new long[]{3, 32}), r, aKey, "[3, 32]", "[2, 32]");

        // an adapter for a wider model: B of q_proj [64, 2] instead of [48, 2]
        String bKey = LoraWeights.key(0, Projection.Q, false);
        Map<String, float[]> wide = new java.util.LinkedHashMap<>(good);
        wide.put(bKey, new float[64 * 2]);
        assertLoadFails(c, ok, wide, Map.of(bKey, new long[]{64, 2}), r, bKey, "[64, 2]", "[48, 2]");

        Map<String, float[]> deep = new java.util.LinkedHashMap<>(good);
        deep.put(LoraWeights.key(5, Projection.Q, true), new float[2 * 32]);
        assertLoadFails(c, ok, deep, null, r, "layer 5", "only 2 layers");

        Map<String, float[]> untargeted = new java.util.LinkedHashMap<>(good);
        untargeted.putAll(randomAdapter(c, EnumSet.of(Projection.K), r, new Random(3)));
        assertLoadFails(c, ok, untargeted, null, r, "k_proj", "target_modules");

        Map<String, float[]> stray = new java.util.LinkedHashMap<>(good);
        stray.put("base_model.model.lm_head.lora_A.weight", new float[2 * 32]);
        assertLoadFails(c, ok, stray, null, r, "base_model.model.lm_head.lora_A.weight", "not a LoRA A/B weight");

        Map<String, float[]> otherName = new java.util.LinkedHashMap<>();
        good.forEach(
            (k, v) -> otherName.put(k.replace(".lora_A.weight", ".lora_A.mine.weight").replace(".lora_B.weight", ".lora_B.mine.weight"), v)
        );
        assertLoadFails(c, ok, otherName, null, r, "[mine]");

        assertLoadFails(c, configJson(r, 4, List.of("q_proj", "embed_tokens"), ""), good, null, r, "unknown module [embed_tokens]");
        assertLoadFails(c, ok.replace("\"fan_in_fan_out\":false", "\"fan_in_fan_out\":true"), good, null, r, "'fan_in_fan_out'");
        assertLoadFails(c, ok.replace("\"bias\":\"none\"", "\"bias\":\"all\""), good, null, r, "'bias'");
        assertLoadFails(c, ok.replace("\"LORA\"", "\"IA3\""), good, null, r, "'peft_type'");
        assertLoadFails(
            c,
            ok.replace("\"modules_to_save\":null", "\"modules_to_save\":[\"embed_summary\"]"),
            good,
            null,
            r,
            "'modules_to_save'"
        );
        assertLoadFails(c, ok.replace("\"r\":2", "\"r\":0"), good, null, r, "'r'");
        // was: asInt() wrapped 4294967298 to 2 and the adapter loaded as rank 2
        assertLoadFails(c, ok.replace("\"r\":2", "\"r\":4294967298"), good, null, r, "'r'", "between 1 and 256", "4294967298");

        // was: a bare NumberFormatException naming nothing
        Map<String, float[]> hugeLayer = new java.util.LinkedHashMap<>(good);
        String hugeKey = "base_model.model.model.layers.99999999999.self_attn.q_proj.lora_A.weight";
        hugeLayer.put(hugeKey, new float[2 * 32]);
        assertLoadFails(c, ok, hugeLayer, null, r, hugeKey, "adapts layer 99999999999", "only 2 layers");

        // was: loaded, and every answer read through the adapter became <unk><unk>...
        String poisonKey = LoraWeights.key(1, Projection.Q, true);
        for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Map<String, float[]> poisoned = new java.util.LinkedHashMap<>(good);
            float[] v = good.get(aKey).clone();
            v[3] = bad;
            poisoned.put(aKey, v);
            assertLoadFails(c, ok, poisoned, null, r, aKey, "holds " + bad + " at element 3", "re-export or retrain");
        }

        try (NDManager root = NDManager.newBaseManager()) {
            CheckpointException e = expectThrows(
                CheckpointException.class,
                () -> LoraWeights.load(createTempDir().resolve("none"), c, root)
            );
            assertTrue(e.getMessage(), e.getMessage().contains("does not exist"));
            Path noCfg = createTempDir();
            CheckpointException e2 = expectThrows(CheckpointException.class, () -> LoraWeights.load(noCfg, c, root));
            assertTrue(e2.getMessage(), e2.getMessage().contains("adapter_config.json"));
        }
    }

    /** An uploaded or directory adapter is held to the bounds _train puts on r (1..256) and alpha ((0, 4096]). */
    public void testConfigBoundsMatchTrain() throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> q = List.of("q_proj");
        assertEquals(256, LoraConfig.parse(json.readTree(configJson(256, 4096, q, "")), "x").r());
        assertEquals(4096.0, LoraConfig.parse(json.readTree(configJson(256, 4096, q, "")), "x").loraAlpha(), 0);
        for (String[] bad : new String[][]{
            {configJson(257, 16, q, ""), "field 'r' must be an integer between 1 and 256, got 257"},
            {configJson(8, 16, q, "").replace("\"r\":8", "\"r\":4294967304"),
                "field 'r' must be an integer between 1 and 256, got 4294967304"},
            {configJson(8, 16, q, "").replace("\"r\":8", "\"r\":8.5"), "field 'r'"},
            {configJson(8, 4096.5, q, ""), "field 'lora_alpha' must be a number in (0, 4096], got 4096.5"},
            {configJson(8, 1e300, q, ""), "field 'lora_alpha' must be a number in (0, 4096]"},
            {configJson(8, 0, q, ""), "field 'lora_alpha'"}}) {
            CheckpointException e = expectThrows(CheckpointException.class, () -> LoraConfig.parse(json.readTree(bad[0]), "x"));
            assertTrue(e.getMessage(), e.getMessage().contains(bad[1]));
        }
        expectThrows(IllegalArgumentException.class, () -> new LoraConfig(257, 16, java.util.Set.of(Projection.Q), false, 0, null));
        expectThrows(IllegalArgumentException.class, () -> new LoraConfig(8, 4097, java.util.Set.of(Projection.Q), false, 0, null));
    }

    public void testBatchWithDifferentAdaptersPerRowMatchesSeparateRuns() throws IOException {
        LlamaConfig c = TinyModels.odd();
        Random rnd = new Random(12);
        Path d1 = writeAdapter(
            createTempDir(),
            configJson(2, 4, List.of("q_proj", "v_proj"), ""),
            c,
            2,
            randomAdapter(c, EnumSet.of(Projection.Q, Projection.V), 2, rnd),
            null
        );
        Path d2 = writeAdapter(
            createTempDir(),
            configJson(3, 3, List.of("o_proj", "up_proj"), ""),
            c,
            3,
            randomAdapter(c, EnumSet.of(Projection.O, Projection.UP), 3, rnd),
            null
        );
        int[][] rows = {TinyModels.randomIds(rnd, 6, c.vocabSize()), TinyModels.randomIds(rnd, 4, c.vocabSize()),
            TinyModels.randomIds(rnd, 6, c.vocabSize()), TinyModels.randomIds(rnd, 5, c.vocabSize())};
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 3, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a1 = LoraWeights.load(d1, c, w.manager());
            LoraWeights a2 = LoraWeights.load(d2, c, w.manager())) {
            List<LoraWeights> perRow = Arrays.asList(a1, null, a2, a1);
            try (GradMode g = GradMode.disabled(); NDManager req = m.newRequestManager()) {
                int[] pads = new int[rows.length];
                NDList batch = new NDList();
                for (int b = 0; b < rows.length; b++) {
                    pads[b] = 6 - rows[b].length;
                    NDArray e = m.embed(req, rows[b]);
                    batch.add(pads[b] > 0 ? req.zeros(new Shape(pads[b], c.hiddenSize())).concat(e, 0) : e);
                }
                LinearDelta delta = LoraBatch.of(req, perRow, m.dataType());
                assertTrue(delta instanceof LoraBatch);
                NDArray h = m.forward(NDArrays.stack(batch, 0), SequenceLayout.leftPadded(pads), null, delta);
                for (int b = 0; b < rows.length; b++) {
                    float[][] single = logits(m, rows[b], perRow.get(b));
                    float[] flat = m.logits(h.get(new NDIndex("{}, {}:", b, pads[b]))).toFloatArray();
                    float[][] got = new float[rows[b].length][];
                    for (int i = 0; i < got.length; i++) {
                        got[i] = Arrays.copyOfRange(flat, i * c.vocabSize(), (i + 1) * c.vocabSize());
                    }
                    double err = TinyModels.relErr(single, got);
                    assertTrue("row " + b + " rel err " + err, err < 1e-5);
                }
                assertSame(a1, LoraBatch.of(req, Arrays.asList(a1, a1), m.dataType()));
                assertNull(LoraBatch.of(req, Arrays.asList(null, null), m.dataType()));
            }
        }
    }

    /** Gradients reach LoRA A/B through the unmerged forward (the trainer's path), checked against finite differences. */
    public void testGradientsReachAdapter() throws IOException {
        LlamaConfig c = TinyModels.odd();
        Random rnd = new Random(5);
        int r = 2;
        Map<String, float[]> t = randomAdapter(c, EnumSet.of(Projection.Q, Projection.DOWN), r, rnd);
        Path dir = writeAdapter(createTempDir(), configJson(r, 4, List.of("q_proj", "down_proj"), ""), c, r, t, null);
        int[] ids = TinyModels.randomIds(rnd, 5, c.vocabSize());
        float[] probe = new float[ids.length * c.vocabSize()];
        for (int i = 0; i < probe.length; i++) {
            probe[i] = (float) rnd.nextGaussian();
        }
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 3, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a = LoraWeights.load(dir, c, w.manager())) {
            String[] keys = {LoraWeights.key(0, Projection.Q, true), LoraWeights.key(1, Projection.DOWN, false)};
            for (String k : keys) {
                a.named().get(k).setRequiresGradient(true);
            }
            float[][] grads = new float[keys.length][];
            try (NDManager req = m.newRequestManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray lg = m.logits(m.forward(m.embed(req, ids).expandDims(0), SequenceLayout.unpadded(1), null, a));
                gc.backward(lg.mul(req.create(probe, lg.getShape())).sum());
                for (int i = 0; i < keys.length; i++) {
                    grads[i] = a.named().get(keys[i]).getGradient().toFloatArray();
                }
            }
            for (int i = 0; i < keys.length; i++) {
                float[] vals = t.get(keys[i]);
                double maxErr = 0;
                double maxFd = 0;
                for (int trial = 0; trial < 5; trial++) {
                    int j = rnd.nextInt(vals.length);
                    float saved = vals[j];
                    double eps = 1e-3;
                    vals[j] = (float) (saved + eps);
                    double up = probeLoss(w, ids, t, r, 2.0, probe);
                    vals[j] = (float) (saved - eps);
                    double down = probeLoss(w, ids, t, r, 2.0, probe);
                    vals[j] = saved;
                    double fd = (up - down) / ((float) (saved + eps) - (float) (saved - eps));
                    maxErr = Math.max(maxErr, Math.abs(fd - grads[i][j]));
                    maxFd = Math.max(maxFd, Math.abs(fd));
                }
                logger.info("lora grad {}: max |autograd - fd| {} (max |fd| {})", keys[i], maxErr, maxFd);
                assertTrue(keys[i] + " " + maxErr, maxErr < 2e-3 * Math.max(1, maxFd));
            }
        }
    }

    private static double probeLoss(LlamaWeights w, int[] ids, Map<String, float[]> lora, int r, double scale, float[] probe) {
        double[][] lg = naiveLogits(w, ids, lora, r, scale);
        double s = 0;
        int v = lg[0].length;
        for (int i = 0; i < lg.length; i++) {
            for (int j = 0; j < v; j++) {
                s += lg[i][j] * probe[i * v + j];
            }
        }
        return s;
    }

    public void testMergeRejectsMismatchedBaseAndMatchesUnmerged() throws IOException {
        LlamaConfig c = TinyModels.odd();
        Random rnd = new Random(6);
        Path dir = writeAdapter(
            createTempDir(),
            configJson(2, 4, List.of("k_proj", "gate_proj"), ""),
            c,
            2,
            randomAdapter(c, EnumSet.of(Projection.K, Projection.GATE), 2, rnd),
            null
        );
        int[] ids = TinyModels.randomIds(rnd, 6, c.vocabSize());
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 3, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a = LoraWeights.load(dir, c, w.manager())) {
            int before = root.getManagedArrays().size();
            try (LlamaWeights merged = a.merge(w, root); LlamaModel mm = new LlamaModel(merged)) {
                double err = TinyModels.relErr(logits(m, ids, a), logits(mm, ids, null));
                assertTrue("merged vs unmerged " + err, err < 1e-5);
            }
            assertEquals(before, root.getManagedArrays().size());
            LlamaConfig other = c.toBuilder().numHiddenLayers(3).build();
            try (LlamaWeights w3 = LlamaWeights.random(other, root, 3, 0.3)) {
                expectThrows(IllegalArgumentException.class, () -> a.merge(w3, root));
            }
        }
    }
}
