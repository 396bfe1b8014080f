/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.DjlBootstrap;
import io.lloco.train.Args;
import io.lloco.train.LoraTrainer;
import io.lloco.train.ModelShape;
import io.lloco.train.Pretrainer;
import io.lloco.train.RecallTrainer;
import io.lloco.train.world.WorldTokenizer;

/**
 * {@code lloco train pretrain|lora|recall ...}: the trainer's command line. Prints progress lines to stdout; returns
 * the process exit code.
 */
public final class TrainCommand {

    private TrainCommand() {
    }

    /** Usage text. */
    public static final String USAGE = """
        usage: lloco train pretrain --out DIR [--resume] [--steps N] [--seed S] [--world-seed W] [--shape tiny|ci]
                                    [--tokenizer FILE] [--lr X] [--min-lr X] [--warmup N] [--weight-decay X] [--clip X]
                                    [--max-segments N] [--ramp-steps N] [--cloze N] [--needle-rate X] [--detach-every N]
                                    [--lm-weight X] [--cloze-weight X] [--recall N] [--recall-weight X]
                                    [--segment-start T] [--segment-doubling N] [--context-cloze X] [--log-every N] [--checkpoint-every N]
                                    [--checkpoint-minutes X] [--max-minutes X] [--stop-at STEP] [--threads N]
               lloco train lora --model DIR --out ADAPTER_DIR [--resume] [--steps N] [--seed S] [--world-seed W]
                                [--rank R] [--alpha A] [--lr X] [--warmup N] [--docs N] [--doc-tokens T] [--questions N]
                                [--tasks lookup,choice,needle] [--retrieve K] [--segment-boundary tokens|sentence]
                                [--target-modules q_proj,k_proj,v_proj,o_proj|all] [--context summaries|text]
                                [--sentence-boost B] [--match-choices true|false] [--contrast-weight X] [--log-every N] [--checkpoint-every N]
                                [--checkpoint-minutes X] [--max-minutes X] [--stop-at STEP] [--threads N]
               lloco train recall --out DIR [--resume] [--init MODEL_DIR | --shape tiny|ci] [--steps N] [--seed S] [--world-seed W]
                                  [--batch B] [--doc-tokens T] [--questions N] [--choice-rate X] [--needle-rate X]
                                  [--summary-rate X] [--segment T] [--independent-rate X] [--retrieve K --source-tokens T,T] [--statements] [--lm-weight X] [--lm-every N] [--contrast-weight X] [--lr X] [--min-lr X] [--warmup N]
                                  [--weight-decay X] [--clip X] [--log-every N] [--probe-every N] [--probe-docs N]
                                  [--checkpoint-every N] [--checkpoint-minutes X] [--max-minutes X] [--until-exact X] [--threads N]
        """;

