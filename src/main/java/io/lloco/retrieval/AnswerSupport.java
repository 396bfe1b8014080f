/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.retrieval;

import java.util.List;
import java.util.Locale;

/**
 * How well a candidate answer, read from one segment, is supported by that segment's text: the best score, for the
 * question, of a sentence of the segment that states the answer (BM25 of its words plus BM25 of its adjacent word
 * pairs, {@link Bm25#scoreTextsWithPairs}, as the plugin matches {@code segments.sentences}) (its words, in order, as whole words), the
 * sentences scored among all the sentences of the document. A model that reads "the colour in the segment" answers
 * another person's colour from a segment that also mentions the asked person elsewhere; that answer stands in a
 * sentence about the other person, which matches the question worse than the sentence stating the asked person's
 * colour. {@code NEGATIVE_INFINITY} when no sentence of the segment states the answer.
 */
public final class AnswerSupport {

    private AnswerSupport() {
    }

    /**
     * The support of {@code answer}.
     *
     * @param answer the answer read from the segment
     * @param question the question
     * @param documentSentences every sentence of the document, in order
     * @param owner for each sentence, the segment it belongs to
     * @param segment the segment the answer was read from
     */
    public static double support(String answer, String question, List<String> documentSentences, List<Integer> owner, int segment) {
        String needle = " " + normalize(answer) + " ";
        if (needle.isBlank()) {
            return Double.NEGATIVE_INFINITY;
        }
        double[] scores = Bm25.scoreTextsWithPairs(documentSentences, question);
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < documentSentences.size(); i++) {
            if (owner.get(i) == segment && (" " + normalize(documentSentences.get(i)) + " ").contains(needle)) {
                best = Math.max(best, scores[i]);
            }
        }
        return best;
    }

    /** Lower-cased words joined by single spaces (punctuation dropped). */
    static String normalize(String s) {
        return String.join(" ", Bm25.words(s == null ? "" : s.toLowerCase(Locale.ROOT)));
    }

    /**
     * The candidate to keep: the best supported one; among equals (or when none is supported) the earliest, which is
     * the best-retrieved.
     */
    public static int choose(double[] supports) {
        int best = 0;
        for (int i = 1; i < supports.length; i++) {
            if (supports[i] > supports[best]) {
                best = i;
            }
        }
        return best;
    }
}
