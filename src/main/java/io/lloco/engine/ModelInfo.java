/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

/**
 * What callers need to know of a loaded model without touching tensors.
 *
 * @param id model id ({@code lloco-tiny} or a directory name under {@code config/lloco/models})
 * @param fingerprint {@code sha256:<hex>} of config.json and the weight files; changes when the model changes
 * @param hidden hidden size (width of one summary vector)
 * @param summaryLength summary vectors per segment
 * @param segmentTokens default segment length in tokens
 * @param maxPositions the decoder window (max_position_embeddings)
 * @param vocabSize vocabulary size
 */
public record ModelInfo(String id, String fingerprint, int hidden, int summaryLength, int segmentTokens, int maxPositions, int vocabSize) {
}
