/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.util;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Enums as users write them: a constant's lower-case name ({@code FULL_CONTEXT} is {@code full_context}), parsed
 * strictly with an error that names the field and lists every accepted value. One implementation for every option enum
 * of the plugin, the runtime and the tools.
 */
public final class Enums {

    private Enums() {
    }

    /** The value users write for {@code e}: its name in lower case. */
    public static String value(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** Every accepted value of {@code type}, as {@code [a, b, c]}. */
    public static <E extends Enum<E>> String values(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(Enums::value).collect(Collectors.joining(", ", "[", "]"));
    }

    /**
     * The constant of {@code type} whose {@link #value} is {@code s}.
     *
     * @param field how the field is named in the error, e.g. {@code mode}
     * @throws IllegalArgumentException {@code [field] must be one of [a, b], got [s]}
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String field, String s) {
        for (E e : type.getEnumConstants()) {
            if (value(e).equals(s)) {
                return e;
            }
        }
        throw new IllegalArgumentException("[" + field + "] must be one of " + values(type) + ", got [" + s + "]");
    }

    /** The message of a {@link #parse} error without its leading {@code [field]}, for callers that name the field themselves. */
    public static String withoutField(IllegalArgumentException e) {
        return e.getMessage().replaceFirst("^\\[[^\\]]*\\] ", "");
    }
}
