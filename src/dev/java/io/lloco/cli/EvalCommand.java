/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.compress.Segmentation;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.train.Args;
import io.lloco.train.Evaluator;
import io.lloco.train.SegmentRetriever;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.WorldTokenizer;

/**
 * {@code lloco eval --model DIR [--adapter DIR] --task lookup|choice|needle --n N --seed S --mode lloco|full|none
 * [--doc-tokens T] [--predictions FILE] [--choice-mode generate|rank|cloze] [--retrieve K] [--sentence-boost B] [--match-choices true|false] [--answer-candidates K] [--answer-candidates-max M] [--answer-beams B] [--segment-boundary tokens|sentence] [--segment-tokens T]}: prints one JSON line with accuracy, n, mean decoder positions, mean
 * full-context tokens and milliseconds per question, on the world's held-out TEST split; {@code --predictions} also
 * writes every question's answer as a JSON line (for answer-by-answer comparison with the plugin).
 */
public final class EvalCommand {

    private EvalCommand() {
    }

    /** Usage text. */
    public static final String USAGE = "usage: lloco eval --model DIR [--adapter DIR] --task lookup|choice|needle [--n N] [--seed S] "
        + "[--mode lloco|full|none] [--doc-tokens T] [--questions-per-doc Q] [--threads N] [--predictions FILE]\n"
        + "       [--retrieve K]  (lloco/full: only the K segments that best match the question (BM25), compressed independently)\n"
        + "       [--sentence-boost B]  (with --retrieve: weight of a segment's best-matching sentence, as _lloco_qa's sentence_boost;\n"
        + "                              default 2, 0 = plain BM25)\n"
        + "       [--match-choices true|false]  (with --retrieve, choice: match the question and the options' text, as _lloco_qa's\n"
        + "                                     match_choices; default true)\n"
        + "       [--answer-candidates K]  (with --retrieve, lookup/needle: read each of the K best segments alone and keep the answer\n"
        + "                                its segment's sentences support best, as _lloco_qa's answer_candidates; default 1)\n"
        + "       [--answer-candidates-max M]  (with --answer-candidates K: while no answer read is confirmed (stated by its segment in a\n"
        + "                                    sentence holding all the question's names), read the next K best segments, up to M in all, as _lloco_qa's answer_candidates_max)\n"
        + "       [--answer-beams B]  (with --retrieve, lookup/needle: read each candidate segment with a beam search of B answers and\n"
        + "                           keep the one its segment's sentences support best, as _lloco_qa's answer_beams; default 1)\n"
        + "       [--segment-boundary tokens|sentence]  (cut segments every segment_tokens tokens, or pack whole sentences)\n"
        + "       [--segment-tokens T]  (segments of at most T tokens instead of the model's lloco_segment_tokens, as lloco_compress's\n"
        + "                             segment_tokens)\n"
        + "       [--choice-mode generate|rank|cloze]  (choice: generate the answer; rank the four \"{letter}. {option}\" targets by\n"
        + "                                            likelihood; cloze: rank each option's text as the answer to the question alone)\n";

    private static boolean parseBoolean(String s) {
        return switch (s) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("--match-choices must be true or false, got [" + s + "]");
        };
    }

    /** Entry point for the {@code eval} subcommand; {@code args} excludes "eval". */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    /** Entry point with explicit streams. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            Args a = new Args("lloco eval", args, Set.of());
            TrainCommand.startEngine(a, a.integer("threads", 2));
            Path model = Path.of(a.required("model"));
            Path adapter = a.path("adapter");
            Evaluator.Spec spec = new Evaluator.Spec(
                TaskFamily.parse(a.required("task")),
                Evaluator.Mode.parse(a.str("mode", "lloco")),
                a.integer("n", 100),
                a.lng("seed", 1),
                a.integer("doc-tokens", 4096),
                a.integer("questions-per-doc", 4),
                Evaluator.ChoiceScoring.parse(a.str("choice-mode", "generate")),
                a.integer("retrieve", 0),
                Segmentation.Boundary.parse(a.str("segment-boundary", "tokens")),
                a.dbl("sentence-boost", SegmentRetriever.DEFAULT_SENTENCE_BOOST),
                parseBoolean(a.str("match-choices", "true")),
                a.integer("answer-candidates", 1),
                a.integer("answer-beams", 1),
                a.integer("answer-candidates-max", a.integer("answer-candidates", 1))
            );
            int segmentTokens = a.integer("segment-tokens", 0);
            Path predictions = a.path("predictions");
            a.checkAllUsed();
            Path tokFile = model.resolve("tokenizer.json");
            WorldTokenizer tok = Files.isRegularFile(tokFile) ? WorldTokenizer.load(tokFile) : WorldTokenizer.bundled();
            try (
                NDManager root = NDManager.newBaseManager();
                LlamaWeights w = LlamaWeights.load(model, root);
                LlamaModel m = new LlamaModel(w);
                LoraWeights lora = adapter == null ? null : LoraWeights.load(adapter, w.config(), w.manager())) {
                List<String> lines = new ArrayList<>();
                Evaluator ev = segmentTokens > 0 ? new Evaluator(m, tok, segmentTokens) : new Evaluator(m, tok);
                ObjectNode r = ev.run(spec, lora, p -> lines.add(p.toString()));
                if (predictions != null) {
                    Files.write(predictions, lines, StandardCharsets.UTF_8);
                    r.put("predictions", predictions.toString());
                }
                r.put("model", model.toString());
                if (adapter != null) {
                    r.put("adapter_dir", adapter.toString());
                }
                out.println(r.toString());
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("lloco eval failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    /** {@code java io.lloco.cli.EvalCommand ...}. */
    public static void main(String[] args) {
        System.exit(run(args));
    }
}
