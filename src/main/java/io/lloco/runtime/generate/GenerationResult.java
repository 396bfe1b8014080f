/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

/**
 * The outcome of one request.
 *
 * @param ids new token ids only (an EOS that ended the generation is included, as Hugging Face does)
 * @param text decoded new text without special tokens, cut before a stop string; null without a tokenizer
 * @param finishReason why it stopped
 * @param prefixVectors soft-prompt vectors read
 * @param promptTokens prompt tokens read
 * @param prefillNanos time of the batched prefill this request was part of
 * @param decodeNanos time of the batched decode steps this request was part of
 */
public record GenerationResult(
    int[] ids,
    String text,
    FinishReason finishReason,
    int prefixVectors,
    int promptTokens,
    long prefillNanos,
    long decodeNanos) {

    /** Number of generated tokens. */
    public int generatedTokens() {
        return ids.length;
    }
}
