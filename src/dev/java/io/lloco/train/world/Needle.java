/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

/**
 * A planted sentence (needle in a haystack).
 *
 * @param kind which needle
 * @param sentence the planted sentence, alone on its line
 * @param question the question it answers
 * @param value the answer
 * @param requestedDepth requested depth in [0, 1] (0 = start, 1 = end)
 * @param depth actual depth: tokens before the needle / tokens in the document
 * @param charOffset offset of the sentence in the document text
 * @param tokenOffset tokens before the sentence
 */
public record Needle(
    WorldLexicon.NeedleKind kind,
    String sentence,
    String question,
    String value,
    double requestedDepth,
    double depth,
    int charOffset,
    int tokenOffset) {
}
