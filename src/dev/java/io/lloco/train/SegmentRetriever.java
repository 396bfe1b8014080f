/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import io.lloco.retrieval.AnswerSupport;
import io.lloco.retrieval.Bm25;
import io.lloco.runtime.compress.Segmentation;

/**
 * BM25 over the segments of one document (Lucene's formula: k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df +
 * 0.5)); words are lower-cased runs of letters and digits). The offline stand-in for the plugin's
 * {@code granularity: segment} retrieval, which runs the same scoring inside OpenSearch over the stored segment text.
 */
public final class SegmentRetriever {

    /** The plugin's default {@code sentence_boost} ({@code _lloco_qa}). */
    public static final double DEFAULT_SENTENCE_BOOST = 2.0;

    private SegmentRetriever() {
    }

    /** Lower-cased words of {@code text} ({@link Bm25#words}). */
    public static List<String> words(String text) {
        return Bm25.words(text);
    }

    /** BM25 score of every segment for {@code query}. */
    public static double[] scores(List<String> segments, String query) {
        return bm25(segments.stream().map(SegmentRetriever::words).toList(), query);
    }

    /**
     * Sentence-aware score of every segment for {@code query}: the segment's BM25 plus {@code sentenceBoost} times
     * the score of its best-matching sentence, sentences scored as documents of their own among all the document's
     * sentences ({@link Segmentation#sentences}) by {@link #sentenceScores}: words, adjacent word pairs and the
     * question's names. A segment where the question's words meet in one sentence (the
     * name and the asked attribute) outranks one where they are scattered over several. The offline stand-in for
     * the plugin's {@code sentence_boost} (a nested {@code max} query over {@code segments.sentences}); 0 is
     * plain BM25.
     */
    public static double[] scores(List<String> segments, String query, double sentenceBoost) {
        double[] out = scores(segments, query);
        if (sentenceBoost == 0) {
            return out;
        }
        List<List<String>> sentences = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            String seg = segments.get(i);
            for (int[] span : Segmentation.sentences(seg)) {
                sentences.add(words(seg.substring(span[0], span[1])));
                owner.add(i);
            }
        }
        double[] s = sentenceScores(sentences, query);
        double[] best = new double[segments.size()];
        for (int k = 0; k < s.length; k++) {
            best[owner.get(k)] = Math.max(best[owner.get(k)], s[k]);
        }
        for (int i = 0; i < out.length; i++) {
            out[i] += sentenceBoost * best[i];
        }
        return out;
    }

    /**
     * How each sentence (its words) matches {@code query}: BM25 of the words, plus BM25 of the adjacent word pairs
     * ({@link Bm25#pairs}), plus BM25 of the query's names alone ({@link AnswerSupport#names}: its capitalised words
     * after the first), each over the document's sentences — the plugin's {@code segments.sentences.text},
     * {@code .text.pairs} and names clauses.
     */
    public static double[] sentenceScores(List<List<String>> sentences, String query) {
        double[] s = Bm25.scoresWithPairs(sentences, sentences.stream().map(Bm25::pairs).toList(), words(query));
        List<String> names = AnswerSupport.names(query);
        if (names.isEmpty() == false) {
            double[] n = Bm25.scores(sentences, names);
            for (int k = 0; k < s.length; k++) {
                s[k] += n[k];
            }
        }
        return s;
    }

    private static double[] bm25(List<List<String>> docs, String query) {
        return Bm25.scores(docs, words(query));
    }

    /**
     * The {@code k} best-scoring segments for {@code query}, in document order (ties: the earlier segment); fewer when
     * the document has fewer segments.
     */
    public static int[] topK(List<String> segments, String query, int k) {
        return topK(segments, query, k, 0);
    }

    /** The {@code k} best segments by {@link #scores(List, String, double)}, in document order. */
    public static int[] topK(List<String> segments, String query, int k, double sentenceBoost) {
        int[] top = ranked(scores(segments, query, sentenceBoost), k);
        Arrays.sort(top);
        return top;
    }

    /** The indices of the {@code k} highest scores, best first (ties: the earlier index). */
    public static int[] ranked(double[] scores, int k) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i));
        int[] top = new int[Math.min(k, order.length)];
        for (int i = 0; i < top.length; i++) {
            top[i] = order[i];
        }
        return top;
    }
}
