/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/** Cross-entropy helpers that keep the autograd graph (no in-place ops). */
public final class Ce {

    private Ce() {
    }

    /**
     * Summed negative log-likelihood of {@code targets} under {@code logits}.
     *
     * @param logits [N, V]
     * @param targets N token ids
     * @return a scalar (sum over the N rows), in the logits' manager
     */
    public static NDArray nllSum(NDArray logits, int[] targets) {
        NDManager m = logits.getManager();
        long[] t = new long[targets.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = targets[i];
        }
        NDArray idx = m.create(t, new Shape(targets.length, 1));
        NDArray lsm = logits.logSoftmax(-1);
        return lsm.gather(idx, 1).sum().neg();
    }

    /**
     * Summed unlikelihood {@code -log(1 - p(token))} (Welleck et al. 2019) of {@code tokens[i]} under row
     * {@code rows[i]} of {@code logits}: pushes those tokens' probability down (softmax in the logits' type, which
     * the trainers keep float32; {@code 1 - p} is clamped to {@code [1e-6, 1]}).
     *
     * @param logits [N, V]
     * @param rows rows of {@code logits}
     * @param tokens one token id per row of {@code rows}
     * @return a scalar, in the logits' manager
     */
    public static NDArray unlikelihoodSum(NDArray logits, int[] rows, int[] tokens) {
        if (rows.length != tokens.length) {
            throw new IllegalArgumentException("unlikelihood: " + rows.length + " rows but " + tokens.length + " tokens");
        }
        long[] t = new long[tokens.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = tokens[i];
        }
        NDArray p = rows(logits, rows).softmax(-1).gather(logits.getManager().create(t, new Shape(t.length, 1)), 1);
        return p.neg().add(1).clip(1e-6, 1).log().sum().neg();
    }

    /** Rows {@code rows} of a [N, H] matrix, differentiably (an embedding lookup with the matrix as table). */
    public static NDArray rows(NDArray matrix, int[] rows) {
        long[] r = new long[rows.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = rows[i];
        }
        NDArray idx = matrix.getManager().create(r);
        return idx.getNDArrayInternal().embedding(idx, matrix, SparseFormat.DENSE).singletonOrThrow();
    }
}
