/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.tokenizer;

/** Text to token ids and back; what generation needs for prompts, stop strings and output text. */
public interface TokenCodec {

    /** Token ids of {@code text}, without special tokens (no BOS). */
    int[] encode(String text);

    /** Text of {@code ids}, special tokens (BOS, EOS, ...) skipped. */
    String decode(int[] ids);
}
