/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.retrieval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How well a candidate answer, read from one segment, is supported by that segment's text. Only a sentence of that
 * segment which states the answer (its words, in order, as whole words) can support it; among those, the best is the
 * one that holds the most of the question's names (its capitalised words after the first, "Juvin" and "Pratwick" in
 * "What is Juvin Pratwick's favourite colour?"), then the one that matches the question best (BM25 of its words plus
 * BM25 of its adjacent word pairs, {@link Bm25#scoreTextsWithPairs}, scored among all the sentences of the document,
 * as the plugin matches {@code segments.sentences}).
 *
 * <p>A model that reads "the colour in the segment" answers another person's colour from a segment that also mentions
 * the asked person elsewhere; that answer stands in a sentence about the other person. Such a sentence can match the
 * question's other words better ("Mana Radby's favourite colour is teal." against "The favourite colour of Juvin
 * Pratwick is red.": a person mentioned often has a low BM25 weight), but it does not name the person asked about.
 */
public final class AnswerSupport {

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    /**
     * The support of one answer.
     *
     * @param names how many of the question's names the supporting sentence holds (0 when none is stated)
     * @param score the supporting sentence's match of the question; {@code NEGATIVE_INFINITY} when no sentence of the
     *     segment states the answer
     */
    public record Support(int names, double score) {

        /** No sentence of the segment states the answer. */
        public static final Support NONE = new Support(0, Double.NEGATIVE_INFINITY);

        /** Whether a sentence of the segment states the answer. */
        public boolean stated() {
            return score != Double.NEGATIVE_INFINITY;
        }

        /** More names, then a better match. */
        public boolean betterThan(Support other) {
            return names != other.names ? names > other.names : score > other.score;
        }
    }

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
    public static Support support(String answer, String question, List<String> documentSentences, List<Integer> owner, int segment) {
        return checker(question, documentSentences, owner).support(answer, segment);
    }

    /**
     * Checks several answers to one question against one document's sentences, scoring the sentences once.
     *
     * @param question the question
     * @param documentSentences every sentence of the document, in order
     * @param owner for each sentence, the segment it belongs to
     */
    public static Checker checker(String question, List<String> documentSentences, List<Integer> owner) {
        return new Checker(documentSentences, owner, Bm25.scoreTextsWithPairs(documentSentences, question), names(question));
    }

    /** {@link AnswerSupport#support} for one question and document, the sentences scored once. */
    public static final class Checker {

        private final List<String> sentences;
        private final List<Integer> owner;
        private final double[] scores;
        private final List<String> names;

        private Checker(List<String> sentences, List<Integer> owner, double[] scores, List<String> names) {
            this.sentences = sentences;
            this.owner = owner;
            this.scores = scores;
            this.names = names;
        }

        /** The support of {@code answer}, read from {@code segment}. */
        public Support support(String answer, int segment) {
            String needle = " " + normalize(answer) + " ";
            if (needle.isBlank()) {
                return Support.NONE;
            }
            Support best = Support.NONE;
            for (int i = 0; i < sentences.size(); i++) {
                if (owner.get(i) == segment && (" " + normalize(sentences.get(i)) + " ").contains(needle)) {
                    Set<String> words = new HashSet<>(Bm25.words(sentences.get(i)));
                    Support s = new Support((int) names.stream().filter(words::contains).count(), scores[i]);
                    if (best.stated() == false || s.betterThan(best)) {
                        best = s;
                    }
                }
            }
            return best;
        }

        /**
         * Whether {@code s} settles the question: a sentence of the segment states the answer and holds every one of
         * the question's names (any stating sentence when the question has none). A stated answer in a sentence about
         * someone else ("Mana Radby's favourite colour is teal." for Juvin Pratwick) does not, so more segments are
         * read while one is allowed ({@code answer_candidates_max}).
         */
        public boolean confirms(Support s) {
            return AnswerSupport.confirms(s, names.size());
        }
    }

    /**
     * Whether {@code s} settles a question that has {@code questionNames} names ({@link #names}): stated in a sentence
     * holding all of them. See {@link Checker#confirms}.
     */
    public static boolean confirms(Support s, int questionNames) {
        return s.stated() && s.names() >= questionNames;
    }

    /**
     * The question's names, lower-cased and distinct: its words that start with a capital letter, after the first word.
     * None when most of those words are capitalised (a question in capitals or title case, where capitals do not mark
     * names) and none in scripts without case (Chinese, Japanese). In a language that capitalises every noun (German),
     * the nouns count as names: sentence matching then weighs them twice, and with {@code answer_candidates_max} an
     * answer is confirmed only by a sentence holding all of them ({@code docs/qa.md}).
     */
    public static List<String> names(String question) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(question == null ? "" : question);
        boolean first = true;
        int words = 0;
        int capitalised = 0;
        while (m.find()) {
            String w = m.group();
            if (first == false) {
                words++;
                if (Character.isUpperCase(w.codePointAt(0))) {
                    capitalised++;
                    String lower = w.toLowerCase(Locale.ROOT);
                    if (out.contains(lower) == false) {
                        out.add(lower);
                    }
                }
            }
            first = false;
        }
        return 2 * capitalised > words ? new ArrayList<>() : out;
    }

    /** Lower-cased words joined by single spaces (punctuation dropped). */
    static String normalize(String s) {
        return String.join(" ", Bm25.words(s == null ? "" : s.toLowerCase(Locale.ROOT)));
    }

    /**
     * The candidate to keep: the best supported one ({@link Support#betterThan}); among equals (or when none is
     * supported) the earliest, which is the best-retrieved.
     */
    public static int choose(List<Support> supports) {
        int best = 0;
        for (int i = 1; i < supports.size(); i++) {
            if (supports.get(i).betterThan(supports.get(best))) {
                best = i;
            }
        }
        return best;
    }
}
