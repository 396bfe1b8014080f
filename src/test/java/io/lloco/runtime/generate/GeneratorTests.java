/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.TinyModels;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.lora.LoraConfig;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Projection;
import io.lloco.runtime.tokenizer.TokenCodec;

public class GeneratorTests extends OpenSearchTestCase {

    /** Token id i decodes to the letter 'a' + (i mod 26); ids 0-2 are special and decode to nothing. */
    static final TokenCodec LETTERS = new TokenCodec() {

        @Override
        public int[] encode(String text) {
            return text.chars().map(ch -> 3 + (ch - 'a')).toArray();
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                if (id > 2) {
                    sb.append((char) ('a' + (id % 26)));
                }
            }
            return sb.toString();
        }
    };

    static Embeddings randomPrefix(Random r, int rows, int dim) {
        float[] v = new float[rows * dim];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new Embeddings(rows, dim, v);
    }

    static LoraWeights randomAdapter(LlamaWeights w, long seed) {
        LoraWeights a = LoraWeights
            .initialize(new LoraConfig(2, 4, EnumSet.of(Projection.Q, Projection.V), false, 0, null), w.config(), w.manager(), seed);
        Random r = new Random(seed);
        for (var e : a.named().entrySet()) {
            float[] v = new float[(int) e.getValue().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian() * 0.5f;
            }
            e.getValue().set(v);
        }
        return a;
    }

    public void testGreedyFirstTokenIsArgmaxOfLogitsAndLengthStop() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(1);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            Generator g = new Generator(m, null);
            Embeddings prefix = randomPrefix(r, 3, c.hiddenSize());
            int[] ids = TinyModels.randomIds(r, 5, c.vocabSize());
            GenerationResult res = g.generate(new GenerationRequest(prefix, ids, null, GenerationParams.greedy(6).withEosIds(List.of())));
            assertEquals(FinishReason.LENGTH, res.finishReason());
            assertEquals(6, res.generatedTokens());
            assertEquals(3, res.prefixVectors());
            assertEquals(5, res.promptTokens());
            assertNull(res.text());
            assertTrue(res.prefillNanos() > 0);
            // each greedy token is the argmax of the logits API over the growing sequence
            int[] seq = ids;
            for (int step = 0; step < 6; step++) {
                float[][] lg = g.logits(prefix, seq, null);
                int expected = Sampler.argmax(lg[lg.length - 1], 0, c.vocabSize());
                assertEquals("step " + step, expected, res.ids()[step]);
                seq = Arrays.copyOf(seq, seq.length + 1);
                seq[seq.length - 1] = res.ids()[step];
            }
            // prefix only, no prompt tokens
            GenerationResult onlyPrefix = g
                .generate(new GenerationRequest(prefix, new int[0], null, GenerationParams.greedy(2).withEosIds(List.of())));
            assertEquals(2, onlyPrefix.generatedTokens());
            // max_new_tokens 0
            GenerationResult none = g.generate(new GenerationRequest(null, ids, null, GenerationParams.greedy(0)));
            assertEquals(0, none.ids().length);
            assertEquals(FinishReason.LENGTH, none.finishReason());
        }
    }

    public void testEosAndStopStrings() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(2);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            Generator g = new Generator(m, LETTERS);
            int[] ids = TinyModels.randomIds(r, 4, c.vocabSize());
            int[] free = g.generate(new GenerationRequest(null, ids, null, GenerationParams.greedy(8).withEosIds(List.of()))).ids();
            String freeText = LETTERS.decode(free);
            // the 3rd generated token as EOS: stops there and keeps it in the ids
            GenerationResult eos = g
                .generate(new GenerationRequest(null, ids, null, GenerationParams.greedy(8).withEosIds(List.of(free[2]))));
            int firstEos = 0;
            while (free[firstEos] != free[2]) {
                firstEos++;
            }
            assertEquals(FinishReason.EOS, eos.finishReason());
            assertArrayEquals(Arrays.copyOf(free, firstEos + 1), eos.ids());
            assertEquals(LETTERS.decode(Arrays.copyOf(free, firstEos)), eos.text());
            // a stop string made of the 4th and 5th generated letters
            String stop = freeText.substring(3, 5);
            GenerationResult st = g.generate(
                new GenerationRequest(
                    null, ids, null, GenerationParams.greedy(8).withEosIds(List.of()).withStopStrings(List.of("zzzz", stop))
                )
            );
            assertEquals(FinishReason.STOP_STRING, st.finishReason());
            assertEquals(freeText.substring(0, freeText.indexOf(stop)), st.text());
            assertTrue(st.generatedTokens() <= 5);
            // seeded sampling is reproducible
            GenerationParams sp = GenerationParams.sampling(8, 0.9, 0.95, 77).withEosIds(List.of());
            assertArrayEquals(
                g.generate(new GenerationRequest(null, ids, null, sp)).ids(),
                g.generate(new GenerationRequest(null, ids, null, sp)).ids()
            );
        }
    }

    public void testBatchedRequestsWithMixedPrefixesAndAdaptersMatchSingleOnes() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(3);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a1 = randomAdapter(w, 5);
            LoraWeights a2 = randomAdapter(w, 6)) {
            Generator g = new Generator(m, null);
            List<GenerationRequest> reqs = new ArrayList<>();
            reqs.add(
                new GenerationRequest(
                    randomPrefix(r, 4, c.hiddenSize()), TinyModels.randomIds(r, 3, c.vocabSize()), a1,
                    GenerationParams.greedy(5).withEosIds(List.of())
                )
            );
            reqs.add(
                new GenerationRequest(
                    null, TinyModels.randomIds(r, 9, c.vocabSize()), null, GenerationParams.greedy(3).withEosIds(List.of())
                )
            );
            reqs.add(
                new GenerationRequest(
                    randomPrefix(r, 2, c.hiddenSize()), TinyModels.randomIds(r, 1, c.vocabSize()), a2,
                    GenerationParams.sampling(6, 0.7, 0.9, 11).withEosIds(List.of())
                )
            );
            reqs.add(
                new GenerationRequest(
                    randomPrefix(r, 1, c.hiddenSize()), TinyModels.randomIds(r, 2, c.vocabSize()), a1, GenerationParams.greedy(4)
                )
            );
            List<GenerationResult> batched = g.generate(reqs);
            for (int i = 0; i < reqs.size(); i++) {
                GenerationResult single = g.generate(reqs.get(i));
                assertArrayEquals("request " + i, single.ids(), batched.get(i).ids());
                assertEquals("request " + i, single.finishReason(), batched.get(i).finishReason());
            }
            assertEquals(3, batched.get(1).generatedTokens());
        }
    }

    public void testRequestErrors() {
        LlamaConfig c = TinyModels.odd();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            Generator g = new Generator(m, null);
            IllegalArgumentException range = expectThrows(
                IllegalArgumentException.class,
                () -> g.generate(
                    List.of(
                        new GenerationRequest(null, new int[]{1}, null, GenerationParams.greedy(1)),
                        new GenerationRequest(null, new int[]{3, 99}, null, GenerationParams.greedy(1))
                    )
                )
            );
            assertTrue(range.getMessage(), range.getMessage().startsWith("request 1: token id 99"));
            IllegalArgumentException dim = expectThrows(
                IllegalArgumentException.class,
                () -> g.generate(new GenerationRequest(new Embeddings(1, 7, new float[7]), new int[]{3}, null, GenerationParams.greedy(1)))
            );
            assertTrue(dim.getMessage(), dim.getMessage().contains("width 7"));
            IllegalArgumentException stops = expectThrows(
                IllegalArgumentException.class,
                () -> g.generate(new GenerationRequest(null, new int[]{3}, null, GenerationParams.greedy(1).withStopStrings(List.of("x"))))
            );
            assertTrue(stops.getMessage(), stops.getMessage().contains("tokenizer"));
            expectThrows(IllegalArgumentException.class, () -> new GenerationRequest(null, new int[0], null, GenerationParams.greedy(1)));
            LlamaConfig other = c.toBuilder().numHiddenLayers(1).build();
            try (LlamaWeights w1 = LlamaWeights.random(other, root, 2, 0.3); LoraWeights a = randomAdapter(w1, 1)) {
                IllegalArgumentException fit = expectThrows(
                    IllegalArgumentException.class,
                    () -> g.generate(new GenerationRequest(null, new int[]{3}, a, GenerationParams.greedy(1)))
                );
                assertTrue(fit.getMessage(), fit.getMessage().contains("does not fit"));
            }
        }
    }

    /** A few hundred tiny generations (single, batched, adapters, prefixes, sampling) leave no NDArray behind. */
    public void testManyGenerationsDoNotLeakNativeArrays() {
        LlamaConfig c = TinyModels.odd().toBuilder().numHiddenLayers(1).build();
        Random r = new Random(4);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a1 = randomAdapter(w, 5)) {
            Generator g = new Generator(m, LETTERS);
            // warm up once (lazy constants), then count
            g.generate(new GenerationRequest(null, new int[]{3}, a1, GenerationParams.greedy(2)));
            int before = root.getManagedArrays().size();
            int generated = 0;
            for (int i = 0; i < 300; i++) {
                List<GenerationRequest> reqs = new ArrayList<>();
                int n = 1 + (i % 3);
                for (int b = 0; b < n; b++) {
                    Embeddings prefix = (i + b) % 2 == 0 ? randomPrefix(r, 1 + r.nextInt(3), c.hiddenSize()) : null;
                    GenerationParams p = i % 4 == 0 ? GenerationParams.sampling(2, 0.8, 0.9, i) : GenerationParams.greedy(2);
                    if (i % 5 == 0) {
                        p = p.withStopStrings(List.of("q"));
                    }
                    reqs.add(
                        new GenerationRequest(prefix, TinyModels.randomIds(r, 1 + r.nextInt(4), c.vocabSize()), b == 1 ? a1 : null, p)
                    );
                }
                for (GenerationResult res : g.generate(reqs)) {
                    generated += res.generatedTokens();
                }
                if (i % 7 == 0) {
                    g.logits(null, new int[]{3, 4}, i % 2 == 0 ? a1 : null);
                }
            }
            assertTrue(generated >= 300);
            assertEquals("live NDArrays under the model's base manager", before, root.getManagedArrays().size());
        }
    }

    /** Generations from several threads at once (as QA search threads do) give the same ids as one by one, and free everything. */
    public void testConcurrentGenerationsFromSeveralThreads() throws Exception {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(8);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a1 = randomAdapter(w, 5)) {
            Generator g = new Generator(m, null);
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Embeddings prefix = i % 2 == 0 ? randomPrefix(r, 2, c.hiddenSize()) : null;
                reqs.add(
                    new GenerationRequest(
                        prefix, TinyModels.randomIds(r, 2 + i % 4, c.vocabSize()), i % 3 == 0 ? a1 : null,
                        GenerationParams.greedy(4).withEosIds(List.of())
                    )
                );
            }
            List<int[]> expected = new ArrayList<>();
            for (GenerationRequest q : reqs) {
                expected.add(g.generate(q).ids());
            }
            int before = root.getManagedArrays().size();
            int threads = 3;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            try {
                List<java.util.concurrent.Future<int[]>> futures = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (GenerationRequest q : reqs) {
                        futures.add(pool.submit(() -> g.generate(q).ids()));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertArrayEquals("request " + i, expected.get(i % reqs.size()), futures.get(i).get());
                }
            } finally {
                pool.shutdown();
                assertTrue(pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertEquals(before, root.getManagedArrays().size());
        }
    }

    /** Prefill in chunks through the KV cache gives the same generations as one prefill forward. */
    public void testChunkedPrefillMatchesSingleForward() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(10);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a1 = randomAdapter(w, 5)) {
            List<GenerationRequest> reqs = new ArrayList<>();
            reqs.add(
                new GenerationRequest(
                    randomPrefix(r, 5, c.hiddenSize()), TinyModels.randomIds(r, 6, c.vocabSize()), a1,
                    GenerationParams.greedy(5).withEosIds(List.of())
                )
            );
            reqs.add(
                new GenerationRequest(
                    null, TinyModels.randomIds(r, 3, c.vocabSize()), null, GenerationParams.greedy(5).withEosIds(List.of())
                )
            );
            List<GenerationResult> whole = new Generator(m, null).generate(reqs);
            for (int chunk : new int[]{1, 3, 4}) {
                List<GenerationResult> chunked = new Generator(m, null, chunk).generate(reqs);
                for (int i = 0; i < reqs.size(); i++) {
                    assertArrayEquals("chunk " + chunk + " request " + i, whole.get(i).ids(), chunked.get(i).ids());
                }
            }
            expectThrows(IllegalArgumentException.class, () -> new Generator(m, null, 0));
        }
    }

    /**
     * Scoring continuations (how {@code choice_mode: rank} answers) equals the sum of log-softmax of the unbatched
     * {@link Generator#logits} path, with a prefix and an adapter, continuations of different lengths, and chunked prefill.
     */
    public void testContinuationLogProbsMatchUnbatchedLogits() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(11);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 2, 0.3);
            LlamaModel m = new LlamaModel(w);
            LoraWeights a1 = randomAdapter(w, 6)) {
            Embeddings prefix = randomPrefix(r, 4, c.hiddenSize());
            int[] prompt = TinyModels.randomIds(r, 5, c.vocabSize());
            List<int[]> conts = List.of(
                TinyModels.randomIds(r, 1, c.vocabSize()),
                TinyModels.randomIds(r, 4, c.vocabSize()),
                TinyModels.randomIds(r, 2, c.vocabSize())
            );
            for (LoraWeights adapter : java.util.Arrays.asList(null, a1)) {
                for (Embeddings p : java.util.Arrays.asList(prefix, null)) {
                    double[] expected = new double[conts.size()];
                    Generator whole = new Generator(m, null);
                    for (int k = 0; k < conts.size(); k++) {
                        int[] cont = conts.get(k);
                        int[] ids = Arrays.copyOf(prompt, prompt.length + cont.length);
                        System.arraycopy(cont, 0, ids, prompt.length, cont.length);
                        float[][] lg = whole.logits(p, ids, adapter);
                        for (int j = 0; j < cont.length; j++) {
                            float[] row = lg[prompt.length - 1 + j];
                            double max = Double.NEGATIVE_INFINITY;
                            for (float v : row) {
                                max = Math.max(max, v);
                            }
                            double sum = 0;
                            for (float v : row) {
                                sum += Math.exp(v - max);
                            }
                            expected[k] += row[cont[j]] - max - Math.log(sum);
                        }
                        assertTrue(expected[k] < 0);
                    }
                    for (int chunk : new int[]{Generator.DEFAULT_PREFILL_CHUNK, 1, 4}) {
                        double[] got = new Generator(m, null, chunk).continuationLogProbs(p, prompt, conts, adapter);
                        assertArrayEquals(
                            "chunk " + chunk + " adapter " + (adapter != null) + " prefix " + (p != null),
                            expected,
                            got,
                            1e-3
                        );
                    }
                }
            }
            Generator g = new Generator(m, null);
            assertEquals(0, g.continuationLogProbs(prefix, prompt, List.of(), null).length);
            assertArrayEquals(new double[]{0, 0}, g.continuationLogProbs(prefix, prompt, List.of(new int[0], new int[0]), null), 0);
            expectThrows(IllegalArgumentException.class, () -> g.continuationLogProbs(null, new int[0], List.of(new int[]{3}), null));
            expectThrows(
                IllegalArgumentException.class,
                () -> g.continuationLogProbs(prefix, prompt, List.of(new int[]{c.vocabSize()}), null)
            );
        }
    }
}
