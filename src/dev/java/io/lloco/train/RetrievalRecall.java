/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.compress.Segmentation;
import io.lloco.train.world.Document;
import io.lloco.train.world.Fact;
import io.lloco.train.world.FactType;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/**
 * How often the segment that states a question's answer is among the K best BM25 segments ({@link SegmentRetriever}),
 * for each segment boundary ({@link Segmentation}): no model involved, the ceiling of the retrieval path. A statement
 * counts as retrieved only when one retrieved segment holds the whole sentence.
 *
 * <pre>
 * java -cp ... io.lloco.train.RetrievalRecall [--seed 7] [--task lookup|choice|needle] [--n 200] [--doc-tokens 4096]
 *     [--segment 64] [--k 8] [--sentence-boost 0,2] [--match-choices true|false]
 * </pre>
 * Prints one JSON line per sentence boost ({@link SegmentRetriever#scores(java.util.List, String, double)}) and
 * boundary: {@code recall_at} [k=1..K], {@code mean_segments}, {@code statements_cut} (share of
 * questions whose statement no single segment holds).
 */
public final class RetrievalRecall {

    private RetrievalRecall() {
    }

    /** Entry point; see the class documentation. */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Args a = new Args("RetrievalRecall", args, java.util.Set.of());
        long seed = a.lng("seed", 7);
        TaskFamily task = TaskFamily.parse(a.str("task", "lookup"));
        int n = a.integer("n", 200);
        int docTokens = a.integer("doc-tokens", 4096);
        int segment = a.integer("segment", 64);
        int kMax = a.integer("k", 8);
        String boosts = a.str("sentence-boost", "0," + SegmentRetriever.DEFAULT_SENTENCE_BOOST);
        boolean matchChoices = Boolean.parseBoolean(a.str("match-choices", "true"));
        a.checkAllUsed();
        for (String boost : boosts.split(",")) {
            double sentenceBoost;
            try {
                sentenceBoost = Double.parseDouble(boost.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--sentence-boost must be numbers separated by commas, got [" + boosts + "]");
            }
            for (Segmentation.Boundary b : Segmentation.Boundary.values()) {
                out.println(run(seed, task, n, docTokens, segment, kMax, b, sentenceBoost, matchChoices).toString());
            }
        }
    }

    /** The figures for one boundary. */
    public static ObjectNode run(
        long seed,
        TaskFamily task,
        int n,
        int docTokens,
        int segment,
        int kMax,
        Segmentation.Boundary boundary,
        double sentenceBoost,
        boolean matchChoices
    ) {
        WorldTokenizer tok = WorldTokenizer.bundled();
        World world = new World(seed, WorldConfig.defaults(), tok);
        int[] hits = new int[kMax + 1];
        int asked = 0;
        int cut = 0;
        long segments = 0;
        for (int d = 0; asked < n; d++) {
            Document doc = task == TaskFamily.NEEDLE
                ? world.needleDocument(Split.TEST, d, docTokens, (d % 11) / 10.0)
                : world.document(Split.TEST, d, docTokens);
            int[] ids = tok.encode(doc.text());
            List<String> texts = new ArrayList<>();
            int at = 0;
            for (int len : Evaluator.segmentLengths(tok, ids, segment, boundary)) {
                texts.add(tok.decode(Arrays.copyOfRange(ids, at, at + len)));
                at += len;
            }
            for (QaExample q : world.questions(doc, task, 1)) {
                String statement = statement(doc, q);
                if (statement == null) {
                    continue;
                }
                asked++;
                segments += texts.size();
                cut += texts.stream().anyMatch(t -> t.contains(statement)) ? 0 : 1;
                boolean withOptions = matchChoices && q.options() != null && q.options().isEmpty() == false;
                String query = withOptions ? q.question() + " " + String.join(" ", q.options()) : q.question();
                double[] s = SegmentRetriever.scores(texts, query, sentenceBoost);
                int[] order = SegmentRetriever.ranked(s, kMax);
                for (int k = 1; k <= kMax; k++) {
                    for (int r = 0; r < Math.min(k, order.length); r++) {
                        if (texts.get(order[r]).contains(statement)) {
                            hits[k]++;
                            break;
                        }
                    }
                }
            }
        }
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("task", task.templateName());
        o.put("segment_boundary", boundary.value());
        o.put("segment_tokens", segment);
        o.put("sentence_boost", sentenceBoost);
        if (task == TaskFamily.CHOICE) {
            o.put("match_choices", matchChoices);
        }
        o.put("doc_tokens", docTokens);
        o.put("n", asked);
        o.put("mean_segments", Math.round(10.0 * segments / asked) / 10.0);
        o.put("statements_cut", Math.round(1000.0 * cut / asked) / 1000.0);
        var r = o.putArray("recall_at");
        for (int k = 1; k <= kMax; k++) {
            r.add(Math.round(1000.0 * hits[k] / asked) / 1000.0);
        }
        return o;
    }

    /** The sentence that answers {@code q}, or null. */
    static String statement(Document doc, QaExample q) {
        if (q.task() == TaskFamily.NEEDLE) {
            return doc.needle().sentence();
        }
        for (Fact f : doc.facts()) {
            String who = f.type() == FactType.SIBLING ? f.anchor().fullName() : f.subject().fullName();
            String value = q.task() == TaskFamily.CHOICE ? q.answer().substring(3) : q.gold();
            if (f.type() == q.factType() && q.question().contains(who) && f.value().equals(value)) {
                return f.sentence();
            }
        }
        return null;
    }
}
