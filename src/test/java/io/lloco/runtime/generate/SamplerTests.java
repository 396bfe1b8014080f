/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

public class SamplerTests extends OpenSearchTestCase {

    private static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};

    private static double[] frequencies(GenerationParams p, float[] logits, int draws) {
        Sampler s = new Sampler(p);
        double[] f = new double[logits.length];
        for (int i = 0; i < draws; i++) {
            f[s.next(logits, 0, logits.length)] += 1.0 / draws;
        }
        return f;
    }

    public void testGreedyTakesFirstMaximum() {
        Sampler s = new Sampler(GenerationParams.greedy(1));
        assertEquals(1, s.next(new float[]{0, 3, 3, 1}, 0, 4));
        assertEquals(2, s.next(new float[]{9, 9, 0, 1, 5, -2}, 2, 4));
    }

    public void testTemperatureOneFollowsSoftmax() {
        double[] f = frequencies(GenerationParams.sampling(1, 1.0, 1.0, 42), LOGITS, 40000);
        double[] p = {0.5, 0.3, 0.15, 0.05};
        for (int i = 0; i < p.length; i++) {
            assertEquals("token " + i, p[i], f[i], 0.01);
        }
    }

    public void testTemperatureSharpens() {
        // T = 0.5 squares the probabilities: 0.25, 0.09, 0.0225, 0.0025 normalised
        double[] f = frequencies(GenerationParams.sampling(1, 0.5, 1.0, 7), LOGITS, 40000);
        double z = 0.25 + 0.09 + 0.0225 + 0.0025;
        assertEquals(0.25 / z, f[0], 0.01);
        assertEquals(0.09 / z, f[1], 0.01);
    }

    public void testTopPKeepsTheSmallestNucleus() {
        // 0.5 < 0.75 <= 0.8: tokens 0 and 1 only, renormalised 5:3
        double[] f = frequencies(GenerationParams.sampling(1, 1.0, 0.75, 3), LOGITS, 40000);
        assertEquals(0.625, f[0], 0.01);
        assertEquals(0.375, f[1], 0.01);
        assertEquals(0.0, f[2] + f[3], 0.0);
        // a tiny nucleus is greedy
        double[] g = frequencies(GenerationParams.sampling(1, 1.0, 0.01, 3), LOGITS, 1000);
        assertEquals(1.0, g[0], 1e-9);
    }

    public void testSameSeedSameDraws() {
        Sampler a = new Sampler(GenerationParams.sampling(1, 0.8, 0.9, 123));
        Sampler b = new Sampler(GenerationParams.sampling(1, 0.8, 0.9, 123));
        Sampler c = new Sampler(GenerationParams.sampling(1, 0.8, 0.9, 124));
        boolean differs = false;
        for (int i = 0; i < 200; i++) {
            int x = a.next(LOGITS, 0, 4);
            assertEquals(x, b.next(LOGITS, 0, 4));
            differs |= x != c.next(LOGITS, 0, 4);
        }
        assertTrue(differs);
    }

    public void testParamsValidation() {
        expectThrows(IllegalArgumentException.class, () -> GenerationParams.sampling(-1, 1, 1, 0));
        expectThrows(IllegalArgumentException.class, () -> GenerationParams.sampling(1, -0.1, 1, 0));
        expectThrows(IllegalArgumentException.class, () -> GenerationParams.sampling(1, 1, 0, 0));
        expectThrows(IllegalArgumentException.class, () -> GenerationParams.sampling(1, 1, 1.5, 0));
        expectThrows(IllegalArgumentException.class, () -> GenerationParams.greedy(1).withStopStrings(List.of("")));
    }
}
