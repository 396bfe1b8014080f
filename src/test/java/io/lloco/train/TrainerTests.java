/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Projection;
import io.lloco.runtime.train.AdamW;
import io.lloco.runtime.train.PrefixLoss;
import io.lloco.runtime.train.TrainSupport;
import io.lloco.train.world.WorldTokenizer;

public class TrainerTests extends OpenSearchTestCase {

    private static ModelShape shape() {
        return new ModelShape(32, 2, 4, 2, 64, 50, 3, 7, 256);
    }

    public void testAdamWMatchesTheFormula() {
        try (NDManager root = NDManager.newBaseManager()) {
            NDArray w = root.create(new float[]{1f, -2f, 0.5f, 3f}, new ai.djl.ndarray.types.Shape(2, 2));
            NDArray norm = root.create(new float[]{1f, 1f});
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w", w);
            params.put("norm", norm);
            double[] g1 = {0.1, -0.2, 0.3, 0.0};
            double[] g2 = {-0.4, 0.1, 0.3, 1.0};
            double lr = 0.01;
            double wd = 0.1;
            try (AdamW opt = new AdamW(params, new AdamW.Hyper(0.9, 0.95, 1e-8, wd), root)) {
                double[] ref = {1, -2, 0.5, 3};
                double[] m = new double[4];
                double[] v = new double[4];
                for (int t = 1; t <= 2; t++) {
                    double[] g = t == 1 ? g1 : g2;
                    try (NDManager step = root.newSubManager()) {
                        float[] gf = new float[4];
                        for (int i = 0; i < 4; i++) {
                            gf[i] = (float) g[i];
                        }
                        Map<String, NDArray> grads = Map.of("w", step.create(gf, new ai.djl.ndarray.types.Shape(2, 2)));
                        opt.step(grads, lr, 0.5);
                    }
                    for (int i = 0; i < 4; i++) {
                        double gs = g[i] * 0.5;
                        m[i] = 0.9 * m[i] + 0.1 * gs;
                        v[i] = 0.95 * v[i] + 0.05 * gs * gs;
                        double mh = m[i] / (1 - Math.pow(0.9, t));
                        double vh = v[i] / (1 - Math.pow(0.95, t));
                        ref[i] = ref[i] * (1 - lr * wd) - lr * mh / (Math.sqrt(vh) + 1e-8);
                    }
                }
                float[] got = w.toFloatArray();
                for (int i = 0; i < 4; i++) {
                    assertEquals("element " + i, ref[i], got[i], 1e-6);
                }
                assertArrayEquals("a parameter without gradient is left alone", new float[]{1f, 1f}, norm.toFloatArray(), 0f);
                assertEquals(2, opt.steps());
            }
        }
    }

    public void testLearningRateSchedule() {
        assertEquals(0.1, TrainSupport.learningRate(0, 100, 10, 1.0, 0.0), 1e-12);
        assertEquals(1.0, TrainSupport.learningRate(9, 100, 10, 1.0, 0.0), 1e-12);
        assertEquals(1.0, TrainSupport.learningRate(10, 100, 10, 1.0, 0.0), 1e-12);
        assertEquals(0.55, TrainSupport.learningRate(55, 100, 10, 1.0, 0.1), 1e-12); // half-way down the cosine
        assertEquals(0.1, TrainSupport.learningRate(100, 100, 10, 1.0, 0.1), 1e-12);
    }

