/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import io.lloco.util.Enums;

/** How a document's segments were compressed. */
public enum CompressionMode {

    /** Each segment sees the summaries of all earlier segments (as the released LLoCO adapters expect). */
    ACCUMULATE,
    /** Each segment is compressed alone (segment-level retrieval, re-finetuned adapters). */
    INDEPENDENT;

    /** The value as written in configs and documents. */
    public String value() {
        return Enums.value(this);
    }

    /** Parses a value; the error names {@code field} and lists the accepted values. */
    public static CompressionMode parse(String field, String s) {
        return Enums.parse(CompressionMode.class, field, s);
    }
}
