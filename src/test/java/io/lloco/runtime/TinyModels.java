/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime;

import java.util.Random;

import io.lloco.runtime.checkpoint.LlamaConfig;

/** Small configs and random inputs for runtime tests. */
public final class TinyModels {

    private TinyModels() {
    }

    /** GQA, explicit head_dim != hidden / heads, linear RoPE scaling, untied. */
    public static LlamaConfig odd() {
        return LlamaConfig.builder()
            .hiddenSize(32)
            .intermediateSize(40)
            .numHiddenLayers(2)
            .numAttentionHeads(4)
            .numKeyValueHeads(2)
            .headDim(12)
            .rmsNormEps(1e-6)
            .ropeTheta(5000)
            .ropeScalingFactor(3.0)
            .vocabSize(50)
            .build();
    }

    /** A tiny AutoCompressor (summary length 3), tied head. */
    public static LlamaConfig autoCompressor() {
        return LlamaConfig.builder()
            .hiddenSize(24)
            .intermediateSize(32)
            .numHiddenLayers(2)
            .numAttentionHeads(4)
            .numKeyValueHeads(2)
            .vocabSize(40)
            .tieWordEmbeddings(true)
            .summaryLength(3)
            .build();
    }

    public static int[] randomIds(Random r, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 3 + r.nextInt(vocab - 3);
        }
        return ids;
    }

    public static double relErr(double[][] expected, float[][] got) {
        double md = 0;
        double mr = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                md = Math.max(md, Math.abs(expected[i][j] - got[i][j]));
                mr = Math.max(mr, Math.abs(expected[i][j]));
            }
        }
        return md / mr;
    }

    public static double relErr(float[][] expected, float[][] got) {
        double md = 0;
        double mr = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                md = Math.max(md, Math.abs((double) expected[i][j] - got[i][j]));
                mr = Math.max(mr, Math.abs(expected[i][j]));
            }
        }
        return md / mr;
    }
}
