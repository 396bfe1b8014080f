/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.PrintStream;
import java.nio.file.Path;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.HostTensor;
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
        float[][] before;
        float[][] after;
        Embeddings sBefore;
        Embeddings sAfter;
        try (
            NDManager root = NDManager.newBaseManager();
            LlamaModel a = new LlamaModel(LlamaWeights.load(small, root, Precision.FLOAT32));
            LlamaModel b = new LlamaModel(LlamaWeights.load(grown, root, Precision.FLOAT32))) {
            before = new Generator(a, null).logits(null, ids, null);
            after = new Generator(b, null).logits(null, ids, null);
            sBefore = new AutoCompressor(a).compress(ids, 8, false);
            sAfter = new AutoCompressor(b).compress(ids, 8, false);
        }
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

    private static float[] floats(HostTensor t) {
        float[] f = new float[Math.toIntExact(t.numel())];
        t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
