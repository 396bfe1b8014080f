/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.nio.file.Files;
import java.nio.file.Path;

import org.opensearch.test.OpenSearchTestCase;

import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.WorldTokenizer;

/**
 * The embedded lloco-tiny model and its default adapter, evaluated on a fixed seed of the held-out split.
 *
 * <p>What is asserted is what the shipped checkpoint measurably does (see models/lloco-tiny/MODEL_CARD.md): it
 * loads through the runtime, fits the size budget, compresses 4k-token documents into at least 16x fewer
 * decoder positions, and its adapter has learned the answer formats the base does not produce. It does NOT
 * yet beat chance on answers read from the summaries (the base does not read its summaries at this stage of
 * pretraining); that bar is reported in the model card, not asserted here.
 */
public class ShippedModelTests extends OpenSearchTestCase {

    private static Path dir() {
        return Path.of(System.getProperty("lloco.project.dir", ".")).resolve("src/main/resources/io/lloco/models/lloco-tiny");
    }

    public void testShippedModelLoadsFitsAndCompresses() throws Exception {
        Path d = dir();
        assertTrue("embedded model at " + d, Files.isRegularFile(d.resolve("model.safetensors")));
        long bytes = Files.size(d.resolve("model.safetensors")) + Files.size(d.resolve("adapters/default/adapter_model.safetensors"));
        assertTrue("base + default adapter <= 30 MB: " + bytes, bytes <= 30_000_000L);
        assertEquals(512, TrainSupport.readJson(d.resolve("lloco.json")).path("segment_tokens").asInt());
        ai.djl.engine.Engine.getEngine("PyTorch");
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        try (
            NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.load(d, root);
            LlamaModel m = new LlamaModel(w);
            LoraWeights lora = LoraWeights.load(d.resolve("adapters/default"), w.config(), w.manager())) {
            assertEquals(16, w.config().summaryLength());
            WorldTokenizer tok = WorldTokenizer.load(d.resolve("tokenizer.json"));
            assertEquals(w.config().vocabSize(), tok.vocabSize());
            Evaluator ev = new Evaluator(m, tok);
            ObjectNode lookup = ev.run(new Evaluator.Spec(TaskFamily.LOOKUP, Evaluator.Mode.LLOCO, 4, 11, 4096, 4), lora);
            double ratio = lookup.path("mean_full_context_tokens").asDouble() / lookup.path("mean_decoder_positions").asDouble();
            assertTrue("4k-token documents read through >= 16x fewer decoder positions: " + ratio, ratio >= 16);
            ObjectNode withAdapter = ev.run(new Evaluator.Spec(TaskFamily.CHOICE, Evaluator.Mode.LLOCO, 4, 11, 1024, 4), lora);
            ObjectNode base = ev.run(new Evaluator.Spec(TaskFamily.CHOICE, Evaluator.Mode.LLOCO, 4, 11, 1024, 4), null);
            logger.info("shipped model: lookup {}, choice+adapter {}, choice base {}", lookup, withAdapter, base);
            assertEquals(
                "the adapter answers in QuALITY's '{letter}. {option}' form",
                1.0,
                withAdapter.path("well_formed").asDouble(),
                0.0
            );
            assertEquals("the base without adapter does not", 0.0, base.path("well_formed").asDouble(), 0.0);
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }
}
