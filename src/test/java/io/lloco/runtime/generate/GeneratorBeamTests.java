/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.TinyModels;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;

public class GeneratorBeamTests extends OpenSearchTestCase {

    private static final int EOS = 2;

    /** One beam is greedy decoding: same ids, same finish, and the score is the ids' log-likelihood. */
    public void testOneBeamIsGreedy() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(21);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a = GeneratorTests.randomAdapter(w, 3)) {
            Generator g = new Generator(m, GeneratorTests.LETTERS);
            for (int trial = 0; trial < 4; trial++) {
                Embeddings prefix = GeneratorTests.randomPrefix(r, 1 + trial, c.hiddenSize());
                int[] prompt = TinyModels.randomIds(r, 3, c.vocabSize());
                GenerationRequest req = new GenerationRequest(prefix, prompt, trial % 2 == 0 ? a : null, GenerationParams.greedy(6));
                GenerationResult greedy = g.generate(req);
                List<Hypothesis> one = g.beamSearch(req, 1, null);
                assertEquals(1, one.size());
                assertArrayEquals(greedy.ids(), one.get(0).ids());
                assertEquals(greedy.finishReason(), one.get(0).finishReason());
                assertEquals(greedy.text(), one.get(0).text());
                double lp = g.continuationLogProbs(prefix, prompt, List.of(greedy.ids()), req.adapter())[0];
                assertEquals(lp, one.get(0).logProb(), 1e-3);
            }
        }
    }

    /**
     * With as many beams as the vocabulary and a budget of 2 tokens the search is exhaustive: its best hypotheses are
     * the best of every sequence enumerated and scored independently (EOS first, or any 2 tokens).
     */
    public void testWideBeamIsExactAgainstEnumeration() {
        LlamaConfig c = TinyModels.odd();
        int vocab = c.vocabSize();
        Random r = new Random(22);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a = GeneratorTests.randomAdapter(w, 4)) {
            Generator g = new Generator(m, null);
            Embeddings prefix = GeneratorTests.randomPrefix(r, 2, c.hiddenSize());
            int[] prompt = TinyModels.randomIds(r, 4, vocab);
            GenerationRequest req = new GenerationRequest(prefix, prompt, a, GenerationParams.greedy(2).withEosIds(List.of(EOS)));
            List<Hypothesis> beams = g.beamSearch(req, vocab, null);

            List<int[]> all = new ArrayList<>();
            all.add(new int[]{EOS});
            for (int t1 = 0; t1 < vocab; t1++) {
                for (int t2 = 0; t2 < vocab && t1 != EOS; t2++) {
                    all.add(new int[]{t1, t2});
                }
            }
            double[] lp = g.continuationLogProbs(prefix, prompt, all, a);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingDouble(i -> -lp[i]));
            assertEquals(vocab, beams.size());
            for (int k = 0; k < 10; k++) {
                int[] expected = all.get(order.get(k));
                assertArrayEquals("rank " + k, expected, beams.get(k).ids());
                assertEquals("rank " + k, lp[order.get(k)], beams.get(k).logProb(), 1e-3);
                assertEquals(expected.length == 1 ? FinishReason.EOS : FinishReason.LENGTH, beams.get(k).finishReason());
            }
            for (int k = 1; k < beams.size(); k++) {
                assertTrue(beams.get(k - 1).logProb() >= beams.get(k).logProb());
            }
        }
    }

    /**
     * A narrow beam over a longer budget: hypotheses are distinct, best first, each score is the log-likelihood of its
     * ids scored independently, and the best is at least as likely as the greedy answer; a cancelled search ends at
     * once; bad beam counts are refused.
     */
    public void testNarrowBeamScoresAreLikelihoods() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(23);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            Generator g = new Generator(m, GeneratorTests.LETTERS, 3);
            Embeddings prefix = GeneratorTests.randomPrefix(r, 5, c.hiddenSize());
            int[] prompt = TinyModels.randomIds(r, 3, c.vocabSize());
            GenerationRequest req = new GenerationRequest(prefix, prompt, null, GenerationParams.greedy(5).withEosIds(List.of(EOS)));
            List<Hypothesis> beams = g.beamSearch(req, 4, null);
            assertEquals(4, beams.size());
            double greedy = g.continuationLogProbs(prefix, prompt, List.of(g.generate(req).ids()), null)[0];
            assertTrue(beams.get(0).logProb() >= greedy - 1e-4);
            List<String> seen = new ArrayList<>();
            for (int k = 0; k < beams.size(); k++) {
                Hypothesis h = beams.get(k);
                String key = java.util.Arrays.toString(h.ids());
                assertFalse("duplicate " + key, seen.contains(key));
                seen.add(key);
                assertEquals(g.continuationLogProbs(prefix, prompt, List.of(h.ids()), null)[0], h.logProb(), 1e-3);
                if (k > 0) {
                    assertTrue(beams.get(k - 1).logProb() >= h.logProb());
                }
            }
            List<Hypothesis> cancelled = g.beamSearch(req, 4, () -> true);
            assertEquals(1, cancelled.size());
            assertEquals(FinishReason.CANCELLED, cancelled.get(0).finishReason());
            assertEquals(0, cancelled.get(0).ids().length);
            expectThrows(IllegalArgumentException.class, () -> g.beamSearch(req, 0, null));
            expectThrows(IllegalArgumentException.class, () -> g.beamSearch(req, 65, null));
        }
    }
}
