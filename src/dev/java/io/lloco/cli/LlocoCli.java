/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/lloco}: a registry of subcommands ({@code logits}, {@code compress}, {@code generate}, {@code train}, ...).
 * Every failure ends as exit code 2 (bad command line) or 1 (bad input or failure) with exactly one line on
 * stderr naming the problem; no stack traces (set {@code LLOCO_DEBUG=1} to get them).
 */
public final class LlocoCli {

    /** Success. */
    public static final int OK = 0;
    /** The command failed (missing or corrupt file, model mismatch, engine failure). */
    public static final int FAILURE = 1;
    /** The command line is wrong (unknown option, missing or malformed value). */
    public static final int USAGE = 2;

    private final Map<String, Subcommand> commands = new LinkedHashMap<>();

    /** An empty registry. */
    public LlocoCli() {
    }

    /** The standard command set. Add new subcommands here. */
    public static LlocoCli standard() {
        return new LlocoCli().register(new LogitsCommand())
            .register(new CompressCommand())
            .register(new GenerateCommand())
            .register(Subcommand.of("train", "pretrain a model, run the retrieval curriculum or train a LoRA adapter", TrainCommand::run))
            .register(Subcommand.of("eval", "evaluate a model (and adapter) on generated QA tasks", EvalCommand::run));
    }

    /** Adds a subcommand (replacing one of the same name). */
    public LlocoCli register(Subcommand c) {
        commands.put(c.name(), c);
        return this;
    }

    /** The registered subcommands by name. */
    public Map<String, Subcommand> commands() {
        return commands;
    }

    static boolean wantsHelp(String[] args) {
        return args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
    }

    /** Runs a command line; returns the exit code. Never throws. */
    public int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || wantsHelp(argv)) {
            PrintStream to = argv.length == 0 ? err : out;
            to.println("usage: lloco <command> [options]   (lloco <command> --help for its options)");
            for (Subcommand c : commands.values()) {
                to.println(String.format(Locale.ROOT, "  %-10s %s", c.name(), c.summary()));
            }
            return argv.length == 0 ? USAGE : OK;
        }
        Subcommand c = commands.get(argv[0]);
        if (c == null) {
            err.println(
                oneLine(
                    String.format(Locale.ROOT, "lloco: unknown command [%s]; commands: %s", argv[0], String.join(", ", commands.keySet()))
                )
            );
            return USAGE;
        }
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        try {
            return c.run(rest, out, err);
        } catch (UsageException e) {
            err.println(oneLine(String.format(Locale.ROOT, "lloco %s: %s (see lloco %s --help)", c.name(), e.getMessage(), c.name())));
            debug(e, err);
            return USAGE;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            err.println(oneLine(String.format(Locale.ROOT, "lloco %s: %s", c.name(), message(e))));
            debug(e, err);
            return FAILURE;
        } catch (Throwable t) { // engine errors, OutOfMemoryError, ...: still one line, no stack trace
            err.println(
                oneLine(String.format(Locale.ROOT, "lloco %s: internal error: %s: %s", c.name(), t.getClass().getSimpleName(), message(t)))
            );
            debug(t, err);
            return FAILURE;
        }
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static String oneLine(String s) {
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    private static void debug(Throwable t, PrintStream err) {
        if ("1".equals(System.getenv("LLOCO_DEBUG"))) {
            t.printStackTrace(err);
        }
    }

    /** Entry point of {@code bin/lloco}. */
    public static void main(String[] args) {
        int code = standard().run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }
}
