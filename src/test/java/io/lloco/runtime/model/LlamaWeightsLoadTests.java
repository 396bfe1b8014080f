/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import io.lloco.runtime.TinyModels;
import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.checkpoint.SafeTensorsReader;
import io.lloco.runtime.checkpoint.SafeTensorsWriter;
import io.lloco.runtime.checkpoint.StoredDtype;
import io.lloco.runtime.checkpoint.TensorSource;

/** Loading in blocks, at each precision, and float16 range checks. */
public class LlamaWeightsLoadTests extends OpenSearchTestCase {

    private static Path randomModel(Path dir, LlamaConfig c, StoredDtype stored) throws IOException {
        try (NDManager root = NDManager.newBaseManager(); LlamaWeights w = LlamaWeights.random(c, root, 5, 0.3)) {
            w.save(dir);
        }
        if (stored != StoredDtype.F32) {
            Path st = dir.resolve(Checkpoints.SAFETENSORS);
            SafeTensorsWriter wr = new SafeTensorsWriter();
            try (SafeTensorsReader r = SafeTensorsReader.open(st)) {
                for (String n : r.names()) {
                    wr.add(r.get(n));
                }
            }
            wr.write(st, stored);
        }
        return dir;
    }

    private static void assertSameWeights(LlamaWeights a, LlamaWeights b) {
        Map<String, NDArray> x = a.named();
        Map<String, NDArray> y = b.named();
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            assertEquals(k, x.get(k).getDataType(), y.get(k).getDataType());
            assertEquals(k, x.get(k).getShape(), y.get(k).getShape());
            try (NDArray fx = x.get(k).toType(DataType.FLOAT32, true); NDArray fy = y.get(k).toType(DataType.FLOAT32, true)) {
                assertArrayEquals(k, fx.toFloatArray(), fy.toFloatArray(), 0f);
            }
        }
    }

    public void testBlockLoadingEqualsWholeTensorLoadingAtEveryPrecision() throws IOException {
        LlamaConfig c = TinyModels.odd(); // widest row: 48 (q_proj in = 32, o_proj in = 48), vocab 50
        Path dir = randomModel(createTempDir().resolve("m"), c, StoredDtype.BF16);
        for (Precision p : new Precision[]{Precision.FLOAT32, Precision.FLOAT16, new Precision(DataType.FLOAT32, DataType.FLOAT16)}) {
            try (NDManager root = NDManager.newBaseManager(); TensorSource src = Checkpoints.open(dir)) {
                // 100 elements per block: every matrix goes through several blocks, with a shorter last one
                try (
                    LlamaWeights whole = LlamaWeights.load(c, src, root, p, Integer.MAX_VALUE / 8);
                    LlamaWeights blocks = LlamaWeights.load(c, src, root, p, 100)) {
                    assertEquals(p, blocks.precision());
                    assertSameWeights(whole, blocks);
                    assertEquals(p.weights(), blocks.layer(1).down().getDataType());
                    assertEquals(p.weights(), blocks.embedTokens().getDataType());
                    assertEquals(p.compute(), blocks.layer(1).postNorm().getDataType());
                }
                CheckpointException e = expectThrows(CheckpointException.class, () -> LlamaWeights.load(c, src, root, p, 40));
                assertTrue(e.getMessage(), e.getMessage().contains("has rows of 48 elements, more than one load block holds"));
            }
        }
    }

    public void testValuesBeyondFloat16StayFloat32OrAreRefusedInFloat16() throws IOException {
        LlamaConfig c = TinyModels.odd();
        Path dir = randomModel(createTempDir().resolve("m"), c, StoredDtype.F32);
        Path st = dir.resolve(Checkpoints.SAFETENSORS);
        String big = Projection.UP.weightKey(0);
        String small = Projection.K.weightKey(1);
        SafeTensorsWriter wr = new SafeTensorsWriter();
        try (SafeTensorsReader r = SafeTensorsReader.open(st)) {
            for (String n : r.names()) {
                HostTensor t = r.get(n);
                if (n.equals(big) || n.equals(small)) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect((int) t.numel() * 4).order(ByteOrder.LITTLE_ENDIAN);
                    b.put(t.data().duplicate().position(0).limit((int) t.numel() * 4));
                    b.putFloat(4 * 7, 70000f);
                    t = new HostTensor(n, t.shape(), "F32", b.position(0));
                }
                wr.add(t);
            }
        }
        wr.write(st, StoredDtype.F32);
        for (int block : new int[]{100, Integer.MAX_VALUE / 8}) {
            try (NDManager root = NDManager.newBaseManager(); TensorSource src = Checkpoints.open(dir)) {
                try (LlamaWeights w = LlamaWeights.load(c, src, root, new Precision(DataType.FLOAT32, DataType.FLOAT16), block)) {
                    assertEquals(DataType.FLOAT32, w.layer(0).up().getDataType());
                    assertEquals(DataType.FLOAT32, w.layer(1).k().getDataType());
                    assertEquals(DataType.FLOAT16, w.layer(0).gate().getDataType());
                    assertEquals(70000f, w.layer(0).up().toFloatArray()[7], 0f);
                    // and it computes: the float32 tensor is used as is, the float16 ones are widened
                    try (LlamaModel m = new LlamaModel(w)) {
                        float[][] l = new io.lloco.runtime.generate.Generator(m, null).logits(null, new int[]{3, 4, 5}, null);
                        assertTrue(Float.isFinite(l[2][0]));
                    }
                }
                CheckpointException e = expectThrows(
                    CheckpointException.class,
                    () -> LlamaWeights.load(c, src, root, Precision.FLOAT16, block)
                );
                assertTrue(
                    e.getMessage(),
                    e.getMessage()
                        .startsWith(
                            "model weight [" + small
                                + "] holds values beyond float16's range (|x| > 65504); this model cannot run in float16"
                        )
                        || e.getMessage().startsWith("model weight [" + big + "] holds values beyond float16's range")
                );
            }
        }
    }
}
