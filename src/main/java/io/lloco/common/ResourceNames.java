/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.util.Locale;

import org.opensearch.core.rest.RestStatus;

/**
 * Names that become one directory below a folder of the node: model ids ({@code config/lloco/models/<id>}) and adapter
 * names ({@code config/lloco/adapters/<name>}). One rule for every API and setting that takes one, checked before any
 * path is built: not empty, at most {@value #MAX_LENGTH} characters, no path separator, no {@code ..}, not {@code .},
 * no control or invisible format characters (NUL, line breaks, bidirectional overrides), no unpaired surrogate.
 */
public final class ResourceNames {

    /** Longest name, in characters (a file name's limit on common file systems). */
    public static final int MAX_LENGTH = 255;
    /** Characters of a bad name quoted in an error message. */
    static final int QUOTE_CHARS = 64;

    private ResourceNames() {
    }

    /** Why {@code name} cannot be a model id or adapter name, or null when it can. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "must not be empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "has " + name.length() + " characters, at most " + MAX_LENGTH;
        }
        if (name.equals(".") || name.contains("..")) {
            return "must not be [.] or contain [..]";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return "must not contain [/] or [\\]";
            }
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                return String.format(Locale.ROOT, "must not contain control or format characters (U+%04X at %d)", (int) c, i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return String.format(Locale.ROOT, "holds an unpaired surrogate (U+%04X at %d)", (int) c, i);
            }
        }
        return null;
    }

    /**
     * Throws a 400 naming {@code field} when {@code name} breaks the rule.
     *
     * @param what what the name is, e.g. {@code "model id"}
     */
    public static void check(String what, String field, String name) {
        String problem = problem(name);
        if (problem != null) {
            throw new LlocoException("invalid " + what + " " + quote(name) + " in [" + field + "]: " + problem, RestStatus.BAD_REQUEST);
        }
    }

    /** {@code name} in brackets, clipped to {@value #QUOTE_CHARS} characters, control characters escaped. */
    public static String quote(String name) {
        if (name == null) {
            return "[null]";
        }
        StringBuilder sb = new StringBuilder("[");
        int n = Math.min(name.length(), QUOTE_CHARS);
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || Character.isSurrogate(c)) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (name.length() > n) {
            sb.append("...(").append(name.length()).append(" characters)");
        }
        return sb.append(']').toString();
    }
}
