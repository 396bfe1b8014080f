/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.lora;

import java.util.Map;

import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.NaiveLlamaAccess;

/** The naive double reference with a PEFT delta scale * B (A x) from raw float arrays. */
final class NaiveRef {

    private final NaiveLlamaAccess ref;

    NaiveRef(LlamaWeights w) {
        this.ref = new NaiveLlamaAccess(w);
    }

    double[][] logits(int[] ids, Map<String, float[]> lora, int r, double scale) {
        return ref.logits(ids, lora == null ? null : (layer, p, x, out) -> {
            float[] a = lora.get(LoraWeights.key(layer, p, true));
            float[] b = lora.get(LoraWeights.key(layer, p, false));
            if (a == null) {
                return null;
            }
            int in = x.length;
            double[] ax = new double[r];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < in; j++) {
                    ax[i] += a[i * in + j] * x[j];
                }
            }
            double[] y = new double[out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < r; i++) {
                    y[o] += scale * b[o * r + i] * ax[i];
                }
            }
            return y;
        });
    }
}
