/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.List;

import io.lloco.runtime.prompt.PromptTemplate;
import io.lloco.runtime.prompt.PromptTemplates;

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

    /**
     * The prompt for this question under the family's template ({@code lookup}, {@code choice} or
     * {@code needle}) from {@code templates}; the model's target is {@link #answer()} followed by EOS.
     */
    public String prompt(PromptTemplates templates) {
        PromptTemplate t = templates.get(task.templateName());
        return t.kind() == PromptTemplate.Kind.MULTIPLE_CHOICE ? t.render(question, options) : t.render(question);
    }
}
