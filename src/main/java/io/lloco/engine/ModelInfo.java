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
 * @param dtype the compute dtype it runs in ({@code float32} / {@code float16}; {@code plugins.lloco.dtype}), or null
 *     when not known (a model described by another node over the wire)
 * @param weightsDtype the dtype its weight matrices are kept in ({@code plugins.lloco.weights.dtype}), or null
 */
public record ModelInfo(
    String id,
    String fingerprint,
    int hidden,
    int summaryLength,
    int segmentTokens,
    int maxPositions,
    int vocabSize,
    String dtype,
    String weightsDtype) {

    /** A model whose dtypes are not known here (as the compression wire format carries it). */
    public ModelInfo(String id, String fingerprint, int hidden, int summaryLength, int segmentTokens, int maxPositions, int vocabSize) {
        this(id, fingerprint, hidden, summaryLength, segmentTokens, maxPositions, vocabSize, null, null);
    }
}