    /** Entry point for the {@code train} subcommand; {@code args} excludes "train". */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    /** Entry point with explicit streams. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        if (rest.length == 1 && (rest[0].equals("--help") || rest[0].equals("-h"))) {
            out.print(USAGE);
            return 0;
        }
        try {
            switch (args[0]) {
                case "pretrain" -> {
                    Args a = new Args("lloco train pretrain", rest, Set.of("resume"));
                    int threads = a.integer("threads", 2);
                    startEngine(a, threads);
                    Path tokenizer = a.path("tokenizer");
                    int vocab = (tokenizer == null ? WorldTokenizer.bundled() : WorldTokenizer.load(tokenizer)).vocabSize();
                    String shapeName = a.str("shape", "tiny");
                    ModelShape shape = switch (shapeName) {
                        case "tiny" -> ModelShape.tiny(vocab);
                        case "ci" -> ModelShape.ci(vocab);
                        default -> throw new IllegalArgumentException("--shape must be tiny or ci, got " + shapeName);
                    };
                    long steps = a.lng("steps", 20000);
                    Pretrainer.Options o = new Pretrainer.Options(
                        Path.of(a.required("out")),
                        a.flag("resume"),
                        steps,
                        a.lng("seed", 1),
                        a.lng("world-seed", 1),
                        shape,
                        tokenizer,
                        a.dbl("lr", 1e-3),
                        a.dbl("min-lr", 1e-4),
                        a.lng("warmup", Math.min(500, Math.max(1, steps / 20))),
                        a.dbl("weight-decay", 0.01),
                        a.dbl("clip", 1.0),
                        a.integer("max-segments", 8),
                        a.lng("ramp-steps", 2000),
                        a.integer("cloze", 8),
                        a.dbl("needle-rate", 0.3),
                        a.integer("detach-every", 0),
                        a.dbl("lm-weight", 1.0),
                        a.dbl("cloze-weight", 1.0),
                        a.integer("recall", 0),
                        a.dbl("recall-weight", 1.0),
                        a.integer("segment-start", 0),
                        a.lng("segment-doubling", 1000),
                        a.dbl("context-cloze", 0),
                        a.integer("log-every", 10),
                        a.integer("checkpoint-every", 200),
                        a.dbl("checkpoint-minutes", 8),
                        a.dbl("max-minutes", 0),
                        a.lng("stop-at", 0)
                    );
                    a.checkAllUsed();
                    try (NDManager root = NDManager.newBaseManager()) {
                        Pretrainer.Summary s = Pretrainer.run(o, root, out);
                        out.printf(
                            Locale.ROOT,
                            "[pretrain] done at step %d: lm %.4f -> %.4f, cloze %.4f -> %.4f, %s%n",
                            s.step(),
                            s.firstLm(),
                            s.lastLm(),
                            s.firstCloze(),
                            s.lastCloze(),
                            io.lloco.runtime.train.TrainSupport.hms(s.seconds())
                        );
                    }
                    return 0;
                }
                case "lora" -> {
                    Args a = new Args("lloco train lora", rest, Set.of("resume"));
                    int threads = a.integer("threads", 2);
                    startEngine(a, threads);
                    LoraTrainer.Options o = LoraTrainer.Options.from(a);
                    a.checkAllUsed();
                    try (NDManager root = NDManager.newBaseManager()) {
                        LoraTrainer.Summary s = LoraTrainer.run(o, root, out);
                        out.printf(
                            Locale.ROOT,
                            "[lora] done at step %d: qa loss %.4f -> %.4f, %s%n",
                            s.step(),
                            s.firstLoss(),
                            s.lastLoss(),
                            io.lloco.runtime.train.TrainSupport.hms(s.seconds())
                        );
                    }
                    return 0;
                }
                case "recall" -> {
                    Args a = new Args("lloco train recall", rest, Set.of("resume", "statements"));
                    int threads = a.integer("threads", 2);
                    startEngine(a, threads);
                    String shapeName = a.str("shape", "tiny");
                    int vocab = WorldTokenizer.bundled().vocabSize();
                    ModelShape shape = switch (shapeName) {
                        case "tiny" -> ModelShape.tiny(vocab);
                        case "ci" -> ModelShape.ci(vocab);
                        default -> throw new IllegalArgumentException("--shape must be tiny or ci, got " + shapeName);
                    };
                    long steps = a.lng("steps", 2000);
                    int retrieve = a.integer("retrieve", 0);
                    int[] sourceTokens = a.integers("source-tokens", "1024,2048,4096");
                    int docTokens = retrieve > 0 ? retrieve * a.integer("segment", 64) : a.integer("doc-tokens", 128);
                    int segment = retrieve > 0 ? a.integer("segment", 64) : a.integer("segment", docTokens);
                    RecallTrainer.Options o = new RecallTrainer.Options(
                        Path.of(a.required("out")),
                        a.flag("resume"),
                        a.path("init"),
                        shape,
                        steps,
                        a.lng("seed", 1),
                        a.lng("world-seed", 1),
                        a.integer("batch", 16),
                        docTokens,
                        a.integer("questions", 4),
                        a.dbl("choice-rate", 0.25),
                        a.dbl("needle-rate", 0.2),
                        a.dbl("summary-rate", 0),
                        segment,
                        a.dbl("lm-weight", 0),
                        a.dbl("lr", 1e-3),
                        a.dbl("min-lr", 1e-4),
                        a.lng("warmup", Math.min(200, Math.max(1, steps / 20))),
                        a.dbl("weight-decay", 0.01),
                        a.dbl("clip", 1.0),
                        a.integer("log-every", 10),
                        a.integer("probe-every", 100),
                        a.integer("probe-docs", 64),
                        a.integer("checkpoint-every", 200),
                        a.dbl("checkpoint-minutes", 8),
                        a.dbl("max-minutes", 0),
                        a.dbl("until-exact", 0),
                        a.dbl("independent-rate", 0),
                        retrieve,
                        sourceTokens,
                        a.flag("statements"),
                        a.integer("lm-every", 1),
                        a.dbl("contrast-weight", 0)
                    );
                    a.checkAllUsed();
                    try (NDManager root = NDManager.newBaseManager()) {
                        RecallTrainer.Summary s = RecallTrainer.run(o, root, out);
                        out.printf(
                            Locale.ROOT,
                            "[recall] done at step %d: qa loss %.4f -> %.4f, %s; %s%n",
                            s.step(),
                            s.firstQa(),
                            s.lastQa(),
                            s.probe() == null ? "no probe" : RecallTrainer.describe(s.probe()),
                            io.lloco.runtime.train.TrainSupport.hms(s.seconds())
                        );
                    }
                    return 0;
                }
                default -> {
                    err.println("lloco train: unknown mode [" + args[0] + "]; use pretrain, lora or recall");
                    err.print(USAGE);
                    return 2;
                }
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("lloco train failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    /** Starts DJL offline with {@code threads} intra-op threads; the cache dir is --djl-cache, else $LLOCO_DJL_CACHE, else /tmp. */
    static void startEngine(Args a, int threads) {
        String cache = a.str(
            "djl-cache",
            System.getProperty(
                "DJL_CACHE_DIR",
                System.getenv().getOrDefault("LLOCO_DJL_CACHE", System.getProperty("java.io.tmpdir") + "/lloco-djl-cache")
            )
        );
        DjlBootstrap.Status st = new DjlBootstrap().start(new DjlBootstrap.Options(Path.of(cache), threads, 1));
        if (st.started() == false) {
            throw new IllegalStateException(st.error());
        }
    }

    /** {@code java io.lloco.cli.TrainCommand ...}. */
    public static void main(String[] args) {
        System.exit(run(args));
    }
}
