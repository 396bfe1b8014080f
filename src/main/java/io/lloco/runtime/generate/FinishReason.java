/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

/** Why a generation stopped. */
public enum FinishReason {
    /** An EOS id was generated (it is the last of the ids). */
    EOS,
    /** The decoded output contained a stop string (the text is cut before it). */
    STOP_STRING,
    /** {@code max_new_tokens} were generated. */
    LENGTH,
    /** The caller cancelled the request between two decoding steps. */
    CANCELLED
}
