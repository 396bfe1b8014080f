/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value}, {@code --name=value} and boolean {@code --flag} options, checked against the options a
 * subcommand declares: unknown options, repeated options, missing values and stray positional arguments are
 * {@link UsageException}s.
 *
 * <p>Why not jopt-simple (5.0.4, on the classpath through OpenSearch): with abbreviations off it still silently
 * accepts a value given to a flag ({@code --flag=x}), a repeated flag, and a long option with one dash ({@code -ids});
 * checked on 2026-12-07. The CLI's contract is exit code 2 with a message naming the option for each of those, and
 * re-checking argv around the library would be a second parser.
 */
public final class CliArgs {

    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private CliArgs(String command) {
        this.command = command;
    }

    /**
     * Parses {@code argv}.
     *
     * @param command name used in messages
     * @param valued options taking a value (without the leading dashes)
     * @param flags boolean options
     */
    public static CliArgs parse(String command, String[] argv, Set<String> valued, Set<String> flags) throws UsageException {
        CliArgs a = new CliArgs(command);
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (arg.startsWith("--") == false || arg.length() == 2) {
                throw new UsageException(String.format(Locale.ROOT, "unexpected argument [%s]", arg));
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.length) {
                        throw new UsageException("option --" + name + " needs a value");
                    }
                    value = argv[++i];
                }
            } else if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException("option --" + name + " takes no value");
                }
                value = "true";
            } else {
                throw new UsageException("unknown option --" + name);
            }
            if (a.values.put(name, value) != null) {
                throw new UsageException("option --" + name + " given twice");
            }
        }
        return a;
    }

    /** The command name. */
    public String command() {
        return command;
    }

    /** Whether an option or flag was given. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** A value, or null. */
    public String string(String name) {
        return values.get(name);
    }

    /** A value that must be given. */
    public String required(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("option --" + name + " is required");
        }
        return v;
    }

    /** A path value, or null. */
    public Path path(String name) {
        String v = values.get(name);
        return v == null ? null : Path.of(v);
    }

    /** A path value that must be given. */
    public Path requiredPath(String name) throws UsageException {
        return Path.of(required(name));
    }

    /** An integer value, or the default. */
    public int integer(String name, int dflt) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " must be an integer, got [" + v + "]");
        }
    }

    /** A long value, or the default. */
    public long longValue(String name, long dflt) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " must be an integer, got [" + v + "]");
        }
    }

    /** A number value, or the default. */
    public double number(String name, double dflt) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " must be a number, got [" + v + "]");
        }
    }

    /** A comma-separated list of integers (e.g. token ids), or null. */
    public int[] ints(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return null;
        }
        String s = v.trim();
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException(
                    String.format(Locale.ROOT, "option --%s must be comma-separated integers; item %d is [%s]", name, i, parts[i].trim())
                );
            }
        }
        return out;
    }
}
