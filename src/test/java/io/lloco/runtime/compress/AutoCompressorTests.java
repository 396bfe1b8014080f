/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.compress;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;

import io.lloco.runtime.TinyModels;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.NaiveLlamaAccess;

public class AutoCompressorTests extends OpenSearchTestCase {

    /** LLOCO-SPEC §1.3-1.5 written out with the naive double oracle. */
    private static double[][] naiveCompress(NaiveLlamaAccess ref, LlamaConfig c, int[] ids, int seg, boolean accumulate) {
        int h = c.hiddenSize();
        int l = c.summaryLength();
        double[] summaryTable = ref.weight(LlamaWeights.EMBED_SUMMARY);
        List<double[]> softprompt = new ArrayList<>();
        List<double[]> out = new ArrayList<>();
        for (int s = 0; s < ids.length; s += seg) {
            List<double[]> input = new ArrayList<>(accumulate ? softprompt : List.of());
            for (int i = s; i < Math.min(ids.length, s + seg); i++) {
                input.add(ref.embed(ids[i]));
            }
            for (int j = 0; j < l; j++) {
                double[] row = new double[h];
                System.arraycopy(summaryTable, j * h, row, 0, h);
                input.add(row);
            }
            double[][] hidden = ref.forward(input.toArray(new double[0][]), null);
            for (int j = hidden.length - l; j < hidden.length; j++) {
                out.add(hidden[j]);
                softprompt.add(hidden[j]);
            }
        }
        return out.toArray(new double[0][]);
    }

    private static float[][] rows(Embeddings e) {
        float[][] out = new float[e.rows()][];
        for (int i = 0; i < e.rows(); i++) {
            out[i] = e.row(i);
        }
        return out;
    }

