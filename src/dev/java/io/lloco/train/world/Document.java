/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.List;

/**
 * A generated world document.
 *
 * @param id unique id: world seed, split, index, target length (and needle depth for needle documents)
 * @param split the split the document belongs to
 * @param index index within the split
 * @param seed the document seed derived from (world seed, split, index)
 * @param targetTokens requested length in tokens
 * @param text the document text: sentences joined by single spaces, paragraphs by a single "\n"
 * @param tokenCount exact number of tokens of {@code text} under the lloco-tiny tokenizer (no BOS)
 * @param cast the people of the document
 * @param facts the facts stated, in document order
 * @param needle the planted needle, or null
 */
public record Document(
    String id,
    Split split,
    long index,
    long seed,
    int targetTokens,
    String text,
    int tokenCount,
    List<Person> cast,
    List<Fact> facts,
    Needle needle) {

    /** Whether a needle was planted. */
    public boolean hasNeedle() {
        return needle != null;
    }
}
