/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.io.PrintStream;

/**
 * One {@code lloco <name> ...} subcommand. Register new ones (eval, train, ...) in {@link LlocoCli#standard()}.
 * Throw {@link UsageException} for bad command lines (exit 2), anything else for failures (exit 1); the CLI
 * prints one line on stderr either way.
 */
public interface Subcommand {

    /** What a subcommand does with its arguments (those after the subcommand name). */
    @FunctionalInterface
    interface Body {

        /** Runs and returns the exit code. */
        int run(String[] args, PrintStream out, PrintStream err) throws Exception;
    }

    /** The name typed after {@code lloco}. */
    String name();

    /** One line for the command list. */
    String summary();

    /** Runs with the arguments after the name; returns the exit code. */
    int run(String[] args, PrintStream out, PrintStream err) throws Exception;

    /** A subcommand from a name, a summary and a body (e.g. an existing {@code static int run(String[], PrintStream, PrintStream)}). */
    static Subcommand of(String name, String summary, Body body) {
        return new Subcommand() {

            @Override
            public String name() {
                return name;
            }

            @Override
            public String summary() {
                return summary;
            }

            @Override
            public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
                return body.run(args, out, err);
            }
        };
    }
}