    public void testMatchesNaiveOracleAccumulatedAndIndependent() {
        LlamaConfig c = TinyModels.autoCompressor();
        Random r = new Random(31);
        int[] ids = TinyModels.randomIds(r, 13, c.vocabSize());
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 4, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            AutoCompressor ac = new AutoCompressor(m);
            NaiveLlamaAccess ref = new NaiveLlamaAccess(w);
            int before = root.getManagedArrays().size();
            for (boolean independent : new boolean[]{false, true}) {
                Embeddings got = ac.compress(ids, 5, independent);
                assertEquals(3 * 3, got.rows());
                assertEquals(c.hiddenSize(), got.dim());
                double err = TinyModels.relErr(naiveCompress(ref, c, ids, 5, independent == false), rows(got));
                assertTrue("independent=" + independent + " rel err " + err, err < 1e-5);
            }
            Embeddings acc = ac.compress(ids, 5, false);
            Embeddings ind = ac.compress(ids, 5, true);
            assertEquals("segment 0 has no earlier context either way", acc.slice(0, 3), ind.slice(0, 3));
            assertTrue("later segments see the softprompt", TinyModels.relErr(rows(acc.slice(3, 9)), rows(ind.slice(3, 9))) > 1e-3);
            // long segments go through the KV cache in chunks: same summaries
            for (int chunk : new int[]{1, 2, 4}) {
                AutoCompressor chunked = new AutoCompressor(m, chunk);
                for (boolean independent : new boolean[]{false, true}) {
                    Embeddings ref1 = independent ? ind : acc;
                    double e1 = TinyModels.relErr(rows(ref1), rows(chunked.compress(ids, 5, independent)));
                    assertTrue("chunk " + chunk + " rel err " + e1, e1 < 1e-5);
                    List<Embeddings> batch = chunked.compressBatch(List.of(java.util.Arrays.copyOf(ids, 7), ids), 5, independent, 2);
                    double e2 = TinyModels.relErr(rows(ref1), rows(batch.get(1)));
                    assertTrue("chunk " + chunk + " batched rel err " + e2, e2 < 1e-5);
                }
            }
            assertEquals("compression frees its arrays", before, root.getManagedArrays().size());
        }
    }

    /** Explicit segment lengths (sentence boundaries) against the naive oracle, one piece at a time. */
    public void testExplicitSegmentLengths() {
        LlamaConfig c = TinyModels.autoCompressor();
        Random r = new Random(37);
        int[] ids = TinyModels.randomIds(r, 13, c.vocabSize());
        int[] lengths = {3, 6, 4};
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 4, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            AutoCompressor ac = new AutoCompressor(m);
            NaiveLlamaAccess ref = new NaiveLlamaAccess(w);
            // independent: segment k's summaries are those of its tokens compressed as a document of their own
            List<double[]> expected = new ArrayList<>();
            int at = 0;
            for (int len : lengths) {
                int[] piece = java.util.Arrays.copyOfRange(ids, at, at + len);
                expected.addAll(List.of(naiveCompress(ref, c, piece, len, false)));
                at += len;
            }
            Embeddings got = ac.compress(ids, lengths, true);
            assertEquals(3 * 3, got.rows());
            double err = TinyModels.relErr(expected.toArray(new double[0][]), rows(got));
            assertTrue("rel err " + err, err < 1e-5);
            List<Embeddings> batch = ac
                .compressBatch(List.of(ids, java.util.Arrays.copyOf(ids, 7)), List.of(lengths, new int[]{7}), true, 2);
            assertTrue(TinyModels.relErr(rows(got), rows(batch.get(0))) < 1e-5);
            // accumulated, batched in lockstep: documents whose k-th segments differ in length (left padding)
            int[] other = java.util.Arrays.copyOf(ids, 9);
            List<Embeddings> acc = ac.compressBatch(List.of(ids, other), List.of(lengths, new int[]{5, 2, 2}), false, 2);
            assertTrue(TinyModels.relErr(rows(ac.compress(ids, lengths, false)), rows(acc.get(0))) < 1e-5);
            assertTrue(TinyModels.relErr(rows(ac.compress(other, new int[]{5, 2, 2}, false)), rows(acc.get(1))) < 1e-5);
            // accumulated with equal lengths is the fixed split; with uneven lengths it differs from it
            assertTrue(TinyModels.relErr(rows(ac.compress(ids, 5, false)), rows(ac.compress(ids, new int[]{5, 5, 3}, false))) < 1e-6);
            assertTrue(TinyModels.relErr(rows(ac.compress(ids, 5, false)), rows(ac.compress(ids, new int[]{4, 5, 4}, false))) > 1e-3);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> ac.compress(ids, new int[]{3, 6}, true));
            assertTrue(e.getMessage(), e.getMessage().contains("add up to 9, the document has 13 tokens"));
            expectThrows(IllegalArgumentException.class, () -> ac.compress(ids, new int[]{13, 0}, true));
        }
    }

    public void testSegmentLengthsAndErrors() {
        assertArrayEquals(new int[]{8, 8, 4}, AutoCompressor.segmentLengths(20, 8));
        assertArrayEquals(new int[]{8, 8}, AutoCompressor.segmentLengths(16, 8));
        assertArrayEquals(new int[]{1}, AutoCompressor.segmentLengths(1, 1536));
        assertArrayEquals(new int[]{1536, 1536, 1}, AutoCompressor.segmentLengths(3073, 1536));
        expectThrows(IllegalArgumentException.class, () -> AutoCompressor.segmentLengths(0, 8));
        expectThrows(IllegalArgumentException.class, () -> AutoCompressor.segmentLengths(5, 0));
        LlamaConfig plain = TinyModels.odd();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(plain, root, 4, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> new AutoCompressor(m));
            assertTrue(e.getMessage(), e.getMessage().contains("summary_length"));
        }
        LlamaConfig c = TinyModels.autoCompressor();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 4, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            AutoCompressor ac = new AutoCompressor(m);
            expectThrows(IllegalArgumentException.class, () -> ac.compress(new int[0], 4, false));
            IllegalArgumentException bad = expectThrows(IllegalArgumentException.class, () -> ac.compress(new int[]{1, 40}, 4, false));
            assertTrue(bad.getMessage(), bad.getMessage().contains("token id 40"));
            IllegalArgumentException badDoc = expectThrows(
                IllegalArgumentException.class,
                () -> ac.compressBatch(List.of(new int[]{1, 2}, new int[0]), 4, false, 2)
            );
            assertTrue(badDoc.getMessage(), badDoc.getMessage().startsWith("document 1"));
        }
    }

    /**
     * The differentiable path: the last segment's summary depends on the first segment's tokens only through
     * the accumulated softprompt, so its gradient there is non-zero when accumulating and exactly zero when not.
     */
    public void testGradientsFlowThroughSummariesAcrossSegments() {
        LlamaConfig c = TinyModels.autoCompressor();
        int[] ids = TinyModels.randomIds(new Random(2), 10, c.vocabSize());
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 4, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            AutoCompressor ac = new AutoCompressor(m);
            w.embedSummary().setRequiresGradient(true);
            for (boolean accumulate : new boolean[]{true, false}) {
                try (NDManager req = m.newRequestManager()) {
                    NDArray tokens = m.embed(req, ids);
                    tokens.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray summaries = ac.compress(tokens, 4, accumulate); // segments 4 + 4 + 2
                        assertEquals(9, summaries.getShape().get(0));
                        NDArray last = summaries.get(new NDIndex("6:"));
                        gc.backward(last.sum());
                        float[] g = tokens.getGradient().get(new NDIndex("0:4")).toFloatArray();
                        double norm = 0;
                        for (float v : g) {
                            norm += Math.abs(v);
                        }
                        if (accumulate) {
                            assertTrue("gradient reaches segment 0 through the softprompt", norm > 1e-6);
                        } else {
                            assertEquals("independent segments do not see segment 0", 0.0, norm, 0.0);
                        }
                        float[] gs = w.embedSummary().getGradient().toFloatArray();
                        double gsn = 0;
                        for (float v : gs) {
                            gsn += Math.abs(v);
                        }
                        assertTrue("embed_summary gets a gradient", gsn > 1e-6);
                    }
                    w.embedSummary().getGradient().subi(w.embedSummary().getGradient());
                }
            }
        }
    }
}
