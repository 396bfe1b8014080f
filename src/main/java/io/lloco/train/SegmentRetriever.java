/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BM25 over the segments of one document (Lucene's formula: k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df +
 * 0.5)); words are lower-cased runs of letters and digits). The offline stand-in for the plugin's
 * {@code granularity: segment} retrieval, which runs the same scoring inside OpenSearch over the stored segment text.
 */
public final class SegmentRetriever {

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final double K1 = 1.2;
    private static final double B = 0.75;

    private SegmentRetriever() {
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

    /** BM25 score of every segment for {@code query}. */
    public static double[] scores(List<String> segments, String query) {
        int n = segments.size();
        List<Map<String, Integer>> tf = new ArrayList<>();
        int[] len = new int[n];
        Map<String, Integer> df = new HashMap<>();
        double avg = 0;
        for (int i = 0; i < n; i++) {
            Map<String, Integer> counts = new HashMap<>();
            List<String> w = words(segments.get(i));
            for (String x : w) {
                counts.merge(x, 1, Integer::sum);
            }
            for (String x : counts.keySet()) {
                df.merge(x, 1, Integer::sum);
            }
            tf.add(counts);
            len[i] = w.size();
            avg += w.size();
        }
        avg = n == 0 ? 0 : avg / n;
        Set<String> terms = new HashSet<>(words(query));
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

    /**
     * The {@code k} best-scoring segments for {@code query}, in document order (ties: the earlier segment); fewer when
     * the document has fewer segments.
     */
    public static int[] topK(List<String> segments, String query, int k) {
        double[] s = scores(segments, query);
        Integer[] order = new Integer[s.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i));
        int[] top = new int[Math.min(k, order.length)];
        for (int i = 0; i < top.length; i++) {
            top[i] = order[i];
        }
        Arrays.sort(top);
        return top;
    }
}
