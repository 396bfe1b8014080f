/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

import org.opensearch.core.xcontent.XContentParser;

/**
 * Integer fields of request bodies: a number with a fractional part is refused with an
 * {@link IllegalArgumentException} (a 400) instead of being truncated ({@code "size": 1.5} would otherwise silently
 * read 1 document, {@code "r": 8.5} train a rank-8 adapter), and so is a number beyond the field's Java type (instead of
 * wrapping around). One rule for bodies read with an {@code ObjectParser} ({@link #parseInt}) and for
 * bodies read as maps ({@link #intValue(String, Object)}).
 */
public final class WholeNumbers {

    private WholeNumbers() {
    }

    /**
     * For an {@code ObjectParser} field: the current number (or numeric string) as an int; the parser names the field
     * in its error.
     */
    public static int parseInt(XContentParser p) throws IOException {
        checkWhole(p);
        return p.intValue();
    }

    /** {@link #parseInt} for a long field. */
    public static long parseLong(XContentParser p) throws IOException {
        checkWhole(p);
        return p.longValue();
    }

    private static void checkWhole(XContentParser p) throws IOException {
        XContentParser.Token t = p.currentToken();
        if (t == XContentParser.Token.VALUE_NUMBER || t == XContentParser.Token.VALUE_STRING) {
            double d = p.doubleValue();
            if (Double.isFinite(d) == false || d != Math.rint(d)) {
                throw new IllegalArgumentException("must be a whole number, got [" + p.text() + "]");
            }
        }
    }

    /**
     * A value of a body read as a map ({@code XContentParser#map()}) as an int: {@code [field] must be a number}
     * when it is not one, {@code [field] must be a whole number} when it has a fractional part, and a range error
     * when it does not fit an int.
     */
    public static int intValue(String field, Object value) {
        long n = longValue(field, value);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw outOfRange(field, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        return (int) n;
    }

    /** {@link #intValue(String, Object)} for a long field. */
    public static long longValue(String field, Object value) {
        if (value instanceof Number == false) {
            throw new IllegalArgumentException("[" + field + "] must be a number, got " + describe(value));
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        BigDecimal exact;
        try {
            exact = value instanceof BigInteger b ? new BigDecimal(b) : new BigDecimal(value.toString());
        } catch (NumberFormatException e) {
            // NaN or an infinity
            throw new IllegalArgumentException("[" + field + "] must be a whole number, got [" + value + "]");
        }
        if (exact.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("[" + field + "] must be a whole number, got [" + value + "]");
        }
        try {
            return exact.longValueExact();
        } catch (ArithmeticException e) {
            throw outOfRange(field, value, Long.MIN_VALUE, Long.MAX_VALUE);
        }
    }

    private static IllegalArgumentException outOfRange(String field, Object value, long min, long max) {
        return new IllegalArgumentException("[" + field + "] must be between " + min + " and " + max + ", got [" + value + "]");
    }

    private static String describe(Object v) {
        if (v instanceof String s) {
            return "a string [" + (s.length() > 64 ? s.substring(0, 64) + "…" : s) + "]";
        }
        if (v instanceof java.util.Map<?, ?>) {
            return "an object";
        }
        if (v instanceof java.util.List<?>) {
            return "a list";
        }
        return "[" + v + "]";
    }
}
