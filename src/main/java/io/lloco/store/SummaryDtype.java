/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import io.lloco.util.Enums;

/** How summary values are stored: IEEE 754 half or single precision, little-endian. */
public enum SummaryDtype {

    /** 2 bytes per value (the default: a Llama-2-7B segment, 50 x 4096, is 409,600 bytes). */
    FLOAT16(2),
    /** 4 bytes per value. */
    FLOAT32(4);

    private final int bytes;

    SummaryDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per value. */
    public int bytes() {
        return bytes;
    }

    /** The value as written in configs and documents ({@code float16}, {@code float32}). */
    public String value() {
        return Enums.value(this);
    }

    /** Parses a value; the error names {@code field} and lists the accepted values. */
    public static SummaryDtype parse(String field, String s) {
        return Enums.parse(SummaryDtype.class, field, s);
    }
}
