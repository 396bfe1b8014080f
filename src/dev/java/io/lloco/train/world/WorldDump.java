/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.lloco.runtime.prompt.PromptTemplates;

/**
 * Prints world documents and their questions as JSON lines, for inspection and for external tools.
 *
 * <pre>
 * java -cp ... io.lloco.train.world.WorldDump [--seed N] [--split train|validation|test|pretrain] [--count N]
 *     [--start N] [--tokens N] [--questions N] [--needle-depth D]
 * </pre>
 * One line per document: id, split, index, target and actual token counts, text, cast, facts (type, subject,
 * value, sentence, offsets), needle, and questions (task, question, options, answer, gold, depth, prompt).
 */
public final class WorldDump {

    private WorldDump() {
    }

    /** Entry point; see the class documentation. */
    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        run(args, out);
        out.flush();
    }

    /** Writes the JSON lines for {@code args} to {@code out}. */
    public static void run(String[] args, PrintStream out) throws IOException {
        long seed = 0;
        Split split = Split.TRAIN;
        int count = 1;
        long start = 0;
        int tokens = 1536;
        int questions = 4;
        double depth = Double.NaN;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "option %s needs a value", a));
            }
            String v = args[++i];
            switch (a) {
                case "--seed" -> seed = Long.parseLong(v);
                case "--split" -> split = Split.valueOf(v.toUpperCase(Locale.ROOT));
                case "--count" -> count = Integer.parseInt(v);
                case "--start" -> start = Long.parseLong(v);
                case "--tokens" -> tokens = Integer.parseInt(v);
                case "--questions" -> questions = Integer.parseInt(v);
                case "--needle-depth" -> depth = Double.parseDouble(v);
                default -> throw new IllegalArgumentException(
                    String.format(
                        Locale.ROOT,
                        "unknown option %s; use --seed, --split, --count, --start, --tokens, --questions, --needle-depth",
                        a
                    )
                );
            }
        }
        World world = new World(seed);
        PromptTemplates templates = PromptTemplates.defaults();
        ObjectMapper om = new ObjectMapper();
        for (long i = start; i < start + count; i++) {
            Document d = Double.isNaN(depth) ? world.document(split, i, tokens) : world.needleDocument(split, i, tokens, depth);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("id", d.id());
            line.put("split", d.split().tag());
            line.put("index", d.index());
            line.put("target_tokens", d.targetTokens());
            line.put("tokens", d.tokenCount());
            line.put("text", d.text());
            List<String> cast = new ArrayList<>();
            for (Person p : d.cast()) {
                cast.add(p.fullName());
            }
            line.put("cast", cast);
            List<Map<String, Object>> facts = new ArrayList<>();
            for (Fact f : d.facts()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", f.type().name());
                m.put("subject", f.subject().fullName());
                m.put("value", f.value());
                m.put("sentence", f.sentence());
                m.put("char_offset", f.charOffset());
                m.put("token_offset", f.tokenOffset());
                facts.add(m);
            }
            line.put("facts", facts);
            List<QaExample> qs = new ArrayList<>();
            if (d.hasNeedle()) {
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("sentence", d.needle().sentence());
                n.put("value", d.needle().value());
                n.put("depth", d.needle().depth());
                n.put("token_offset", d.needle().tokenOffset());
                line.put("needle", n);
                qs.addAll(world.questions(d, TaskFamily.NEEDLE, 1));
            }
            qs.addAll(world.questions(d, TaskFamily.LOOKUP, questions));
            qs.addAll(world.questions(d, TaskFamily.CHOICE, questions));
            List<Map<String, Object>> qout = new ArrayList<>();
            for (QaExample q : qs) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", q.id());
                m.put("task", q.task().templateName());
                m.put("question", q.question());
                m.put("options", q.options());
                m.put("answer", q.answer());
                m.put("gold", q.gold());
                if (Double.isNaN(q.depth()) == false) {
                    m.put("depth", q.depth());
                }
                m.put("prompt", q.prompt(templates));
                qout.add(m);
            }
            line.put("questions", qout);
            out.println(om.writeValueAsString(line));
        }
    }
}
