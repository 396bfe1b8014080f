/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.Base64;

import org.opensearch.test.OpenSearchTestCase;

public class SummaryCodecTests extends OpenSearchTestCase {

    public void testFloat16BytesAreIeeeHalfLittleEndian() {
        // 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800 (IEEE 754 binary16)
        byte[] b = SummaryCodec.toBytes(new float[]{1f, -2f, 0.5f}, SummaryCodec.Dtype.FLOAT16);
        assertArrayEquals(new byte[]{0x00, 0x3C, 0x00, (byte) 0xC0, 0x00, 0x38}, b);
    }

    public void testFloat32BytesAreLittleEndian() {
        // 1.0f = 0x3F800000
        byte[] b = SummaryCodec.toBytes(new float[]{1f}, SummaryCodec.Dtype.FLOAT32);
        assertArrayEquals(new byte[]{0x00, 0x00, (byte) 0x80, 0x3F}, b);
    }

    public void testRoundTripWithinHalfPrecision() {
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random().nextGaussian() * 3);
        }
        float[] f16 = SummaryCodec.decode(SummaryCodec.encode(v, SummaryCodec.Dtype.FLOAT16), SummaryCodec.Dtype.FLOAT16);
        float[] f32 = SummaryCodec.decode(SummaryCodec.encode(v, SummaryCodec.Dtype.FLOAT32), SummaryCodec.Dtype.FLOAT32);
        for (int i = 0; i < v.length; i++) {
            assertEquals(v[i], f32[i], 0f);
            // half precision: 11 significant bits -> relative error <= 2^-11
            assertEquals(v[i], f16[i], Math.abs(v[i]) * 0x1p-11f + 1e-7f);
        }
        assertEquals(2000, Base64.getDecoder().decode(SummaryCodec.encode(v, SummaryCodec.Dtype.FLOAT16)).length);
    }

    public void testRaggedBytesAreRejected() {
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> SummaryCodec.fromBytes(new byte[3], SummaryCodec.Dtype.FLOAT16)
        );
        assertTrue(e.getMessage(), e.getMessage().contains("3 bytes"));
        e = expectThrows(IllegalArgumentException.class, () -> SummaryCodec.Dtype.parse("bfloat16"));
        assertTrue(e.getMessage(), e.getMessage().contains("[float16] or [float32]"));
    }
}
