/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.train.Ce;

/**
 * The AutoCompressor forward of LLOCO-SPEC §1.3 written for training: the document is split into segments of
 * {@code segmentTokens} (the last shorter); segment k's input is {@code [softprompt_k ; tokens_k ; summary
 * tokens]} at contiguous positions from 0 with plain causal attention; its new summary is the final-normed
 * last hidden state at the summary positions; summaries accumulate. Gradients flow through the summaries
 * into every earlier segment, except across a stop-gradient every {@code detachEvery} segments (the
 * AutoCompressor's stop-gradient between substeps; 0 = never).
 *
 * <p>Each segment runs through the runtime's {@link AutoCompressor#forwardSegment(NDArray, NDArray)} (the same
 * code the plugin compresses with). Optionally computes the language-modelling loss of each segment's tokens given the earlier summaries
 * (the AutoCompressor objective). Everything lands in the caller's request manager.
 */
public final class SegmentCompressor {

    /**
     * The result.
     *
     * @param summaries [1, summaryLength * segments, hidden]
     * @param lmNll summed token negative log-likelihood (scalar), or null when not requested
     * @param lmTokens number of tokens in {@code lmNll}
     * @param segments number of segments
     */
    public record Result(NDArray summaries, NDArray lmNll, int lmTokens, int segments) {
    }

    private final LlamaModel model;
    private final AutoCompressor compressor;
    private final int segmentTokens;

    /** A compressor over {@code model} with {@code segmentTokens} tokens per segment. */
    public SegmentCompressor(LlamaModel model, int segmentTokens) {
        if (model.config().isAutoCompressor() == false) {
            throw new IllegalArgumentException("model config has no summary_length: it is not an AutoCompressor");
        }
        this.model = model;
        this.compressor = new AutoCompressor(model);
        this.segmentTokens = segmentTokens;
    }

    /** Tokens per segment. */
    public int segmentTokens() {
        return segmentTokens;
    }

    /** Number of segments for {@code n} tokens. */
    public int segments(int n) {
        return Math.max(1, (n + segmentTokens - 1) / segmentTokens);
    }

    /**
     * Compresses {@code ids}.
     *
     * @param m request manager (every result lands there)
     * @param ids document token ids (no BOS)
     * @param lm whether to compute the language-modelling loss
     * @param detachEvery stop the gradient of the accumulated summaries after every this many segments (0: never)
     */
    public Result run(NDManager m, int[] ids, boolean lm, int detachEvery) {
        int n = segments(ids.length);
        NDArray softprompt = null;
        NDArray nll = null;
        int lmTokens = 0;
        NDArray tokens = model.embed(m, ids);
        for (int k = 0; k < n; k++) {
            int from = k * segmentTokens;
            int to = Math.min(ids.length, from + segmentTokens);
            int len = to - from;
            int p = softprompt == null ? 0 : (int) softprompt.getShape().get(0);
            AutoCompressor.SegmentOutput out = compressor.forwardSegment(softprompt, tokens.get(new NDIndex("{}:{}", from, to)));
            if (lm && len > (p == 0 ? 1 : 0)) {
                int a = p == 0 ? 0 : p - 1;
                int b = p + len - 1;
                int[] targets = Arrays.copyOfRange(ids, p == 0 ? from + 1 : from, to);
                NDArray h = out.hidden().get(new NDIndex("{}:{}", a, b));
                NDArray segNll = Ce.nllSum(model.logits(h), targets);
                nll = nll == null ? segNll : nll.add(segNll);
                lmTokens += targets.length;
            }
            softprompt = softprompt == null ? out.summary() : softprompt.concat(out.summary(), 0);
            if (detachEvery > 0 && (k + 1) % detachEvery == 0 && k + 1 < n && GradMode.isEnabled()) {
                softprompt = softprompt.stopGradient();
            }
        }
        return new Result(softprompt.expandDims(0), nll, lmTokens, n);
    }
}
