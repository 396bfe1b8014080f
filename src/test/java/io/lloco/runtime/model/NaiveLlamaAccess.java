/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

/** Public test access to the package-private {@link NaiveLlama} oracle. */
public final class NaiveLlamaAccess {

    /** A per-projection addition in the oracle. */
    public interface Delta {

        double[] apply(int layer, Projection p, double[] x, int out);
    }

    private final NaiveLlama ref;

    public NaiveLlamaAccess(LlamaWeights w) {
        this.ref = new NaiveLlama(w);
    }

    public double[] embed(int id) {
        return ref.embed(id);
    }

    public double[] weight(String key) {
        return ref.weight(key);
    }

    /** Final-normed hidden states of input embeddings. */
    public double[][] forward(double[][] input, Delta delta) {
        return ref.forward(input, delta == null ? null : delta::apply);
    }

    /** Logits of token ids (positions from 0). */
    public double[][] logits(int[] ids, Delta delta) {
        double[][] in = new double[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            in[i] = ref.embed(ids[i]);
        }
        return ref.logits(forward(in, delta));
    }

    public double[][] logitsOfHidden(double[][] hidden) {
        return ref.logits(hidden);
    }
}
