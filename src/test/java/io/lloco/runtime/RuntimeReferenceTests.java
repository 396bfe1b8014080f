/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.generate.FinishReason;
import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;

/**
 * The runtime against the independent numpy float64 reference (tools/reference, fixtures in
 * src/test/resources/ref): logits plain / with prefix / with LoRA (unmerged and merged), AutoCompressor
 * summaries (accumulated, independent, batched), greedy ids (single and batched, KV-cache path) exactly.
 */
public class RuntimeReferenceTests extends OpenSearchTestCase {

    static final double TOLERANCE = 1e-4;

    private double maxSeen;

    private void check(RefCase c, String what, float[][] got, float[][] expected) {
        double err = RefCase.relErr(got, expected);
        maxSeen = Math.max(maxSeen, err);
        logger.info(String.format(Locale.ROOT, "%-28s %-34s rel err %.3e", c.name(), what, err));
        assertTrue(String.format(Locale.ROOT, "%s %s: rel err %.3e > %.0e", c.name(), what, err, TOLERANCE), err < TOLERANCE);
    }

    private static float[][] rows(Embeddings e) {
        float[][] out = new float[e.rows()][];
        for (int i = 0; i < e.rows(); i++) {
            out[i] = e.row(i);
        }
        return out;
    }

    private static Embeddings embeddings(float[][] m) {
        int dim = m[0].length;
        float[] flat = new float[m.length * dim];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, flat, i * dim, dim);
        }
        return new Embeddings(m.length, dim, flat);
    }

    public void testAllCasesAgainstNumpyReference() throws Exception {
        List<RefCase> cases = RefCase.all();
        assertFalse("no fixtures under " + RefCase.root(), cases.isEmpty());
        int adapters = 0;
        int compressors = 0;
        for (RefCase c : cases) {
            try (
                NDManager root = NDManager.newBaseManager();
                LlamaWeights w = LlamaWeights.load(c.modelDir(), root);
                LlamaModel model = new LlamaModel(w)) {
                Generator gen = new Generator(model, null);
                int[] ids = c.ints("ids");
                int maxNew = c.json.get("max_new_tokens").asInt();
                Embeddings prefix = embeddings(c.golden("prefix"));
                assertEquals(c.json.get("prefix_len").asInt(), prefix.rows());

                check(c, "logits", gen.logits(null, ids, null), c.golden("logits"));
                check(c, "logits_prefix", gen.logits(prefix, ids, null), c.golden("logits_prefix"));

                List<GenerationRequest> batch = new ArrayList<>();
                List<int[]> expectedIds = new ArrayList<>();
                batch.add(new GenerationRequest(null, ids, null, GenerationParams.greedy(maxNew)));
                expectedIds.add(c.ints("greedy_ids"));
                batch.add(new GenerationRequest(prefix, ids, null, GenerationParams.greedy(maxNew)));
                expectedIds.add(c.ints("greedy_ids_prefix"));

                LoraWeights adapter = null;
                if (c.hasAdapter()) {
                    adapters++;
                    adapter = LoraWeights.load(c.adapterDir(), w.config(), w.manager());
                    assertEquals(c.json.get("lora_scale").asDouble(), adapter.config().scale(), 1e-12);
                    check(c, "logits_lora (unmerged)", gen.logits(prefix, ids, adapter), c.golden("logits_lora"));
                    try (LlamaWeights merged = adapter.merge(w, root); LlamaModel mm = new LlamaModel(merged)) {
                        check(c, "logits_lora (merged copy)", new Generator(mm, null).logits(prefix, ids, null), c.golden("logits_lora"));
                    }
                    // the base is untouched by merging
                    check(c, "logits_prefix after merge", gen.logits(prefix, ids, null), c.golden("logits_prefix"));
                    batch.add(new GenerationRequest(prefix, ids, adapter, GenerationParams.greedy(maxNew)));
                    expectedIds.add(c.ints("greedy_ids_prefix_lora"));
                }

                // one request at a time, then all in one left-padded batch with mixed prefixes and adapters
                for (int i = 0; i < batch.size(); i++) {
                    GenerationResult r = gen.generate(batch.get(i));
                    assertArrayEquals(c.name() + " greedy request " + i, expectedIds.get(i), r.ids());
                    int[] exp = expectedIds.get(i);
                    FinishReason reason = exp.length < maxNew || exp[exp.length - 1] == 2 ? FinishReason.EOS : FinishReason.LENGTH;
                    assertEquals(c.name() + " finish " + i, reason, r.finishReason());
                }
                List<GenerationRequest> shuffled = new ArrayList<>(batch);
                List<int[]> shuffledExpected = new ArrayList<>(expectedIds);
                // a shorter extra row (no prefix, ids cut) so the batch is padded unevenly
                int[] shortIds = Arrays.copyOf(ids, ids.length / 2);
                shuffled.add(0, new GenerationRequest(null, shortIds, adapter, GenerationParams.greedy(maxNew)));
                shuffledExpected.add(0, gen.generate(shuffled.get(0)).ids());
                List<GenerationResult> results = gen.generate(shuffled);
                for (int i = 0; i < shuffled.size(); i++) {
                    assertArrayEquals(c.name() + " batched greedy request " + i, shuffledExpected.get(i), results.get(i).ids());
                }

                if (c.isAutoCompressor()) {
                    compressors++;
                    int seg = c.json.get("segment_tokens").asInt();
                    AutoCompressor ac = new AutoCompressor(model);
                    assertEquals(c.json.get("summary_length").asInt(), ac.summaryLength());
                    assertArrayEquals(c.ints("segment_lengths"), AutoCompressor.segmentLengths(ids.length, seg));
                    check(c, "summaries (accumulate)", rows(ac.compress(ids, seg, false)), c.golden("summaries"));
                    check(c, "summaries_independent", rows(ac.compress(ids, seg, true)), c.golden("summaries_independent"));
                    AutoCompressor chunked = new AutoCompressor(model, 3);
                    check(c, "summaries (chunked by 3)", rows(chunked.compress(ids, seg, false)), c.golden("summaries"));
                    // batched with a shorter and a longer document around it
                    int[] other = Arrays.copyOf(ids, seg + 1);
                    int[] longer = new int[ids.length + seg];
                    for (int i = 0; i < longer.length; i++) {
                        longer[i] = ids[i % ids.length];
                    }
                    for (boolean independent : new boolean[]{false, true}) {
                        List<Embeddings> out = ac.compressBatch(List.of(other, ids, longer), seg, independent, 3);
                        String golden = independent ? "summaries_independent" : "summaries";
                        check(c, golden + " (batched)", rows(out.get(1)), c.golden(golden));
                        check(c, golden + " (batched, short doc)", rows(out.get(0)), rows(ac.compress(other, seg, independent)));
                        check(c, golden + " (batched, long doc)", rows(out.get(2)), rows(ac.compress(longer, seg, independent)));
                    }
                }
                if (adapter != null) {
                    adapter.close();
                }
            }
        }
        logger.info(String.format(Locale.ROOT, "max relative error over all cases: %.3e", maxSeen));
        assertTrue("fixtures should include an adapter case", adapters > 0);
        assertTrue("fixtures should include an AutoCompressor case", compressors > 0);
    }
}
