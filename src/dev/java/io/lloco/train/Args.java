/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A small {@code --key value} / {@code --flag} command-line parser that rejects unknown options.
 *
 * <p>Unlike {@code io.lloco.cli.CliArgs}, options are declared by being read: a tool reads the options it uses
 * (often only on some paths) and {@link #checkAllUsed()} then refuses the rest. Libraries such as jopt-simple need
 * every option declared before parsing, which would list each tool's options twice.
 */
public final class Args {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> used = new LinkedHashSet<>();
    private final String command;

    /**
     * Parses {@code args}.
     *
     * @param command the command name, for error messages
     * @param flags option names that take no value
     */
    public Args(String command, String[] args, Set<String> flags) {
        this.command = command;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") == false) {
                throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s: unexpected argument [%s]; options start with --", command, a)
                );
            }
            String key = a.substring(2);
            String v;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                v = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (flags.contains(key)) {
                v = "true";
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: option --%s needs a value", command, key));
                }
                v = args[++i];
            }
            values.put(key, v);
        }
    }

    /** A string option, or {@code def}. */
    public String str(String key, String def) {
        used.add(key);
        return values.getOrDefault(key, def);
    }

    /** A required string option. */
    public String required(String key) {
        String v = str(key, null);
        if (v == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: option --%s is required", command, key));
        }
        return v;
    }

    /** A path option, or null. */
    public Path path(String key) {
        String v = str(key, null);
        return v == null ? null : Path.of(v);
    }

    /** An integer option. */
    public int integer(String key, int def) {
        String v = str(key, null);
        try {
            return v == null ? def : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: option --%s must be an integer, got [%s]", command, key, v));
        }
    }

    /** A comma-separated list of integers, e.g. {@code --doc-tokens 1024,2048}. */
    public int[] integers(String key, String def) {
        String v = str(key, def);
        String[] parts = v.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s: option --%s must be comma-separated integers, got [%s]", command, key, v)
                );
            }
        }
        return out;
    }

    /** A long option. */
    public long lng(String key, long def) {
        String v = str(key, null);
        try {
            return v == null ? def : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: option --%s must be an integer, got [%s]", command, key, v));
        }
    }

    /** A double option. */
    public double dbl(String key, double def) {
        String v = str(key, null);
        try {
            return v == null ? def : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: option --%s must be a number, got [%s]", command, key, v));
        }
    }

    /** A flag. */
    public boolean flag(String key) {
        return Boolean.parseBoolean(str(key, "false"));
    }

    /** Throws if an option was given that no accessor asked for. */
    public void checkAllUsed() {
        for (String k : values.keySet()) {
            if (used.contains(k) == false) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: unknown option --%s; known: %s", command, k, used));
            }
        }
    }
}
