/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Scoring of predictions for the world's tasks, following the paper's evaluators (LLOCO-SPEC §2.7):
 * LOOKUP by token F1 and exact match after SQuAD/LongBench normalisation (lower case, drop ASCII punctuation,
 * drop the articles a/an/the, collapse whitespace); CHOICE as QuALITY's evaluator does (the prediction's first
 * character equals the gold letter; an empty prediction is wrong); NEEDLE by whether the prediction contains the
 * needle value (case-insensitive). Pure functions.
 */
public final class WorldEval {

    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private WorldEval() {
    }

    /** SQuAD-style normalisation: lower case, remove punctuation, remove articles, collapse whitespace. */
    public static String normalize(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                sb.append(c);
            }
        }
        String noArticles = ARTICLES.matcher(sb).replaceAll(" ");
        return String.join(" ", tokens(noArticles));
    }

    private static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        for (String t : s.trim().split("\\s+")) {
            if (t.isEmpty() == false) {
                out.add(t);
            }
        }
        return out;
    }

    /** 1 if the normalised strings are equal, else 0. */
    public static double exactMatch(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold)) ? 1.0 : 0.0;
    }

    /** Token F1 between the normalised prediction and gold (bag of words), in [0, 1]. */
    public static double tokenF1(String prediction, String gold) {
        List<String> p = tokens(normalize(prediction));
        List<String> g = tokens(normalize(gold));
        Map<String, Integer> counts = new HashMap<>();
        for (String t : g) {
            counts.merge(t, 1, Integer::sum);
        }
        int same = 0;
        for (String t : p) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                same++;
                counts.put(t, c - 1);
            }
        }
        if (same == 0) {
            return 0.0;
        }
        double precision = (double) same / p.size();
        double recall = (double) same / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** QuALITY: the prediction's first character equals the gold letter's first character; empty is wrong. */
    public static double choiceCorrect(String prediction, String goldLetter) {
        if (prediction == null || prediction.isEmpty() || goldLetter == null || goldLetter.isEmpty()) {
            return 0.0;
        }
        return prediction.charAt(0) == goldLetter.charAt(0) ? 1.0 : 0.0;
    }

    /** Needle: 1 if the prediction contains the value, ignoring case. */
    public static double needleFound(String prediction, String value) {
        return prediction != null && prediction.toLowerCase(Locale.ROOT).contains(value.toLowerCase(Locale.ROOT)) ? 1.0 : 0.0;
    }

    /**
     * The headline score of one prediction: token F1 for LOOKUP, 0/1 accuracy for CHOICE and NEEDLE.
     */
    public static double score(QaExample example, String prediction) {
        return switch (example.task()) {
            case LOOKUP -> tokenF1(prediction, example.gold());
            case CHOICE -> choiceCorrect(prediction, example.gold());
            case NEEDLE -> needleFound(prediction, example.gold());
        };
    }

    /** Mean headline score per task family, and exact match for LOOKUP. */
    public record Report(Map<TaskFamily, Double> meanScore, Map<TaskFamily, Integer> count, double lookupExactMatch) {

        /** One line per family, e.g. "lookup n=100 score=0.8123". */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (TaskFamily f : meanScore.keySet()) {
                sb.append(String.format(Locale.ROOT, "%s n=%d score=%.4f%n", f.templateName(), count.get(f), meanScore.get(f)));
            }
            if (count.containsKey(TaskFamily.LOOKUP)) {
                sb.append(String.format(Locale.ROOT, "lookup exact_match=%.4f%n", lookupExactMatch));
            }
            return sb.toString();
        }
    }

    /** Scores {@code predictions[i]} against {@code examples[i]}. */
    public static Report evaluate(List<QaExample> examples, List<String> predictions) {
        if (examples.size() != predictions.size()) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "got %d examples but %d predictions; they must pair up", examples.size(), predictions.size())
            );
        }
        Map<TaskFamily, double[]> sums = new EnumMap<>(TaskFamily.class);
        double em = 0;
        int lookups = 0;
        for (int i = 0; i < examples.size(); i++) {
            QaExample e = examples.get(i);
            double[] s = sums.computeIfAbsent(e.task(), k -> new double[2]);
            s[0] += score(e, predictions.get(i));
            s[1] += 1;
            if (e.task() == TaskFamily.LOOKUP) {
                em += exactMatch(predictions.get(i), e.gold());
                lookups++;
            }
        }
        Map<TaskFamily, Double> mean = new EnumMap<>(TaskFamily.class);
        Map<TaskFamily, Integer> count = new EnumMap<>(TaskFamily.class);
        for (Map.Entry<TaskFamily, double[]> e : sums.entrySet()) {
            mean.put(e.getKey(), e.getValue()[0] / e.getValue()[1]);
            count.put(e.getKey(), (int) e.getValue()[1]);
        }
        return new Report(mean, count, lookups == 0 ? Double.NaN : em / lookups);
    }
}
