/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.retrieval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BM25 over a small collection held in memory (Lucene's formula: k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) /
 * (df + 0.5))); words are lower-cased runs of letters and digits, except in the scripts written without spaces
 * (Han, Hiragana: one word per character; Katakana: one per run), which Lucene's standard tokenizer splits the same
 * way, so Chinese and Japanese questions match their sentences word by word.
 *
 * <p>Why not Lucene: this scores a question against the few dozen to few hundred sentences or segments of documents
 * already fetched, with statistics (document frequency, average length) over exactly those texts, once per question.
 * Lucene's {@code MemoryIndex} holds a single document, so it has no such statistics; a throwaway
 * {@code ByteBuffersDirectory} index per question would rank alike ({@code BM25Similarity} has this idf, drops the
 * constant factor k1 + 1 and stores lengths lossily) at the cost of an index, writer and searcher for every question.
 * The offline trainer and evaluator score with this same class, so training and serving retrieve alike. The
 * tokenization is shared with Lucene: the {@code lloco_pairs} analyzer ({@code PairsAnalyzer}) tokenizes with
 * {@link #WORD} through Lucene's {@code PatternTokenizer}.
 */
public final class Bm25 {

    /** A word ({@link #words}); the {@code lloco_pairs} analyzer tokenizes with the same pattern. */
    public static final Pattern WORD = Pattern.compile(
        "[\\p{IsHan}\\p{IsHiragana}]|[\\p{IsKatakana}\\u30FC]+|[[\\p{L}\\p{N}]&&[^\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}\\u30FC]]+"
    );
    private static final double K1 = 1.2;
    private static final double B = 0.75;

    private Bm25() {
    }

    /** Lower-cased words of {@code text}. */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** Adjacent pairs of {@code words}, each as "first second" (the {@code lloco_pairs} analyzer's terms). */
    public static List<String> pairs(List<String> words) {
        List<String> out = new ArrayList<>(Math.max(0, words.size() - 1));
        for (int i = 0; i + 1 < words.size(); i++) {
            out.add(words.get(i) + " " + words.get(i + 1));
        }
        return out;
    }

    /**
     * The score of every text of {@code texts} for {@code query} as two fields summed: BM25 of the words plus BM25 of
     * the adjacent word pairs ({@link #pairs}) — how a sentence is matched (its {@code text} and {@code text.pairs}).
     */
    public static double[] scoreTextsWithPairs(List<String> texts, String query) {
        List<List<String>> words = new ArrayList<>(texts.size());
        List<List<String>> pairs = new ArrayList<>(texts.size());
        for (String t : texts) {
            List<String> w = words(t);
            words.add(w);
            pairs.add(pairs(w));
        }
        return scoresWithPairs(words, pairs, words(query));
    }

    /** {@link #scores} of the words plus {@link #scores} of the pairs ({@code pairs.get(i)} = pairs of {@code words.get(i)}). */
    public static double[] scoresWithPairs(List<List<String>> words, List<List<String>> pairs, List<String> queryWords) {
        double[] out = scores(words, queryWords);
        double[] p = scores(pairs, pairs(queryWords));
        for (int i = 0; i < out.length; i++) {
            out[i] += p[i];
        }
        return out;
    }

    /** The score of every text of {@code texts} for {@code query}, the texts being the whole collection. */
    public static double[] scoreTexts(List<String> texts, String query) {
        List<List<String>> docs = new ArrayList<>(texts.size());
        for (String t : texts) {
            docs.add(words(t));
        }
        return scores(docs, words(query));
    }

    /** The score of every document (a list of words) of the collection {@code docs} for the query terms. */
    public static double[] scores(List<List<String>> docs, Collection<String> queryWords) {
        int n = docs.size();
        List<Map<String, Integer>> tf = new ArrayList<>(n);
        int[] len = new int[n];
        Map<String, Integer> df = new HashMap<>();
        double avg = 0;
        for (int i = 0; i < n; i++) {
            Map<String, Integer> counts = new HashMap<>();
            for (String x : docs.get(i)) {
                counts.merge(x, 1, Integer::sum);
            }
            for (String x : counts.keySet()) {
                df.merge(x, 1, Integer::sum);
            }
            tf.add(counts);
            len[i] = docs.get(i).size();
            avg += len[i];
        }
        avg = n == 0 ? 0 : avg / n;
        Set<String> terms = new HashSet<>(queryWords);
        double[] out = new double[n];
        for (String t : terms) {
            int d = df.getOrDefault(t, 0);
            if (d == 0) {
                continue;
            }
            double idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
            for (int i = 0; i < n; i++) {
                int f = tf.get(i).getOrDefault(t, 0);
                if (f > 0) {
                    out[i] += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * len[i] / Math.max(avg, 1e-9)));
                }
            }
        }
        return out;
    }
}
