/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

/**
 * One finished hypothesis of a beam search.
 *
 * @param ids new token ids only (an EOS that ended it is included, as in {@link GenerationResult#ids()})
 * @param text decoded new text without special tokens, cut before a stop string; null without a tokenizer
 * @param finishReason why it stopped: EOS, a stop string, or the token budget
 * @param logProb sum over its tokens of the natural-log probability the model gave each (EOS included)
 */
public record Hypothesis(int[] ids, String text, FinishReason finishReason, double logProb) {
}
