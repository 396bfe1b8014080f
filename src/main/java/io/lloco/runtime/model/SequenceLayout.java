/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Arrays;

/**
 * How the rows of a batch sit in the padded [B, T] grid: row b has {@code padLeft[b]} padding slots on
 * the left (never attended to). Positions are contiguous per row from 0, ignoring pads, so a left-padded
 * row computes exactly what it would alone.
 */
public final class SequenceLayout {

    private final int[] padLeft;
    private final boolean padded;

    private SequenceLayout(int[] padLeft) {
        this.padLeft = padLeft;
        boolean any = false;
        for (int p : padLeft) {
            if (p < 0) {
                throw new IllegalArgumentException("negative padding " + Arrays.toString(padLeft));
            }
            any |= p > 0;
        }
        this.padded = any;
    }

    /** {@code batch} rows without padding. */
    public static SequenceLayout unpadded(int batch) {
        return new SequenceLayout(new int[batch]);
    }

    /** Rows with the given left padding. */
    public static SequenceLayout leftPadded(int[] padLeft) {
        return new SequenceLayout(padLeft.clone());
    }

    /** Number of rows. */
    public int batch() {
        return padLeft.length;
    }

    /** Left padding of row {@code b}. */
    public int padLeft(int b) {
        return padLeft[b];
    }

    /** Whether any row is padded. */
    public boolean isPadded() {
        return padded;
    }

    /** RoPE position of padded slot {@code slot} in row {@code b} (0 for pad slots). */
    public int position(int b, int slot) {
        return Math.max(0, slot - padLeft[b]);
    }

    /** Whether query slot {@code q} of row {@code b} may attend to key slot {@code k}: causal, pads masked (a pad sees itself). */
    public boolean visible(int b, int q, int k) {
        if (k > q) {
            return false;
        }
        return k >= padLeft[b] || k == q;
    }
}
