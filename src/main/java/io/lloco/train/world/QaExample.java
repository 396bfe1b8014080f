/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.List;

/**
 * One question about a document.
 *
 * @param id unique id: document id + family + question number
 * @param docId the document's id
 * @param task the task family
 * @param question the question text (no template)
 * @param options the four options for CHOICE, empty otherwise
 * @param answer the target the model should produce (before EOS): the value for LOOKUP and NEEDLE,
 *     "{letter}. {option}" for CHOICE
 * @param gold what evaluation compares against: the value (LOOKUP, NEEDLE) or the letter (CHOICE)
 * @param depth the needle's actual depth in [0, 1] for NEEDLE, NaN otherwise
 * @param factType the fact asked about (LOOKUP, CHOICE), null for NEEDLE
 */
public record QaExample(
    String id,
    String docId,
    TaskFamily task,
    String question,
    List<String> options,
    String answer,
    String gold,
    double depth,
    FactType factType) {
}
