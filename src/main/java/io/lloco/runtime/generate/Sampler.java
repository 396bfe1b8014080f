/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from one row of logits: greedy argmax, or temperature + top-p sampling from a seeded source. */
final class Sampler {

    private final GenerationParams params;
    private final SplittableRandom random;

    Sampler(GenerationParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    /** The next token from {@code logits[offset .. offset + vocab)}. */
    int next(float[] logits, int offset, int vocab) {
        if (params.isGreedy()) {
            return argmax(logits, offset, vocab);
        }
        double inv = 1.0 / params.temperature();
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i] * inv);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp(logits[offset + i] * inv - max);
            sum += p[i];
        }
        if (params.topP() >= 1.0) {
            return draw(p, sum, null, vocab);
        }
        // sort by probability, descending (ties: lower id first), via packed keys
        long[] keys = new long[vocab];
        for (int i = 0; i < vocab; i++) {
            int bits = Float.floatToIntBits((float) (p[i] / sum)); // non-negative floats order like their bits
            keys[i] = ((long) (Integer.MAX_VALUE - bits) << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[vocab];
        double kept = 0;
        int n = 0;
        while (n < vocab) {
            int id = (int) keys[n];
            order[n++] = id;
            kept += p[id];
            if (kept / sum >= params.topP()) {
                break;
            }
        }
        return draw(p, kept, Arrays.copyOf(order, n), n);
    }

    private int draw(double[] p, double total, int[] ids, int n) {
        double u = random.nextDouble() * total;
        double acc = 0;
        for (int j = 0; j < n; j++) {
            int id = ids == null ? j : ids[j];
            acc += p[id];
            if (u < acc) {
                return id;
            }
        }
        return ids == null ? n - 1 : ids[n - 1];
    }

    /** Index of the largest value (the first one on ties). */
    static int argmax(float[] v, int offset, int n) {
        int best = 0;
        float bv = v[offset];
        for (int i = 1; i < n; i++) {
            if (v[offset + i] > bv) {
                bv = v[offset + i];
                best = i;
            }
        }
        return best;
    }
}
