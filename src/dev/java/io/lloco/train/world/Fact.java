/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

/**
 * One fact stated in a document.
 *
 * @param type the kind of fact
 * @param subject the person the fact is about (for SIBLING: the sibling, whose name is the answer)
 * @param value the answer string: town, year, colour, trade, count, or the subject's full name for SIBLING
 * @param possession for OWNS the plural noun ("goats"), else null
 * @param anchor for SIBLING the person the subject is a sibling of, else null
 * @param sentence the sentence as written in the document
 * @param charOffset offset of the sentence in the document text
 * @param tokenOffset number of tokens before the sentence
 */
public record Fact(
    FactType type,
    Person subject,
    String value,
    String possession,
    Person anchor,
    String sentence,
    int charOffset,
    int tokenOffset) {

    /** A copy placed at the given offsets. */
    Fact at(int chars, int tokens) {
        return new Fact(type, subject, value, possession, anchor, sentence, chars, tokens);
    }
}
