/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.train;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Answer scores in the SQuAD style: both texts normalised (Unicode NFKC, lower case, punctuation dropped, the articles
 * a/an/the dropped, whitespace collapsed), then exact match (0 or 1) and token F1 (bag-of-tokens overlap). With options,
 * the prediction picks the option it overlaps most (token F1; ties: the first), and is right when that option is the
 * gold answer. Written here rather than taken from a library: the three functions are the benchmark's definition, a
 * dozen lines, and must not change with a dependency.
 */
public final class AnswerMetrics {

    private AnswerMetrics() {
    }

    /** The normalised tokens of {@code text}. */
    public static List<String> tokens(String text) {
        String t = Normalizer.normalize(text == null ? "" : text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        t = t.replaceAll("[\\p{Punct}\\p{IsPunctuation}]", " ");
        List<String> out = new ArrayList<>();
        for (String w : t.trim().split("\\s+")) {
            if (w.isEmpty() || w.equals("a") || w.equals("an") || w.equals("the")) {
                continue;
            }
            out.add(w);
        }
        return out;
    }

    /** 1 when the normalised texts are equal, else 0. */
    public static double exactMatch(String prediction, String gold) {
        return tokens(prediction).equals(tokens(gold)) ? 1 : 0;
    }

    /** Token F1 of the normalised texts (1 when both are empty). */
    public static double f1(String prediction, String gold) {
        List<String> p = tokens(prediction);
        List<String> g = tokens(gold);
        if (p.isEmpty() || g.isEmpty()) {
            return p.equals(g) ? 1 : 0;
        }
        Map<String, Integer> counts = new HashMap<>();
        g.forEach(w -> counts.merge(w, 1, Integer::sum));
        int common = 0;
        for (String w : p) {
            Integer c = counts.get(w);
            if (c != null && c > 0) {
                common++;
                counts.put(w, c - 1);
            }
        }
        if (common == 0) {
            return 0;
        }
        double precision = (double) common / p.size();
        double recall = (double) common / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** The index of the option {@code prediction} overlaps most (token F1; ties: the first). */
    public static int pick(String prediction, List<String> options) {
        int best = 0;
        double score = -1;
        for (int i = 0; i < options.size(); i++) {
            double s = f1(prediction, options.get(i));
            if (s > score) {
                score = s;
                best = i;
            }
        }
        return best;
    }

    /** 1 when the option {@code prediction} picks is {@code gold} (normalised), else 0. */
    public static double choiceCorrect(String prediction, List<String> options, String gold) {
        return exactMatch(options.get(pick(prediction, options)), gold);
    }
}