    /** Cross-entropy through {@link PrefixLoss} equals log-softmax computed by hand from the model's logits. */
    public void testPrefixLossIsTheTargetNll() {
        ModelShape s = shape();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(s.toConfig(), root, 3, 0.2);
            LlamaModel m = new LlamaModel(w)) {
            int[] prompt = {5, 9, 11};
            int[] target = {7, 2};
            try (GradMode g = GradMode.disabled(); NDManager req = w.manager().newSubManager()) {
                NDArray prefix = req.randomNormal(new ai.djl.ndarray.types.Shape(1, 4, s.hidden()));
                PrefixLoss.Result r = PrefixLoss.compute(
                    m,
                    req,
                    prefix,
                    List.of(new PrefixLoss.Item(prompt, target), new PrefixLoss.Item(new int[]{4}, new int[]{2})),
                    null
                );
                assertEquals(3, r.tokens());
                // independent: one row, full logits
                NDArray emb = m.embed(req, new int[]{5, 9, 11, 7, 2}).expandDims(0);
                NDArray hidden = m.forward(prefix.concat(emb, 1), io.lloco.runtime.model.SequenceLayout.unpadded(1), null, null);
                float[][] logits = new float[9][];
                NDArray lg = m.logits(hidden);
                for (int i = 0; i < 9; i++) {
                    logits[i] = lg.get(0, i).toFloatArray();
                }
                double nll = -logSoftmax(logits[6], 7) - logSoftmax(logits[7], 2);
                NDArray emb2 = m.embed(req, new int[]{4, 2}).expandDims(0);
                NDArray lg2 = m.logits(m.forward(prefix.concat(emb2, 1), io.lloco.runtime.model.SequenceLayout.unpadded(1), null, null));
                nll -= logSoftmax(lg2.get(0, 4).toFloatArray(), 2);
                assertEquals(nll, r.nll().getFloat(), 1e-4);
            }
        }
    }

    private static double logSoftmax(float[] l, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : l) {
            sum += Math.exp(v - max);
        }
        return l[k] - max - Math.log(sum);
    }

    /**
     * Gradients flow through the summaries into earlier segments: a token that occurs only in segment 0 gets an
     * embedding gradient from a loss read after the summaries, unless the stop-gradient cuts after segment 0.
     * The differentiable summaries also equal the runtime's inference compression.
     */
    public void testGradientsFlowThroughSummariesAcrossSegments() throws Exception {
        ModelShape s = shape();
        int[] ids = {10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27}; // 3 segments of 7, 7, 1
        // untied head, so the token-embedding gradient comes from the input path only
        com.fasterxml.jackson.databind.node.ObjectNode json = s.toJson().put("tie_word_embeddings", false);
        io.lloco.runtime.checkpoint.LlamaConfig untied = io.lloco.runtime.checkpoint.LlamaConfig.parse(json, "test");
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(untied, root, 5, 0.2);
            LlamaModel m = new LlamaModel(w)) {
            SegmentCompressor comp = new SegmentCompressor(m, s.segmentTokens());
            Embeddings reference = new AutoCompressor(m).compress(ids, s.segmentTokens(), false);
            double[] rowGrad = new double[2];
            for (int detach : new int[]{0, 1}) {
                Map<String, NDArray> params = w.named();
                TrainSupport.requireGradients(params);
                try (NDManager sm = w.manager().newSubManager()) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        SegmentCompressor.Result r = comp.run(sm, ids, false, detach);
                        assertEquals(3, r.segments());
                        assertNull(r.lmNll());
                        float[] got = r.summaries().toFloatArray();
                        float[] want = reference.data();
                        assertEquals(want.length, got.length);
                        for (int i = 0; i < want.length; i++) {
                            assertEquals(want[i], got[i], 1e-4);
                        }
                        // a loss reading only the LAST segment's summaries: with detach=1 segment 0 is cut off
                        NDArray last = r.summaries().get(new ai.djl.ndarray.index.NDIndex(":, {}:", 2 * s.summaryLength()));
                        PrefixLoss.Result pl = PrefixLoss
                            .compute(m, sm, last, List.of(new PrefixLoss.Item(new int[]{40}, new int[]{41, 2})), null);
                        gc.backward(pl.nll());
                    }
                    Map<String, NDArray> grads = TrainSupport.gradients(params, sm);
                    float[] ge = grads.get(LlamaWeights.EMBED_TOKENS).toFloatArray();
                    double sum = 0;
                    for (int j = 0; j < s.hidden(); j++) {
                        sum += Math.abs(ge[12 * s.hidden() + j]); // token 12: only in segment 0
                    }
                    rowGrad[detach] = sum;
                    TrainSupport.zero(grads, true);
                    assertEquals(0.0, TrainSupport.globalNorm(grads), 0.0);
                }
            }
            assertTrue("segment-0 token gets a gradient through two summary hops: " + rowGrad[0], rowGrad[0] > 1e-6);
            assertEquals("stop-gradient after every segment cuts it", 0.0, rowGrad[1], 0.0);
        }
    }

    /** A run stopped and resumed from its checkpoint ends bit-identical to an uninterrupted run. */
    public void testResumeIsExact() throws Exception {
        Path tok = tokenizerFile();
        Path a = createTempDir().resolve("a");
        Path b = createTempDir().resolve("b");
        try (NDManager root = NDManager.newBaseManager()) {
            ModelShape ci = ModelShape.ci(WorldTokenizer.load(tok).vocabSize());
            Pretrainer.run(pretrain(a, false, 6, 0, ci, tok), root, quiet());
            Pretrainer.run(pretrain(b, false, 6, 3, ci, tok), root, quiet());
            assertEquals(3, TrainSupport.readJson(b.resolve("checkpoint").resolve(TrainSupport.STATE)).path("step").asInt());
            Pretrainer.run(pretrain(b, true, 6, 0, ci, tok), root, quiet());
            expectThrows(java.io.IOException.class, () -> Pretrainer.run(pretrain(a, false, 6, 0, ci, tok), root, quiet()));
        }
        assertArrayEquals(
            Files.readAllBytes(a.resolve("checkpoint").resolve("model.safetensors")),
            Files.readAllBytes(b.resolve("checkpoint").resolve("model.safetensors"))
        );
        assertArrayEquals(
            Files.readAllBytes(a.resolve("checkpoint").resolve(TrainSupport.OPTIMIZER)),
            Files.readAllBytes(b.resolve("checkpoint").resolve(TrainSupport.OPTIMIZER))
        );
    }

    /** LoRA training (stopped and resumed) writes a PEFT adapter the runtime loads; the F16 export loads too. */
    public void testLoraTrainerWritesAPeftAdapterAndResumes() throws Exception {
        Path ad = createTempDir().resolve("adapter");
        try (NDManager root = NDManager.newBaseManager()) {
            Path model = ciBase(root);
            LoraTrainer.Options o = lora(model, ad, false, 4, 2);
            LoraTrainer.run(o, root, quiet());
            LoraTrainer.run(lora(model, ad, true, 4, 0), root, quiet());
            assertTrue(Files.isRegularFile(ad.resolve("adapter_config.json")));
            try (LlamaWeights w = LlamaWeights.load(model, root); LoraWeights l = LoraWeights.load(ad, w.config(), w.manager())) {
                assertEquals(8, l.config().r());
                assertEquals(4 * w.config().numHiddenLayers() * 2, l.named().size());
            }
            Path out = createTempDir().resolve("export");
            long bytes = ModelExport.export(model, ad, out, quiet());
            assertTrue(bytes > 0);
            assertTrue(Files.isRegularFile(out.resolve("lloco.json")));
            assertEquals(
                ModelShape.ci(WorldTokenizer.bundled().vocabSize()).segmentTokens(),
                io.lloco.runtime.checkpoint.ModelManifest.read(out).segmentTokens()
            );
            try (LlamaWeights w32 = LlamaWeights.load(model, root); LlamaWeights w16 = LlamaWeights.load(out, root)) {
                float[] x = w32.embedTokens().toFloatArray();
                float[] y = w16.embedTokens().toFloatArray();
                for (int i = 0; i < x.length; i += 97) {
                    assertEquals(x[i], y[i], Math.abs(x[i]) * 1e-3 + 1e-6);
                }
                LoraWeights.load(out.resolve("adapters").resolve("default"), w16.config(), w16.manager()).close();
            }
        }
    }

    /**
     * --context text: the adapter of the retrieval-augmented baseline reads the retrieved segments' tokens; from the
     * same seed it learns something else than the adapter that reads their summaries, and it needs --retrieve.
     */
    public void testLoraTrainerReadsRetrievedSegmentsAsText() throws Exception {
        try (NDManager root = NDManager.newBaseManager()) {
            Path model = ciBase(root);
            Path summaries = createTempDir().resolve("summaries");
            Path text = createTempDir().resolve("text");
            LoraTrainer.run(retrieved(lora(model, summaries, false, 3, 0), LoraTrainer.Context.SUMMARIES), root, quiet());
            LoraTrainer.run(retrieved(lora(model, text, false, 3, 0), LoraTrainer.Context.TEXT), root, quiet());
            assertEquals("text", TrainSupport.readJson(text.resolve("checkpoint").resolve(TrainSupport.STATE)).path("context").asText());
            assertEquals(
                2.0,
                TrainSupport.readJson(text.resolve("checkpoint").resolve(TrainSupport.STATE)).path("sentence_boost").asDouble(),
                0
            );
            double[] d = queryBDifference(root, model, summaries, text);
            assertTrue("the text adapter trained", d[1] > 0);
            assertTrue("the text adapter read something else than the summaries", d[0] > 0);
        }
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> new LoraTrainer.Options(
                Path.of("m"), Path.of("o"), false, 1, 1, 1, 8, 16, 1e-3, 1, 1, new int[]{100}, 1,
                java.util.EnumSet.of(io.lloco.train.world.TaskFamily.LOOKUP), 1, 1, 1, 0, 0, 0,
                io.lloco.runtime.compress.Segmentation.Boundary.SENTENCE, LoraTrainer.Options.attention(), LoraTrainer.Context.TEXT, 0,
                false, 0.0
            )
        );
        assertTrue(e.getMessage(), e.getMessage().contains("--retrieve"));
        assertEquals(LoraTrainer.Context.TEXT, LoraTrainer.Context.parse("text"));
        expectThrows(IllegalArgumentException.class, () -> LoraTrainer.Context.parse("tokens"));
    }

    /**
     * lloco eval --segment-tokens: the evaluator cuts segments of at most that many tokens instead of the model's own, and
     * reports the per-segment compression it measured (document tokens per segment over the summary vectors of one).
     */
    public void testEvaluatorCutsSegmentsOfTheLengthAsked() throws Exception {
        try (NDManager root = NDManager.newBaseManager()) {
            Path model = ciBase(root);
            try (LlamaWeights w = LlamaWeights.load(model, root); LlamaModel m = new LlamaModel(w)) {
                WorldTokenizer t = WorldTokenizer.load(tokenizerFile());
                assertEquals(ModelShape.ci(t.vocabSize()).segmentTokens(), new Evaluator(m, t).segmentTokens());
                expectThrows(IllegalArgumentException.class, () -> new Evaluator(m, t, 0));
                Evaluator.Spec spec = new Evaluator.Spec(
                    io.lloco.train.world.TaskFamily.LOOKUP,
                    Evaluator.Mode.LLOCO,
                    2,
                    7,
                    512,
                    1,
                    false,
                    2,
                    io.lloco.runtime.compress.Segmentation.Boundary.TOKENS
                );
                com.fasterxml.jackson.databind.node.ObjectNode own = new Evaluator(m, t).run(spec, null);
                com.fasterxml.jackson.databind.node.ObjectNode longer = new Evaluator(m, t, 128).run(spec, null);
                int s = w.config().summaryLength();
                assertEquals(64, own.path("segment_tokens").asInt());
                assertEquals(128, longer.path("segment_tokens").asInt());
                // fixed cuts: every segment but the document's last is exactly the length asked
                double ownMean = own.path("mean_segment_tokens").asDouble();
                double longerMean = longer.path("mean_segment_tokens").asDouble();
                assertTrue(own.toString(), ownMean > 48 && ownMean <= 64);
                assertTrue(longer.toString(), longerMean > 96 && longerMean <= 128);
                assertEquals(longerMean / s, longer.path("compression_per_segment").asDouble(), 1e-3);
                assertEquals(s, longer.path("summary_vectors_per_segment").asInt());
                // the same two segments' summaries are read either way: equal decoder positions
                assertEquals(own.path("mean_decoder_positions").asDouble(), longer.path("mean_decoder_positions").asDouble(), 1e-9);
            }
        }
    }

    /** The options of {@code o} on the retrieval path: the best sentence segment, by sentences and options, read as {@code context}. */
    static LoraTrainer.Options retrieved(LoraTrainer.Options o, LoraTrainer.Context context) {
        return new LoraTrainer.Options(
            o.model(), o.out(), o.resume(), o.steps(), o.seed(), o.worldSeed(), o.rank(), o.alpha(), o.lr(), o.warmup(), o.docs(),
            o.docTokens(), o.questions(), o.tasks(), o.logEvery(), o.checkpointEvery(), o.checkpointMinutes(), o.maxMinutes(), o.stopAt(),
            1, io.lloco.runtime.compress.Segmentation.Boundary.SENTENCE, o.targets(), context, 2.0, true, o.contrastWeight()
        );
    }

    /** --target-modules: an adapter on all seven projections trains its MLP factors too; a resume that asks for others is refused. */
    public void testLoraTrainerAdaptsTheMlpWhenAsked() throws Exception {
        assertEquals(LoraTrainer.Options.attention(), LoraTrainer.Options.targets("q_proj,k_proj,v_proj,o_proj"));
        assertEquals(java.util.EnumSet.allOf(Projection.class), LoraTrainer.Options.targets("all"));
        assertEquals(java.util.EnumSet.of(Projection.Q, Projection.DOWN), LoraTrainer.Options.targets(" down_proj, q_proj "));
        IllegalArgumentException bad = expectThrows(IllegalArgumentException.class, () -> LoraTrainer.Options.targets("q_proj,mlp"));
        assertTrue(bad.getMessage(), bad.getMessage().contains("[mlp]") && bad.getMessage().contains("gate_proj"));
        expectThrows(IllegalArgumentException.class, () -> LoraTrainer.Options.targets(" , "));
        Path ad = createTempDir().resolve("adapter");
        try (NDManager root = NDManager.newBaseManager()) {
            Path model = ciBase(root);
            LoraTrainer.Options attention = lora(model, ad, false, 3, 0);
            LoraTrainer.Options all = withTargets(attention, java.util.EnumSet.allOf(Projection.class));
            LoraTrainer.run(all, root, quiet());
            String config = Files.readString(ad.resolve("adapter_config.json"));
            for (Projection p : Projection.values()) {
                assertTrue(config, config.contains("\"" + p.moduleName() + "\""));
            }
            try (LlamaWeights w = LlamaWeights.load(model, root); LoraWeights l = LoraWeights.load(ad, w.config(), w.manager())) {
                assertEquals(7 * w.config().numHiddenLayers() * 2, l.named().size());
                for (Projection p : List.of(Projection.GATE, Projection.UP, Projection.DOWN)) {
                    // B starts at zero: after three steps it moved only if the loss reached the MLP factors
                    float[] b = l.pair(0, p).b().toFloatArray();
                    double norm = 0;
                    for (float v : b) {
                        norm += v * v;
                    }
                    assertTrue(p + " B is still zero", norm > 0);
                }
            }
            LoraTrainer.Options resumeAttention = lora(model, ad, true, 6, 0);
            IllegalArgumentException e = expectThrows(
                IllegalArgumentException.class,
                () -> LoraTrainer.run(resumeAttention, root, quiet())
            );
            assertTrue(e.getMessage(), e.getMessage().contains("--target-modules"));
        }
    }

    /**
     * {sum |B_a - B_b|, sum |B_b|} over layer 0's q_proj LoRA B factors of the adapters in {@code a} and {@code b} on
     * {@code model}: whether two runs learned different adapters, and whether {@code b} learned at all.
     */
    static double[] queryBDifference(NDManager root, Path model, Path a, Path b) throws Exception {
        try (
            LlamaWeights w = LlamaWeights.load(model, root);
            LoraWeights x = LoraWeights.load(a, w.config(), w.manager());
            LoraWeights y = LoraWeights.load(b, w.config(), w.manager())) {
            float[] p = x.pair(0, Projection.Q).b().toFloatArray();
            float[] q = y.pair(0, Projection.Q).b().toFloatArray();
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < p.length; i++) {
                diff += Math.abs(p[i] - q[i]);
                norm += Math.abs(q[i]);
            }
            return new double[]{diff, norm};
        }
    }

    /** A 2-step pretrained ci-shape base; its checkpoint directory. */
    private Path ciBase(NDManager root) throws Exception {
        Path tok = tokenizerFile();
        Path base = createTempDir().resolve("base");
        Pretrainer.run(pretrain(base, false, 2, 0, ModelShape.ci(WorldTokenizer.load(tok).vocabSize()), tok), root, quiet());
        return base.resolve("checkpoint");
    }

    static LoraTrainer.Options withTargets(LoraTrainer.Options o, java.util.EnumSet<Projection> targets) {
        return new LoraTrainer.Options(
            o.model(), o.out(), o.resume(), o.steps(), o.seed(), o.worldSeed(), o.rank(), o.alpha(), o.lr(), o.warmup(), o.docs(),
            o.docTokens(), o.questions(), o.tasks(), o.logEvery(), o.checkpointEvery(), o.checkpointMinutes(), o.maxMinutes(), o.stopAt(),
            o.retrieve(), o.boundary(), targets, o.context(), o.sentenceBoost(), o.matchChoices(), o.contrastWeight()
        );
    }

    static Pretrainer.Options pretrain(Path out, boolean resume, long steps, long stopAt, ModelShape shape, Path tok) {
        return new Pretrainer.Options(
            out, resume, steps, 3, 1, shape, tok, 2e-3, 2e-4, 2, 0.01, 1.0, 2, 2, 4, 0.5, 0, 1.0, 1.0, 2, 1.0, 0, 0, 0, 1, 1000, 60, 0,
            stopAt
        );
    }

    static LoraTrainer.Options lora(Path model, Path out, boolean resume, long steps, long stopAt) {
        return new LoraTrainer.Options(
            model,
            out,
            resume,
            steps,
            1,
            1,
            8,
            16,
            1e-3,
            1,
            3,
            new int[]{100},
            2,
            java.util.EnumSet.allOf(io.lloco.train.world.TaskFamily.class),
            1,
            1000,
            60,
            0,
            stopAt,
            0,
            io.lloco.runtime.compress.Segmentation.Boundary.TOKENS,
            LoraTrainer.Options.attention(),
            LoraTrainer.Context.SUMMARIES,
            0,
            false,
            0.0
        );
    }

    static Path tokenizerFile() throws Exception {
        Path p = Path.of(System.getProperty("lloco.project.dir", ".")).resolve("src/main/resources" + WorldTokenizer.RESOURCE);
        assertTrue("tokenizer " + p, Files.isRegularFile(p));
        return p;
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
