/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.TinyModels;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;

public class GeneratorCancellationTests extends OpenSearchTestCase {

    public void testCancelledRowStopsBetweenStepsAndTheOthersAreUnaffected() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(5);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 3, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            Generator g = new Generator(m, null);
            int[] a = TinyModels.randomIds(r, 4, c.vocabSize());
            int[] b = TinyModels.randomIds(r, 6, c.vocabSize());
            GenerationParams p = GenerationParams.greedy(12).withEosIds(List.of());
            GenerationResult alone = g.generate(new GenerationRequest(null, b, null, p));

            AtomicInteger polls = new AtomicInteger();
            BooleanSupplier cancelAfterThree = () -> polls.incrementAndGet() > 3;
            List<GenerationResult> both = g.generate(
                List.of(new GenerationRequest(null, a, null, p), new GenerationRequest(null, b, null, p)),
                Arrays.asList(cancelAfterThree, null)
            );
            assertEquals(FinishReason.CANCELLED, both.get(0).finishReason());
            // one token from the prefill, then one per decoding step before the cancellation was seen
            assertEquals(4, both.get(0).generatedTokens());
            assertEquals(FinishReason.LENGTH, both.get(1).finishReason());
            assertArrayEquals(alone.ids(), both.get(1).ids());

            // cancelled before the first decoding step: only the prefill token
            GenerationResult early = g.generate(List.of(new GenerationRequest(null, a, null, p)), List.of(() -> true)).get(0);
            assertEquals(FinishReason.CANCELLED, early.finishReason());
            assertEquals(1, early.generatedTokens());

            expectThrows(IllegalArgumentException.class, () -> g.generate(List.of(new GenerationRequest(null, a, null, p)), List.of()));
        }
    }
}
