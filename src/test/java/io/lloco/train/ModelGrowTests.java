/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TensorSource;
import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Precision;
import io.lloco.testing.TestModels;

/** A grown model computes what the original computed: the same logits and the same summary vectors. */
public class ModelGrowTests extends OpenSearchTestCase {

    public void testGrownLayersChangeNothingUntilTrained() throws Exception {
        Path small = TestModels.writeRandomAutoCompressor(createTempDir().resolve("small"), 11, 8);
        Path grown = createTempDir().resolve("grown");
        long added = ModelGrow.grow(small, grown, 4, new PrintStream(java.io.OutputStream.nullOutputStream()));
        assertEquals(4, Checkpoints.config(grown).numHiddenLayers());
        assertTrue(added > 0);
        try (TensorSource g = Checkpoints.open(grown)) {
            // layer 2 reads as layer 1 reads and writes nothing; layer 3 copies layer 0
            assertArrayEquals(
                floats(g.get("model.layers.1.self_attn.q_proj.weight")),
                floats(g.get("model.layers.2.self_attn.q_proj.weight")),
                0f
            );
            assertArrayEquals(floats(g.get("model.layers.0.mlp.up_proj.weight")), floats(g.get("model.layers.3.mlp.up_proj.weight")), 0f);
            for (float v : floats(g.get("model.layers.3.mlp.down_proj.weight"))) {
                assertEquals(0f, v, 0f);
            }
        }
        int[] ids = new int[20];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5 + 7 * i;
        }
        float[][] before = logits(small, ids);
        float[][] after = logits(grown, ids);
        Embeddings sBefore = summaries(small, ids);
        Embeddings sAfter = summaries(grown, ids);
        assertEquals(before.length, after.length);
        for (int i = 0; i < before.length; i++) {
            assertArrayEquals("logits at position " + i, before[i], after[i], 1e-6f);
        }
        assertEquals(sBefore.rows(), sAfter.rows());
        for (int i = 0; i < sBefore.rows(); i++) {
            assertArrayEquals("summary vector " + i, sBefore.row(i), sAfter.row(i), 1e-6f);
        }
        expectThrows(IllegalArgumentException.class, () -> ModelGrow.grow(small, createTempDir().resolve("x"), 2, System.out));
    }

    public void testWiderStreamChangesNothingUntilTrained() throws Exception {
        Path small = TestModels.writeRandomAutoCompressor(createTempDir().resolve("small"), 13, 8);
        Path wide = createTempDir().resolve("wide");
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        long added = ModelGrow.widen(small, wide, 48, 96, 5, quiet);
        LlamaConfig old = Checkpoints.config(small);
        LlamaConfig c = Checkpoints.config(wide);
        assertEquals(48, c.hiddenSize());
        assertEquals(96, c.intermediateSize());
        assertEquals(old.headDim(), c.headDim());
        assertEquals(old.numAttentionHeads(), c.numAttentionHeads());
        long oldParams = 0;
        long newParams = 0;
        for (long[] s : LlamaWeights.expectedShapes(old).values()) {
            oldParams += numel(s);
        }
        for (long[] s : LlamaWeights.expectedShapes(c).values()) {
            newParams += numel(s);
        }
        assertEquals(newParams - oldParams, added);
        try (TensorSource w = Checkpoints.open(wide)) {
            float[] embed = floats(w.get(LlamaWeights.EMBED_TOKENS));
            float[] q = floats(w.get("model.layers.0.self_attn.q_proj.weight"));
            float[] norm = floats(w.get("model.layers.1.input_layernorm.weight"));
            for (int row = 0; row < 3; row++) {
                for (int col = 32; col < 48; col++) {
                    assertEquals("embeddings write nothing to the new dimensions", 0f, embed[row * 48 + col], 0f);
                }
            }
            assertNotEquals("q_proj reads the new dimensions", 0f, q[40], 0f);
            assertNotEquals("the norm passes the new dimensions", 0f, norm[47], 0f);
        }
        int[] ids = new int[20];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 9 + 5 * i;
        }
        float[][] before = logits(small, ids);
        float[][] after = logits(wide, ids);
        for (int i = 0; i < before.length; i++) {
            assertArrayEquals("logits at position " + i, before[i], after[i], 1e-5f);
        }
        Embeddings sBefore = summaries(small, ids);
        Embeddings sAfter = summaries(wide, ids);
        assertEquals(sBefore.rows(), sAfter.rows());
        for (int i = 0; i < sBefore.rows(); i++) {
            float[] a = sAfter.row(i);
            assertArrayEquals("summary vector " + i, sBefore.row(i), Arrays.copyOf(a, 32), 1e-5f);
            for (int col = 32; col < 48; col++) {
                assertEquals("summary vector " + i + " is zero in the new dimensions", 0f, a[col], 0f);
            }
        }
        // the new dimensions are live: once training writes to them (here: layer 0's o_proj), the logits move
        Path trained = createTempDir().resolve("trained");
        Files.createDirectories(trained);
        try (TensorSource w = Checkpoints.open(wide)) {
            SafeTensorsWriter out = new SafeTensorsWriter();
            for (String name : w.names()) {
                HostTensor t = w.get(name);
                if (name.equals("model.layers.0.self_attn.o_proj.weight")) {
                    float[] o = floats(t);
                    int cols = (int) t.shape()[1];
                    for (int j = 32 * cols; j < o.length; j++) {
                        o[j] = 0.3f * (float) Math.sin(j);
                    }
                    out.add(name, t.shape(), o);
                } else {
                    out.add(t);
                }
            }
            out.write(trained.resolve(Checkpoints.SAFETENSORS), StoredDtype.F32);
        }
        for (String f : new String[]{Checkpoints.CONFIG, "tokenizer.json", "lloco.json"}) {
            Files.copy(wide.resolve(f), trained.resolve(f));
        }
        float[][] moved = logits(trained, ids);
        float diff = 0;
        for (int i = 0; i < moved.length; i++) {
            for (int v = 0; v < moved[i].length; v++) {
                diff = Math.max(diff, Math.abs(moved[i][v] - after[i][v]));
            }
        }
        assertTrue("writing to the new dimensions changes the logits, max change " + diff, diff > 1e-3f);
        expectThrows(IllegalArgumentException.class, () -> ModelGrow.widen(small, createTempDir().resolve("x"), 32, 0, 1, quiet));
        expectThrows(IllegalArgumentException.class, () -> ModelGrow.widen(small, createTempDir().resolve("y"), 16, 96, 1, quiet));
    }

    private static float[][] logits(Path model, int[] ids) throws Exception {
        try (NDManager root = NDManager.newBaseManager();
            LlamaModel m = new LlamaModel(LlamaWeights.load(model, root, Precision.FLOAT32))) {
            return new Generator(m, null).logits(null, ids, null);
        }
    }

    private static Embeddings summaries(Path model, int[] ids) throws Exception {
        try (NDManager root = NDManager.newBaseManager();
            LlamaModel m = new LlamaModel(LlamaWeights.load(model, root, Precision.FLOAT32))) {
            return new AutoCompressor(m).compress(ids, 8, false);
        }
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static float[] floats(HostTensor t) {
        float[] f = new float[Math.toIntExact(t.numel())];
        t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
