/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.lloco.util.Enums;

/**
 * Where a document's token sequence is cut into segments before compression.
 *
 * <ul>
 *   <li>{@link Boundary#TOKENS}: every {@code segmentTokens} tokens, the last segment shorter (AutoCompressor's
 *   and the paper's split, LLOCO-SPEC §1.3). A sentence can be cut in two, each half compressed into a different
 *   segment's summaries.</li>
 *   <li>{@link Boundary#SENTENCE}: whole sentences packed greedily into segments of at most {@code segmentTokens}
 *   tokens; a segment ends after a sentence end ({@link SentenceSplitter}: {@code . ! ?} and {@code 。！？}, possibly
 *   followed by closing quotes or brackets, not after a common abbreviation) or before a line break. A single sentence
 *   longer than
 *   the limit is cut at the limit. Segments are shorter on average (more of them), and no statement is split
 *   between two segments, which matters when segments are compressed independently and retrieved one by one.</li>
 * </ul>
 */
public final class Segmentation {

    /** How segments are cut. */
    public enum Boundary {

        /** Fixed-length segments. */
        TOKENS,
        /** Whole sentences packed up to the segment length. */
        SENTENCE;

        /** The value as written in settings and requests ({@code tokens}, {@code sentence}). */
        public String value() {
            return Enums.value(this);
        }

        /** Parses {@code tokens} or {@code sentence}; the error names {@code segment_boundary} and the accepted values. */
        public static Boundary parse(String s) {
            return Enums.parse(Boundary.class, "segment_boundary", s);
        }
    }

    private Segmentation() {
    }

    /** Fixed lengths for {@code n} tokens: ceil(n / segmentTokens) segments, the last one shorter. */
    public static int[] fixed(int n, int segmentTokens) {
        if (segmentTokens <= 0) {
            throw new IllegalArgumentException("segment length must be > 0, got " + segmentTokens);
        }
        if (n <= 0) {
            throw new IllegalArgumentException("cannot compress an empty document (0 tokens)");
        }
        int count = (n + segmentTokens - 1) / segmentTokens;
        int[] out = new int[count];
        for (int k = 0; k < count; k++) {
            out[k] = Math.min(segmentTokens, n - k * segmentTokens);
        }
        return out;
    }

    /**
     * Segment lengths for a tokenized text.
     *
     * @param text the text
     * @param tokenEnds for each token, the exclusive end of its characters in {@code text} (non-decreasing)
     * @param segmentTokens the most tokens per segment
     * @param boundary how to cut
     */
    public static int[] lengths(String text, int[] tokenEnds, int segmentTokens, Boundary boundary) {
        int n = tokenEnds.length;
        int[] fixed = fixed(n, segmentTokens);
        if (boundary == Boundary.TOKENS) {
            return fixed;
        }
        boolean[] cut = new boolean[n]; // a segment may end after token i
        java.util.BitSet ends = new java.util.BitSet(text.length() + 1);
        for (int e : SentenceSplitter.ends(text)) {
            ends.set(e);
        }
        for (int i = 0; i < n; i++) {
            cut[i] = ends.get(tokenEnds[i]) || lineBreakAt(text, tokenEnds[i]);
        }
        int[] out = new int[n];
        int count = 0;
        int start = 0;
        while (start < n) {
            int limit = Math.min(n, start + segmentTokens);
            int end = limit;
            if (limit < n) {
                for (int i = limit - 1; i >= start; i--) {
                    if (cut[i]) {
                        end = i + 1;
                        break;
                    }
                }
            }
            out[count++] = end - start;
            start = end;
        }
        return Arrays.copyOf(out, count);
    }

    /**
     * The sentences of {@code text} as {@code [start, end)} character spans ({@link SentenceSplitter}: Unicode sentence
     * rules with {@code 。！？}, line breaks, and common abbreviations that do not end a sentence), with the surrounding
     * whitespace left out; blank pieces are skipped.
     */
    public static List<int[]> sentences(String text) {
        List<int[]> out = new ArrayList<>();
        int start = 0;
        for (int e : SentenceSplitter.ends(text)) {
            int a = start;
            while (a < e && Character.isWhitespace(text.charAt(a))) {
                a++;
            }
            if (e > a) {
                out.add(new int[]{a, e});
            }
            start = e;
        }
        return out;
    }

    /** Whether a sentence ends at {@code end} or a line break follows it (where a {@link Boundary#SENTENCE} segment may end). */
    static boolean endsSentence(String text, int end) {
        for (int e : SentenceSplitter.ends(text)) {
            if (e == end) {
                return true;
            }
        }
        return lineBreakAt(text, end);
    }

    /** Whether a line break follows {@code end} (a segment may always end before one). */
    private static boolean lineBreakAt(String text, int end) {
        return end < text.length() && (text.charAt(end) == '\n' || text.charAt(end) == '\r');
    }

}
