/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.train.world.Split;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

public class RecallTrainerTests extends OpenSearchTestCase {

    private static RecallTrainer.Options options(Path out, boolean resume, boolean summary, int docTokens, int segment, long steps) {
        WorldTokenizer t = WorldTokenizer.bundled();
        return new RecallTrainer.Options(
            out, resume, null, ModelShape.ci(t.vocabSize()), steps, 1, 1, 8, docTokens, 3, 0.25, 0.3, summary ? 1.0 : 0.0, segment, 0.5,
            3e-3, 3e-4, 5,
            0.01, 1.0, 10, 0, 8, 1000, 60, 0, 0, 0, 0, new int[0], false, 1, 0.0
        );
    }

    /** Bad options exit 2 with one line naming the option; nothing is written. */
    public void testCliRejectsBadOptions() throws Exception {
        Path out = createTempDir().resolve("r");
        for (String[] bad : new String[][]{
            {"--summary-rate", "2"},
            {"--batch", "0"},
            {"--doc-tokens", "100", "--segment", "64", "--summary-rate", "1"},
            {"--until-exact", "1.5"},
            {"--independent-rate", "-0.1"},
            {"--contrast-weight", "-1"},
            {"--source-tokens", "128", "--retrieve", "4", "--segment", "64"},
            {"--retrieve", "-1"},
            {"--lm-every", "0"},
            {"--bogus", "1"}}) {
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            String[] args = new String[bad.length + 5];
            args[0] = "recall";
            args[1] = "--out";
            args[2] = out.toString();
            args[3] = "--threads";
            args[4] = "1";
            System.arraycopy(bad, 0, args, 5, bad.length);
            int rc = io.lloco.cli.TrainCommand.run(
                args,
                TrainerTests.quiet(),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8)
            );
            String msg = err.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(msg, 2, rc);
            assertTrue(bad[0] + " named in: " + msg, msg.contains(bad[0].equals("--doc-tokens") ? "--segment" : bad[0]));
            assertFalse(java.nio.file.Files.exists(out.resolve("checkpoint")));
        }
    }

    /** Checks every answer of the row's chain ends with EOS and is stated in its context; returns how many. */
    private static int checkAnswersStated(WorldTokenizer tok, RecallSampler.Row r) {
        String context = tok.decode(r.context());
        int from = -1;
        int found = 0;
        for (int j = 0; j <= r.chain().length; j++) {
            boolean t = j < r.chain().length && r.target()[j];
            if (t && from < 0) {
                from = j;
            } else if (t == false && from >= 0) {
                int[] answer = Arrays.copyOfRange(r.chain(), from, j);
                assertEquals("every answer ends with EOS", WorldTokenizer.EOS_ID, answer[answer.length - 1]);
                String text = tok.decode(Arrays.copyOf(answer, answer.length - 1)).trim();
                String value = text.matches("[A-D]\\. .*") ? text.substring(3) : text;
                assertTrue("[" + value + "] must be stated in: " + context, context.contains(value));
                found++;
                from = -1;
            }
        }
        assertEquals(r.questions(), found);
        return found;
    }

    /** Every row is exactly docTokens long, and every answer (value, or the value of "X. value") is in its context. */
    public void testRowsAreExactAndEveryQuestionIsAnswerable() {
        WorldTokenizer tok = WorldTokenizer.bundled();
        RecallSampler s = new RecallSampler(new World(3, WorldConfig.defaults(), tok), 5, 96, 4, 0.5, 0.5);
        List<RecallSampler.Row> rows = s.batch(Split.PRETRAIN, 2, 24);
        assertEquals(24, rows.size());
        int questions = 0;
        for (RecallSampler.Row r : rows) {
            assertEquals(96, r.context().length);
            assertTrue(r.questions() >= 1 && r.questions() <= 4);
            int found = checkAnswersStated(tok, r);
            questions += found;
        }
        assertTrue("about 2 questions per 96-token document, got " + questions, questions >= 24);
        assertEquals("deterministic", rows.get(5).docId(), s.batch(Split.PRETRAIN, 2, 24).get(5).docId());
        assertArrayEquals(rows.get(7).chain(), s.batch(Split.PRETRAIN, 2, 24).get(7).chain());
        assertNotEquals(rows.get(0).docId(), s.batch(Split.PRETRAIN, 3, 24).get(0).docId());
    }

    /**
     * Statement rows (the AutoCompressor-style base): the same documents, every question replaced by a cloze statement
     * about its fact, whose value is stated in the context; no question or choice format anywhere in the chain.
     */
    public void testStatementRowsNeverAskAQuestion() {
        WorldTokenizer tok = WorldTokenizer.bundled();
        RecallSampler qa = new RecallSampler(new World(3, WorldConfig.defaults(), tok), 5, 96, 4, 0.5, 0.5);
        RecallSampler st = qa.statements();
        assertTrue(st.isStatements());
        assertFalse(qa.isStatements());
        List<RecallSampler.Row> rows = st.batch(Split.PRETRAIN, 2, 24);
        List<RecallSampler.Row> asked = qa.batch(Split.PRETRAIN, 2, 24);
        int needles = 0;
        for (int i = 0; i < rows.size(); i++) {
            RecallSampler.Row r = rows.get(i);
            assertEquals(96, r.context().length);
            checkAnswersStated(tok, r);
            String chain = tok.decode(r.chain());
            assertFalse(chain, chain.contains("Question") || chain.contains("Answer") || chain.contains("Choices") || chain.contains("?"));
            assertArrayEquals("the same documents", asked.get(i).context(), r.context());
            needles += chain.contains("secret") || chain.contains("magic") ? 1 : 0;
        }
        assertTrue("statement rows keep the needles", needles > 0);
        assertArrayEquals("deterministic", rows.get(3).chain(), st.batch(Split.PRETRAIN, 2, 24).get(3).chain());
        RecallSampler.Row ret = qa.retrieval(2, 48, new int[]{512}).statements().batch(Split.PRETRAIN, 0, 4).get(0);
        checkAnswersStated(tok, ret);
        assertFalse(tok.decode(ret.chain()).contains("Question"));
    }

    /**
     * Rows shorter than the world's shortest document (64 tokens) are the head of one; needle documents plant their
     * needle inside that head often enough to be asked.
     */
    public void testShortRowsAreHeadsAndAskTheirNeedles() {
        WorldTokenizer tok = WorldTokenizer.bundled();
        RecallSampler s = new RecallSampler(new World(3, WorldConfig.defaults(), tok), 5, 32, 4, 0.25, 1.0);
        List<RecallSampler.Row> rows = s.batch(Split.PRETRAIN, 0, 32);
        assertEquals(32, rows.size());
        int needles = 0;
        for (RecallSampler.Row r : rows) {
            assertEquals(32, r.context().length);
            checkAnswersStated(tok, r);
            if (tok.decode(r.chain()).contains("secret") || tok.decode(r.chain()).contains("magic")) {
                needles++;
            }
        }
        assertTrue("most 32-token rows of needle documents ask the needle, got " + needles + " of 32", needles >= 16);
    }

    /**
     * Retrieval rows: K whole segments of a long document, in document order, that its own BM25 retrieval picked for
     * the first question; every asked answer is stated inside them, and some rows also ask about another person.
     */
    public void testRetrievalRowsAreTheRetrievedSegments() {
        WorldTokenizer tok = WorldTokenizer.bundled();
        World world = new World(3, WorldConfig.defaults(), tok);
        RecallSampler s = new RecallSampler(world, 5, 128, 4, 0.5, 0.3).retrieval(2, 64, new int[]{512, 1024});
        List<RecallSampler.Row> rows = s.batch(Split.PRETRAIN, 1, 12);
        assertEquals(12, rows.size());
        int multi = 0;
        int traced = 0;
        for (RecallSampler.Row r : rows) {
            assertEquals(128, r.context().length);
            multi += checkAnswersStated(tok, r) > 1 ? 1 : 0;
            // the context is two 64-token segments of the source document, in order
            String source = null;
            for (int d = 0; d < 64 && source == null; d++) {
                if (world.document(Split.PRETRAIN, (5L << 32) + d, 512).id().equals(r.docId())) {
                    source = world.document(Split.PRETRAIN, (5L << 32) + d, 512).text();
                }
            }
            if (source != null) {
                int[] ids = tok.encode(source);
                String a = tok.decode(Arrays.copyOfRange(r.context(), 0, 64));
                String b = tok.decode(Arrays.copyOfRange(r.context(), 64, 128));
                int ia = -1;
                int ib = -1;
                for (int k = 0; k + 64 <= ids.length; k += 64) {
                    String seg = tok.decode(Arrays.copyOfRange(ids, k, k + 64));
                    ia = seg.equals(a) && ia < 0 ? k : ia;
                    ib = seg.equals(b) ? k : ib;
                }
                assertTrue("both segments come from the document, in order: " + ia + " < " + ib, ia >= 0 && ib > ia);
                traced++;
            }
        }
        assertTrue("some rows ask more than the retrieving question", multi > 0);
        assertTrue("some rows traced back to their 512-token source document", traced > 0);
        expectThrows(IllegalArgumentException.class, () -> new RecallSampler(world, 5, 128, 4, 0.5, 0.3).retrieval(4, 64, new int[]{128}));
    }

    /** The trainer's batched summaries equal the runtime compressor's, document by document (accumulate mode). */
    public void testBatchedSummariesEqualTheRuntimeCompressor() throws Exception {
        checkSummariesEqualTheRuntimeCompressor(false);
    }

    /** The same with --independent-rate 1: every segment compressed alone, as lloco_compress mode independent does. */
    public void testIndependentSummariesEqualTheRuntimeCompressor() throws Exception {
        checkSummariesEqualTheRuntimeCompressor(true);
    }

    private void checkSummariesEqualTheRuntimeCompressor(boolean independent) throws Exception {
        WorldTokenizer tok = WorldTokenizer.bundled();
        RecallTrainer.Options base = options(createTempDir(), false, true, 96, 32, 1);
        RecallTrainer.Options o = new RecallTrainer.Options(
            base.out(), base.resume(), base.init(), base.shape(), base.steps(), base.seed(), base.worldSeed(), base.batch(),
            base.docTokens(), base.questions(), base.choiceRate(), base.needleRate(), base.summaryRate(), base.segmentTokens(),
            base.lmWeight(), base.lr(), base.minLr(), base.warmup(), base.weightDecay(), base.clip(), base.logEvery(),
            base.probeEvery(), base.probeDocs(), base.checkpointEvery(), base.checkpointMinutes(), base.maxMinutes(),
            base.untilExact(), independent ? 1.0 : 0.0, base.retrieve(), base.sourceTokens(), base.statements(), base.lmEvery(), 0.0
        );
        try (NDManager root = NDManager.newBaseManager()) {
            LlamaWeights w = LlamaWeights.random(o.shape().toConfig(), root, 4, 0.02);
            Pretrainer.initSummaryTable(w, 4);
            try (LlamaModel model = new LlamaModel(w); GradMode g = GradMode.disabled(); NDManager m = root.newSubManager()) {
                List<RecallSampler.Row> rows = new RecallSampler(new World(1, WorldConfig.defaults(), tok), 1, 96, 3, 0, 0).batch(
                    Split.PRETRAIN,
                    0,
                    3
                );
                RecallTrainer.Context ctx = new RecallTrainer(o, model, tok).context(m, rows, true, false);
                int s = w.config().summaryLength();
                assertArrayEquals(new long[]{3, 3L * s, w.config().hiddenSize()}, ctx.vectors().getShape().getShape());
                float[] batched = ctx.vectors().toFloatArray();
                AutoCompressor ac = new AutoCompressor(model);
                int per = 3 * s * w.config().hiddenSize();
                for (int r = 0; r < 3; r++) {
                    Embeddings e = ac.compress(rows.get(r).context(), 32, independent);
                    float[] mine = Arrays.copyOfRange(batched, r * per, (r + 1) * per);
                    assertArrayEquals("row " + r, e.data(), mine, 2e-5f);
                }
            }
        }
    }

    /** --lm-every N: the language-modelling loss covers every N-th document token only, from summaries and from text alike. */
    public void testLanguageModellingOnEveryNthToken() throws Exception {
        WorldTokenizer tok = WorldTokenizer.bundled();
        try (NDManager root = NDManager.newBaseManager()) {
            LlamaWeights w = LlamaWeights.random(ModelShape.ci(tok.vocabSize()).toConfig(), root, 4, 0.02);
            Pretrainer.initSummaryTable(w, 4);
            List<RecallSampler.Row> rows = new RecallSampler(new World(1, WorldConfig.defaults(), tok), 1, 96, 3, 0, 0).batch(
                Split.PRETRAIN,
                0,
                3
            );
            int[] summaryTokens = new int[2];
            int[] textTokens = new int[2];
            double[] summaryNll = new double[2];
            try (LlamaModel model = new LlamaModel(w)) {
                for (int k = 0; k < 2; k++) {
                    RecallTrainer.Options o = everyNth(options(createTempDir(), false, true, 96, 32, 1), k == 0 ? 1 : 4);
                    try (NDManager m = root.newSubManager()) {
                        RecallTrainer t = new RecallTrainer(o, model, tok);
                        RecallTrainer.Context ctx = t.context(m, rows, true, true);
                        summaryTokens[k] = ctx.lmTokens();
                        summaryNll[k] = ctx.lmNll().getFloat();
                        // the text rows' LM loss is taken while training (gradients recorded)
                        try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                            textTokens[k] = t.losses(m, rows, false, null).lmTokens();
                        }
                    }
                }
            }
            // independent segments of 32 (the probe's and these options' mode): tokens 1..31 of each of 3 segments, 3 rows
            assertEquals(3 * 3 * 31, summaryTokens[0]);
            // every 4th document position: 4, 8, ..., 28 of each segment
            assertEquals(3 * 3 * 7, summaryTokens[1]);
            // raw text: tokens 1..95 of each row, then those at multiples of 4
            assertEquals(3 * 95, textTokens[0]);
            assertEquals(3 * 23, textTokens[1]);
            assertTrue("a sample of the same positions' loss", summaryNll[1] > 0 && summaryNll[1] < summaryNll[0]);
        }
    }

    private static RecallTrainer.Options everyNth(RecallTrainer.Options b, int lmEvery) {
        return new RecallTrainer.Options(
            b.out(), b.resume(), b.init(), b.shape(), b.steps(), b.seed(), b.worldSeed(), b.batch(), b.docTokens(), b.questions(),
            b.choiceRate(), b.needleRate(), b.summaryRate(), b.segmentTokens(), b.lmWeight(), b.lr(), b.minLr(), b.warmup(),
            b.weightDecay(), b.clip(), b.logEvery(), b.probeEvery(), b.probeDocs(), b.checkpointEvery(), b.checkpointMinutes(),
            b.maxMinutes(), b.untilExact(), 1.0, b.retrieve(), b.sourceTokens(), b.statements(), lmEvery, 0.0
        );
    }

    /** A short run in each mode: answer loss falls from chance, the probe runs, a checkpoint resumes. */
    public void testShortRunsLearnAndResume() throws Exception {
        ai.djl.engine.Engine.getEngine("PyTorch");
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        try (NDManager root = NDManager.newBaseManager()) {
            double chance = Math.log(WorldTokenizer.bundled().vocabSize());
            Path text = createTempDir().resolve("text");
            RecallTrainer.Summary s = RecallTrainer.run(options(text, false, false, 64, 64, 40), root, TrainerTests.quiet());
            assertEquals(40, s.step());
            assertEquals("untrained: chance", chance, s.firstQa(), 0.6);
            assertTrue("answer loss falls well below chance " + chance + ": " + s.lastQa(), s.lastQa() < 0.75 * chance);
            assertNotNull(s.probe());
            assertTrue(s.probe().questions() >= 8);
            assertTrue(s.probe().rightFirst() >= s.probe().rightExact());
            assertTrue("missed answers are shown: " + s.probe().missed(), s.probe().missed().size() > 0);
            assertTrue(s.probe().missed().get(0), s.probe().missed().get(0).contains(" -> "));
            RecallTrainer.Summary more = RecallTrainer.run(options(text, true, false, 64, 64, 50), root, TrainerTests.quiet());
            assertEquals(50, more.step());
            expectThrows(
                java.io.IOException.class,
                () -> RecallTrainer.run(options(text, false, false, 64, 64, 60), root, TrainerTests.quiet())
            );
            Path summary = createTempDir().resolve("summary");
            RecallTrainer.Summary ss = RecallTrainer.run(options(summary, false, true, 64, 32, 30), root, TrainerTests.quiet());
            assertTrue("summary mode learns too: " + ss.lastQa(), ss.lastQa() < 0.8 * chance);
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }

    /**
     * The binding contrast's rivals: only on answer positions, never on needles; the answer's tokens before the rival
     * plus the rival spell the start of another value stated in the same context, not the gold value; the rows are
     * otherwise the rows without rivals (same contexts and chains, which the other tests pin down).
     */
    public void testRivalsStartAnotherValueStatedInTheContext() {
        WorldTokenizer tok = WorldTokenizer.bundled();
        World world = new World(3, WorldConfig.defaults(), tok);
        RecallSampler s = new RecallSampler(world, 5, 512, 8, 0.0, 0.3).retrieval(2, 256, new int[]{1024, 2048}).statements();
        int rivals = 0;
        int answers = 0;
        for (RecallSampler.Row r : s.batch(Split.PRETRAIN, 0, 12)) {
            String context = tok.decode(r.context());
            assertEquals(r.chain().length, r.avoid().length);
            int from = -1;
            for (int j = 0; j <= r.chain().length; j++) {
                boolean t = j < r.chain().length && r.target()[j];
                if (j < r.chain().length && t == false) {
                    assertEquals("rivals only on answer tokens", -1, r.avoid()[j]);
                }
                if (t && from < 0) {
                    from = j;
                } else if (t == false && from >= 0) {
                    answers++;
                    String prompt = tok.decode(Arrays.copyOfRange(r.chain(), Math.max(0, from - 4), from));
                    int at = -1;
                    for (int k = from; k < j; k++) {
                        if (r.avoid()[k] >= 0) {
                            assertEquals("one rival per answer", -1, at);
                            at = k;
                        }
                    }
                    if (at >= 0) {
                        assertFalse("no rival for needles: " + prompt, prompt.contains("secret") || prompt.contains("magic"));
                        assertNotEquals(r.chain()[at], r.avoid()[at]);
                        int[] start = Arrays.copyOfRange(r.chain(), from, at + 1);
                        start[start.length - 1] = r.avoid()[at];
                        String rival = tok.decode(start).trim();
                        String gold = tok.decode(Arrays.copyOfRange(r.chain(), from, j - 1)).trim();
                        assertFalse(rival + " is not the gold value " + gold, gold.startsWith(rival));
                        assertTrue(rival + " starts a value stated in the context", context.contains(rival));
                        rivals++;
                    }
                    from = -1;
                }
            }
            assertEquals(Arrays.stream(r.avoid()).filter(a -> a >= 0).count(), r.contrasted());
        }
        assertTrue("most statements about 512 tokens of people have a same-kind rival: " + rivals + " of " + answers, rivals * 2 > answers);
    }

    /** The unlikelihood is -log(1 - p(rival)) of the rival rows only, and its gradient lowers the rival's logit. */
    public void testUnlikelihoodPushesTheRivalDown() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] raw = {0.5f, 1.5f, -0.2f, 0.1f, 2.0f, 0.3f, -1.0f, 0.7f};
            ai.djl.ndarray.NDArray logits = m.create(raw, new ai.djl.ndarray.types.Shape(2, 4));
            logits.setRequiresGradient(true);
            RecallTrainer.Losses l = new RecallTrainer.Losses(null, 2, null, 0, 0, logits, new int[]{1, 0}, new int[]{1}, new int[]{3});
            double z = Math.exp(2.0) + Math.exp(0.3) + Math.exp(-1.0) + Math.exp(0.7);
            double p = Math.exp(0.7) / z;
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                ai.djl.ndarray.NDArray u = RecallTrainer.unlikelihood(l);
                assertEquals(-Math.log(1 - p), u.getFloat(), 1e-5);
                gc.backward(u);
            }
            float[] g = logits.getGradient().toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals("row 0 has no rival", 0f, g[i], 0f);
            }
            assertTrue("descent lowers the rival's logit: " + g[7], g[7] > 0);
            assertTrue("and raises the others': " + g[4], g[4] < 0);
        }
    }

    /** The probe counts every rival position of its rows and reports the share the right token wins. */
    public void testProbeReportsBinding() throws Exception {
        WorldTokenizer tok = WorldTokenizer.bundled();
        RecallSampler s = new RecallSampler(new World(3, WorldConfig.defaults(), tok), 5, 128, 8, 0.0, 0.0)
            .retrieval(2, 64, new int[]{1024})
            .statements();
        List<RecallSampler.Row> rows = s.batch(Split.VALIDATION, 0, 8);
        int expected = rows.stream().mapToInt(RecallSampler.Row::contrasted).sum();
        assertTrue("the probe rows have rivals", expected > 0);
        RecallTrainer.Options o = options(createTempDir(), false, true, 128, 64, 1);
        try (NDManager root = NDManager.newBaseManager()) {
            LlamaWeights w = LlamaWeights.random(o.shape().toConfig(), root, 4, 0.02);
            Pretrainer.initSummaryTable(w, 4);
            try (LlamaModel model = new LlamaModel(w)) {
                RecallTrainer.Probe p = new RecallTrainer(o, model, tok).probe(root, rows, true);
                assertEquals(expected, p.contrasted());
                assertTrue(p.binding() >= 0 && p.binding() <= 1);
                assertTrue(RecallTrainer.describe(p), RecallTrainer.describe(p).contains("binding"));
            }
        }
    }
}
