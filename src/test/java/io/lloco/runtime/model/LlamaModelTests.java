/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import io.lloco.runtime.TinyModels;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;

public class LlamaModelTests extends OpenSearchTestCase {

    private static float[][] split(float[] flat, int rows) {
        int cols = flat.length / rows;
        float[][] out = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, out[i], 0, cols);
        }
        return out;
    }

    private static double[][] naiveInput(NaiveLlama ref, float[][] prefix, int[] ids) {
        double[][] in = new double[prefix.length + ids.length][];
        for (int i = 0; i < prefix.length; i++) {
            in[i] = new double[prefix[i].length];
            for (int j = 0; j < prefix[i].length; j++) {
                in[i][j] = prefix[i][j];
            }
        }
        for (int i = 0; i < ids.length; i++) {
            in[prefix.length + i] = ref.embed(ids[i]);
        }
        return in;
    }

    /** [prefix ; embed(ids)] as [1, T, hidden]. */
    private static NDArray input(LlamaModel m, NDManager mgr, float[][] prefix, int[] ids) {
        NDList parts = new NDList();
        for (float[] p : prefix) {
            parts.add(mgr.create(p).expandDims(0));
        }
        parts.add(m.embed(mgr, ids));
        return (parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 0)).expandDims(0);
    }

    private static float[][] randomPrefix(Random r, int rows, int dim) {
        float[][] p = new float[rows][dim];
        for (float[] row : p) {
            for (int j = 0; j < dim; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        return p;
    }

    public void testMatchesNaiveReferenceWithExplicitHeadDimGqaAndRopeScaling() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(7);
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 11, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            NaiveLlama ref = new NaiveLlama(w);
            float[][] prefix = randomPrefix(r, 3, c.hiddenSize());
            int[] ids = TinyModels.randomIds(r, 11, c.vocabSize());
            double[][] expected = ref.logits(ref.forward(naiveInput(ref, prefix, ids), null));
            try (GradMode g = GradMode.disabled(); NDManager req = m.newRequestManager()) {
                NDArray h = m.forward(input(m, req, prefix, ids), SequenceLayout.unpadded(1), null, null);
                float[][] got = split(m.logits(h).toFloatArray(), prefix.length + ids.length);
                double err = TinyModels.relErr(expected, got);
                logger.info("naive reference rel err {}", err);
                assertTrue("rel err " + err, err < 1e-5);
            }
        }
    }

    public void testKvCacheDecodingEqualsFullForward() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(3);
        int[] ids = TinyModels.randomIds(r, 12, c.vocabSize());
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 5, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            for (int capacity : new int[]{0, 12, 40}) { // growing, exactly full, preallocated with room
                try (GradMode g = GradMode.disabled(); NDManager req = m.newRequestManager()) {
                    float[][] full = split(
                        m.logits(m.forward(input(m, req, new float[0][], ids), SequenceLayout.unpadded(1), null, null)).toFloatArray(),
                        ids.length
                    );
                    KvCache cache = new KvCache(req, c.numHiddenLayers(), capacity);
                    int prefill = 5;
                    float[][] inc = new float[ids.length][];
                    float[][] first = split(
                        m.logits(
                            m.forward(
                                input(m, req, new float[0][], java.util.Arrays.copyOf(ids, prefill)),
                                SequenceLayout.unpadded(1),
                                cache,
                                null
                            )
                        ).toFloatArray(),
                        prefill
                    );
                    System.arraycopy(first, 0, inc, 0, prefill);
                    for (int i = prefill; i < ids.length; i++) {
                        assertEquals(i, cache.length());
                        NDArray h = m.forward(input(m, req, new float[0][], new int[]{ids[i]}), SequenceLayout.unpadded(1), cache, null);
                        inc[i] = m.logits(h).toFloatArray();
                    }
                    double err = TinyModels.relErr(full, inc);
                    assertTrue("capacity " + capacity + " rel err " + err, err < 1e-5);
                    if (capacity == 12) {
                        IllegalStateException e = expectThrows(
                            IllegalStateException.class,
                            () -> m.forward(input(m, req, new float[0][], new int[]{3}), SequenceLayout.unpadded(1), cache, null)
                        );
                        assertTrue(e.getMessage(), e.getMessage().contains("capacity 12"));
                    }
                }
            }
        }
    }

    public void testLeftPaddedBatchEqualsSingleRows() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(9);
        int[][] rows = {TinyModels.randomIds(r, 5, c.vocabSize()), TinyModels.randomIds(r, 9, c.vocabSize()),
            TinyModels.randomIds(r, 2, c.vocabSize())};
        int[] next = {7, 8, 9};
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 5, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            try (GradMode g = GradMode.disabled(); NDManager req = m.newRequestManager()) {
                int max = 9;
                int[] pads = new int[rows.length];
                NDList batch = new NDList();
                for (int b = 0; b < rows.length; b++) {
                    pads[b] = max - rows[b].length;
                    NDArray e = m.embed(req, rows[b]);
                    if (pads[b] > 0) {
                        e = req.zeros(new Shape(pads[b], c.hiddenSize())).concat(e, 0);
                    }
                    batch.add(e);
                }
                SequenceLayout layout = SequenceLayout.leftPadded(pads);
                KvCache cache = new KvCache(req, c.numHiddenLayers());
                NDArray h = m.forward(NDArrays.stack(batch, 0), layout, cache, null);
                NDArray h2 = m.forward(m.embed(req.create(new long[]{next[0], next[1], next[2]}, new Shape(3, 1))), layout, cache, null);
                for (int b = 0; b < rows.length; b++) {
                    int[] both = java.util.Arrays.copyOf(rows[b], rows[b].length + 1);
                    both[rows[b].length] = next[b];
                    float[][] single = split(
                        m.logits(m.forward(input(m, req, new float[0][], both), SequenceLayout.unpadded(1), null, null)).toFloatArray(),
                        both.length
                    );
                    float[][] batched = split(m.logits(h.get(new NDIndex("{}, {}:", b, pads[b]))).toFloatArray(), rows[b].length);
                    float[] step = m.logits(h2.get(new NDIndex("{}, 0", b))).toFloatArray();
                    float[][] got = new float[both.length][];
                    System.arraycopy(batched, 0, got, 0, batched.length);
                    got[rows[b].length] = step;
                    double err = TinyModels.relErr(single, got);
                    assertTrue("row " + b + " rel err " + err, err < 1e-5);
                }
            }
        }
    }

    /** Autograd through the whole forward matches central finite differences of the naive double reference. */
    public void testGradientsMatchFiniteDifferences() {
        LlamaConfig c = TinyModels.odd();
        Random r = new Random(21);
        int[] ids = TinyModels.randomIds(r, 6, c.vocabSize());
        String[] keys = {Projection.Q.weightKey(0), Projection.DOWN.weightKey(1), "model.layers.1.input_layernorm.weight",
            LlamaWeights.EMBED_TOKENS};
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 13, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            float[] probe = new float[ids.length * c.vocabSize()];
            for (int i = 0; i < probe.length; i++) {
                probe[i] = (float) r.nextGaussian();
            }
            for (String k : keys) {
                w.named().get(k).setRequiresGradient(true);
            }
            float[][] grads = new float[keys.length][];
            try (NDManager req = m.newRequestManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = m.logits(m.forward(input(m, req, new float[0][], ids), SequenceLayout.unpadded(1), null, null));
                NDArray loss = logits.mul(req.create(probe, logits.getShape())).sum();
                gc.backward(loss);
                for (int i = 0; i < keys.length; i++) {
                    grads[i] = w.named().get(keys[i]).getGradient().toFloatArray();
                }
            }
            NaiveLlama ref = new NaiveLlama(w);
            for (int i = 0; i < keys.length; i++) {
                double[] wt = ref.weight(keys[i]);
                double maxErr = 0;
                double maxG = 0;
                for (int trial = 0; trial < 6; trial++) {
                    int j = r.nextInt(wt.length);
                    if (keys[i].equals(LlamaWeights.EMBED_TOKENS)) {
                        j = ids[trial % ids.length] * c.hiddenSize() + r.nextInt(c.hiddenSize()); // a row that is used
                    }
                    double saved = wt[j];
                    double eps = 1e-4;
                    wt[j] = saved + eps;
                    double up = probeLoss(ref, ids, probe);
                    wt[j] = saved - eps;
                    double down = probeLoss(ref, ids, probe);
                    wt[j] = saved;
                    double fd = (up - down) / (2 * eps);
                    maxErr = Math.max(maxErr, Math.abs(fd - grads[i][j]));
                    maxG = Math.max(maxG, Math.abs(fd));
                }
                logger.info("grad {}: max |autograd - fd| {} (max |fd| {})", keys[i], maxErr, maxG);
                assertTrue(keys[i] + " grad err " + maxErr + " vs scale " + maxG, maxErr < 1e-3 * Math.max(1, maxG));
            }
        }
    }

    private static double probeLoss(NaiveLlama ref, int[] ids, float[] probe) {
        double[][] in = new double[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            in[i] = ref.embed(ids[i]);
        }
        double[][] lg = ref.logits(ref.forward(in, null));
        double s = 0;
        int v = lg[0].length;
        for (int i = 0; i < lg.length; i++) {
            for (int j = 0; j < v; j++) {
                s += lg[i][j] * probe[i * v + j];
            }
        }
        return s;
    }

    public void testRequestManagersDoNotLeak() {
        LlamaConfig c = TinyModels.odd();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 5, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            int before = root.getManagedArrays().size();
            for (int i = 0; i < 50; i++) {
                try (GradMode g = GradMode.disabled(); NDManager req = m.newRequestManager()) {
                    KvCache cache = new KvCache(req, c.numHiddenLayers());
                    m.logits(m.forward(input(m, req, new float[0][], new int[]{4, 5, 6}), SequenceLayout.unpadded(1), cache, null));
                    m.forward(input(m, req, new float[0][], new int[]{7}), SequenceLayout.unpadded(1), cache, null);
                }
            }
            assertEquals(before, root.getManagedArrays().size());
        }
    }

    public void testSaveLoadRoundTripAndKeyChecks() throws IOException {
        LlamaConfig c = TinyModels.autoCompressor();
        Path dir = createTempDir();
        int[] ids = {5, 6, 7, 8};
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 17, 0.3);
            LlamaModel m = new LlamaModel(w)) {
            assertTrue(w.embedSummary() != null);
            assertSame(w.embedTokens(), w.lmHead());
            w.save(dir.resolve("m"));
            float[] before;
            try (GradMode g = GradMode.disabled(); NDManager req = m.newRequestManager()) {
                before = m.logits(m.forward(input(m, req, new float[0][], ids), SequenceLayout.unpadded(1), null, null)).toFloatArray();
            }
            try (LlamaWeights w2 = LlamaWeights.load(dir.resolve("m"), root); LlamaModel m2 = new LlamaModel(w2)) {
                assertEquals(c.toString(), w2.config().toString());
                assertEquals(w.parameterCount(), w2.parameterCount());
                try (GradMode g = GradMode.disabled(); NDManager req = m2.newRequestManager()) {
                    float[] after = m2.logits(m2.forward(input(m2, req, new float[0][], ids), SequenceLayout.unpadded(1), null, null))
                        .toFloatArray();
                    assertArrayEquals(before, after, 0f);
                }
            }
        }
        // drop one tensor, then corrupt one shape: the errors name the key
        Path src = dir.resolve("m").resolve("model.safetensors");
        Path broken = dir.resolve("broken");
        java.nio.file.Files.createDirectories(broken);
        java.nio.file.Files.copy(dir.resolve("m").resolve("config.json"), broken.resolve("config.json"));
        for (String mode : new String[]{"drop", "reshape"}) {
            SafeTensorsWriter wr = new SafeTensorsWriter();
            try (SafeTensorsReader rd = SafeTensorsReader.open(src)) {
                for (String name : rd.names()) {
                    if (name.equals(Projection.V.weightKey(1))) {
                        if (mode.equals("drop")) {
                            continue;
                        }
                        wr.add(name, new long[]{8, 12}, java.nio.ByteBuffer.allocate(8 * 12 * 4));
                        continue;
                    }
                    wr.add(rd.get(name));
                }
            }
            wr.write(broken.resolve("model.safetensors"), StoredDtype.F32);
            try (NDManager root = NDManager.newBaseManager()) {
                CheckpointException e = expectThrows(CheckpointException.class, () -> LlamaWeights.load(broken, root));
                assertTrue(e.getMessage(), e.getMessage().contains(Projection.V.weightKey(1)));
                if (mode.equals("reshape")) {
                    assertTrue(e.getMessage(), e.getMessage().contains("[8, 12]"));
                    assertTrue(e.getMessage(), e.getMessage().contains("[12, 24]"));
                }
                assertEquals(0, root.getManagedArrays().size());
            }
        }
    }

    /**
     * Query-chunked attention (the memory-efficient path long prefills take) computes what one attention block does:
     * one forward, a forward continuing a KV cache, a decode step after it, and a left-padded batch, each through a
     * model whose blocks hold 7 queries (uneven chunks) against one that never chunks; in float32 and in float16 compute
     * (softmax in float32).
     */
    public void testQueryChunkedAttentionEqualsOneBlock() throws CheckpointException {
        LlamaConfig c = TinyModels.odd(); // 4 heads over 2 KV heads (GQA)
        Random r = new Random(31);
        int[] ids = TinyModels.randomIds(r, 40, c.vocabSize());
        int[][] rows = {TinyModels.randomIds(r, 23, c.vocabSize()), TinyModels.randomIds(r, 30, c.vocabSize()),
            TinyModels.randomIds(r, 9, c.vocabSize())};
        for (boolean half : new boolean[]{false, true}) {
            try (NDManager root = NDManager.newBaseManager(); LlamaWeights w32 = LlamaWeights.random(c, root, 5, 0.3)) {
                LlamaWeights w = half ? toFloat16(w32, c, root) : w32;
                try (
                    LlamaModel whole = new LlamaModel(w, Long.MAX_VALUE);
                    LlamaModel chunked = new LlamaModel(w, 4L * 40 * 7)) {
                    assertEquals(half ? DataType.FLOAT16 : DataType.FLOAT32, chunked.dataType());
                    assertEquals(40, whole.queryChunk(1, 40, 40));
                    assertEquals(7, chunked.queryChunk(1, 40, 40));
                    assertEquals(1, chunked.queryChunk(3, 40, 1_000_000));
                    double tol = half ? 2e-2 : 1e-5;
                    float[][] a = chunkCase(whole, ids, rows);
                    float[][] b = chunkCase(chunked, ids, rows);
                    double err = TinyModels.relErr(a, b);
                    logger.info("{} query-chunked vs one block: rel err {}", half ? "float16" : "float32", err);
                    assertTrue((half ? "float16" : "float32") + " rel err " + err, err < tol);
                } finally {
                    if (half) {
                        w.close();
                    }
                }
            }
        }
    }

    /** Logits of every case of {@link #testQueryChunkedAttentionEqualsOneBlock}, one row per position and case. */
    private static float[][] chunkCase(LlamaModel m, int[] ids, int[][] rows) {
        LlamaConfig c = m.config();
        java.util.List<float[]> out = new java.util.ArrayList<>();
        try (GradMode g = GradMode.disabled(); NDManager req = m.newRequestManager()) {
            // one forward of 40 positions, no cache
            out.addAll(
                java.util.List.of(
                    split(
                        m.logits(m.forward(input(m, req, new float[0][], ids), SequenceLayout.unpadded(1), null, null)).toFloatArray(),
                        ids.length
                    )
                )
            );
            // 13 positions, then 27 continuing the cache (past > 0), then one decode step
            KvCache cache = new KvCache(req, c.numHiddenLayers(), 48);
            m.forward(input(m, req, new float[0][], java.util.Arrays.copyOf(ids, 13)), SequenceLayout.unpadded(1), cache, null);
            NDArray h = m
                .forward(input(m, req, new float[0][], java.util.Arrays.copyOfRange(ids, 13, 40)), SequenceLayout.unpadded(1), cache, null);
            out.addAll(java.util.List.of(split(m.logits(h).toFloatArray(), 27)));
            out.add(
                m.logits(m.forward(input(m, req, new float[0][], new int[]{ids[0]}), SequenceLayout.unpadded(1), cache, null))
                    .toFloatArray()
            );
            // a left-padded batch of three rows, then a decode step of the batch
            int max = 30;
            int[] pads = new int[rows.length];
            NDList batch = new NDList();
            for (int b = 0; b < rows.length; b++) {
                pads[b] = max - rows[b].length;
                NDArray e = m.embed(req, rows[b]);
                if (pads[b] > 0) {
                    e = req.zeros(new Shape(pads[b], c.hiddenSize()), m.dataType()).concat(e, 0);
                }
                batch.add(e);
            }
            SequenceLayout layout = SequenceLayout.leftPadded(pads);
            KvCache bc = new KvCache(req, c.numHiddenLayers());
            NDArray hb = m.forward(NDArrays.stack(batch, 0), layout, bc, null);
            for (int b = 0; b < rows.length; b++) {
                out.addAll(java.util.List.of(split(m.logits(hb.get(new NDIndex("{}, {}:", b, pads[b]))).toFloatArray(), rows[b].length)));
            }
            NDArray step = m.forward(m.embed(req.create(new long[]{4, 5, 6}, new Shape(3, 1))), layout, bc, null);
            out.add(m.logits(step).toFloatArray());
        }
        return out.toArray(new float[0][]);
    }

    /** The same weights, every tensor in float16 (float16 compute). */
    private static LlamaWeights toFloat16(LlamaWeights w, LlamaConfig c, NDManager root) throws CheckpointException {
        NDManager m = root.newSubManager();
        java.util.Map<String, NDArray> named = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, NDArray> e : w.named().entrySet()) {
            NDArray h = e.getValue().toType(DataType.FLOAT16, true);
            h.attach(m);
            named.put(e.getKey(), h);
        }
        return LlamaWeights.fromArrays(c, m, named);
    }

    public void testRejectsOutOfRangeIdsAndBadInputs() {
        LlamaConfig c = TinyModels.odd();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.random(c, root, 5, 0.3);
            LlamaModel m = new LlamaModel(w);
            NDManager req = m.newRequestManager()) {
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> m.embed(req, new int[]{1, 50}));
            assertTrue(e.getMessage(), e.getMessage().contains("token id 50 at position 1"));
            expectThrows(IllegalArgumentException.class, () -> m.embed(req, new int[]{-1}));
            IllegalArgumentException shape = expectThrows(
                IllegalArgumentException.class,
                () -> m.forward(req.zeros(new Shape(1, 3, 31)), SequenceLayout.unpadded(1), null, null)
            );
            assertTrue(shape.getMessage(), shape.getMessage().contains("[1, T, 32]"));
        }
    }
}
