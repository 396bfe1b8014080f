/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.List;

import io.lloco.runtime.compress.Segmentation;

/** Turns texts into per-segment summary embeddings (the AutoCompressor side of a model). */
public interface SummaryEncoder {

    /** One segment of a compressed document. */
    record Segment(int startChar, int endChar, int tokens, float[] summaries) {
    }

    /** A compressed document: its token count and segments in order. */
    record Encoded(int tokens, List<Segment> segments) {
    }

    /** The model behind this encoder. */
    ModelInfo info();

    /** Token count of a text under the model's tokenizer (no special tokens). */
    int countTokens(String text);

    /**
     * Compresses several texts (one model call batch). Each segment carries its character span in the text and its
     * {@code summaryLength * hidden} summary values, row-major.
     */
    default List<Encoded> encode(List<String> texts, int segmentTokens, boolean independent) {
        return encode(texts, segmentTokens, independent, Segmentation.Boundary.TOKENS);
    }

    /**
     * Compresses several texts, cutting segments at {@code boundary}: every {@code segmentTokens} tokens, or after
     * whole sentences up to {@code segmentTokens} tokens ({@link Segmentation}).
     */
    List<Encoded> encode(List<String> texts, int segmentTokens, boolean independent, Segmentation.Boundary boundary);

    /**
     * The character spans {@code [start, end)} of the segments {@link #encode} would cut from {@code text}, without
     * compressing: tokenization and segmentation only (cheap beside compression), so limits on the stored form can be
     * checked before the model runs.
     */
    List<int[]> segmentSpans(String text, int segmentTokens, Segmentation.Boundary boundary);
}
