/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.util.regex.Pattern;

import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;

/**
 * Names of registry adapters: 1 to {@value #MAX_LENGTH} characters, letters, digits, {@code .}, {@code _} and {@code -},
 * starting with a letter or a digit, not {@code none} (which unbinds) and without {@code ..}. The same name is what
 * {@code index.lloco.adapter} and a request's {@code adapter} use.
 */
public final class AdapterName {

    /** Longest name. */
    public static final int MAX_LENGTH = 100;

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private AdapterName() {
    }

    /** {@code name} when valid; else a 400 saying what is wrong. */
    public static String check(String name) {
        String why = problem(name);
        if (why != null) {
            throw new LlocoException("invalid adapter name [" + name + "]: " + why, RestStatus.BAD_REQUEST);
        }
        return name;
    }

    /** What is wrong with {@code name}, or null when it is valid. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "a name is required";
        }
        if (name.length() > MAX_LENGTH) {
            return "longer than " + MAX_LENGTH + " characters";
        }
        if (VALID.matcher(name).matches() == false) {
            return "use letters, digits, '.', '_' and '-', starting with a letter or a digit";
        }
        if (name.contains("..")) {
            return "must not contain '..'";
        }
        if (name.equals("none")) {
            return "[none] means no adapter";
        }
        return null;
    }
}
