/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.nio.file.Path;
import java.util.EnumSet;

import org.opensearch.test.OpenSearchTestCase;

import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.WorldTokenizer;

/**
 * The CI-sized proof of the trainer: a reduced pretraining run of a 0.5M-parameter AutoCompressor on the world
 * (2 layers, hidden 64, 4 summaries per 64-token segment), then LoRA finetuning on its compressed contexts, then
 * the eval path. Independent yardsticks: the uniform-chance NLL ln(V) and the first step's loss.
 */
public class TrainingRunTests extends OpenSearchTestCase {

    public void testReducedRunLossFallsAndEvalRuns() throws Exception {
        // one intra-op thread: this model is too small to gain from two, and libgomp's spin-waiting makes a
        // 2-thread run on a busy 2-core box 10-40x slower
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        try {
            reducedRun();
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }

    private void reducedRun() throws Exception {
        Path tok = TrainerTests.tokenizerFile();
        WorldTokenizer t = WorldTokenizer.load(tok);
        double chanceNll = Math.log(t.vocabSize());
        ModelShape ci = ModelShape.ci(t.vocabSize());
        Path run = createTempDir();
        try (NDManager root = NDManager.newBaseManager()) {
            Pretrainer.Options po = new Pretrainer.Options(
                run.resolve("pretrain"), false, 300, 1, 1, ci, tok, 3e-3, 3e-4, 10, 0.01, 1.0, 2, 20, 8, 0.5, 0, 1.0, 1.0, 2, 1.0, 0, 0, 0,
                50,
                1000, 60, 0, 0
            );
            Pretrainer.Summary ps = Pretrainer.run(po, root, TrainerTests.quiet());
            assertEquals(300, ps.step());
            assertEquals("an untrained model is at chance: " + ps.firstLm(), chanceNll, ps.firstLm(), 0.5);
            assertTrue("LM loss (EMA) falls well below chance ln(V)=" + chanceNll + ": " + ps.lastLm(), ps.lastLm() < 0.7 * chanceNll);
            assertTrue("fact-recall loss (EMA) falls well below chance: " + ps.lastCloze(), ps.lastCloze() < 0.7 * chanceNll);
            Path model = run.resolve("pretrain").resolve("checkpoint");
            LoraTrainer.Options lo = new LoraTrainer.Options(
                model,
                run.resolve("lora"),
                false,
                60,
                1,
                1,
                8,
                16,
                3e-3,
                5,
                12,
                new int[]{128},
                4,
                EnumSet.allOf(TaskFamily.class),
                20,
                1000,
                60,
                0,
                0,
                0,
                io.lloco.runtime.compress.Segmentation.Boundary.TOKENS,
                LoraTrainer.Options.attention(),
                LoraTrainer.Context.SUMMARIES,
                0,
                false,
                0.0
            );
            LoraTrainer.Summary ls = LoraTrainer.run(lo, root, TrainerTests.quiet());
            assertTrue(
                "QA loss (EMA) falls from the first step: " + ls.firstLoss() + " -> " + ls.lastLoss(),
                ls.lastLoss() < 0.7 * ls.firstLoss()
            );
            try (
                LlamaWeights w = LlamaWeights.load(model, root);
                LlamaModel m = new LlamaModel(w);
                LoraWeights lora = LoraWeights.load(run.resolve("lora"), w.config(), w.manager())) {
                Evaluator ev = new Evaluator(m, t);
                ObjectNode lloco = ev.run(new Evaluator.Spec(TaskFamily.CHOICE, Evaluator.Mode.LLOCO, 8, 7, 256, 4), lora);
                ObjectNode none = ev.run(new Evaluator.Spec(TaskFamily.CHOICE, Evaluator.Mode.NONE, 8, 7, 256, 4), lora);
                assertEquals(8, lloco.path("n").asInt());
                double acc = lloco.path("accuracy").asDouble();
                assertTrue(acc >= 0 && acc <= 1);
                // 256-token documents = 4 segments = 16 summary vectors instead of 256 tokens
                assertEquals(
                    lloco.path("mean_full_context_tokens").asDouble() - 256 + 16,
                    lloco.path("mean_decoder_positions").asDouble(),
                    8.0
                );
                assertEquals(none.path("mean_decoder_positions").asDouble() + 16, lloco.path("mean_decoder_positions").asDouble(), 8.0);
            }
            SummaryProbe.Result probe;
            try (LlamaWeights w = LlamaWeights.load(model, root); LlamaModel m = new LlamaModel(w)) {
                probe = SummaryProbe.run(m, t, 1, 8, 1, 0.5, ci.segmentTokens());
            }
            assertTrue("held-out fact recall beats the uniform-chance NLL: " + probe.ownNll(), probe.ownNll() < 0.6 * chanceNll);
            logger.info(
                "reduced run: lm {} -> {}, cloze {} -> {}, qa {} -> {}, probe own {} swapped {}",
                ps.firstLm(),
                ps.lastLm(),
                ps.firstCloze(),
                ps.lastCloze(),
                ls.firstLoss(),
                ls.lastLoss(),
                probe.ownNll(),
                probe.swappedNll()
            );
        }
    }
}
