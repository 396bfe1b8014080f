/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.prompt;

import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;
import io.lloco.decode.DecodeOptions;
import io.lloco.runtime.prompt.PromptTemplate;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * Renders a question's prompt: the template named by the request (a name from {@link PromptTemplates#defaults()} or a
 * custom string with {@code {question}} and, for multiple choice, {@code {choices}}), else the default for its kind
 * ({@code narrativeqa} free-form, {@code quality} multiple choice). With {@code choice_mode: cloze} the options are
 * scored as answers and never enter the prompt, so the template must be free-form.
 */
public final class PromptRenderer {

    private final PromptTemplates templates = PromptTemplates.defaults();

    /**
     * The rendered prompt.
     *
     * @param template the template to use (the request's, else one the index or adapter declares), or null for the
     *     default of the question's kind
     */
    public String render(String question, String template, DecodeOptions o) {
        boolean cloze = o.choiceMode() == DecodeOptions.ChoiceMode.CLOZE;
        PromptTemplate t;
        if (template == null) {
            t = templates.get(o.choices().isEmpty() || cloze ? "narrativeqa" : "quality");
        } else if (template.contains(PromptTemplate.QUESTION)) {
            try {
                t = template.contains(PromptTemplate.CHOICES)
                    ? PromptTemplate.multipleChoice("custom", template, o.choices().size())
                    : PromptTemplate.freeForm("custom", template);
            } catch (IllegalArgumentException e) {
                throw new LlocoException("Field [template]: " + e.getMessage(), RestStatus.BAD_REQUEST);
            }
        } else if (templates.contains(template)) {
            t = templates.get(template);
        } else {
            throw new LlocoException(
                "Field [template]: unknown template [" + template + "]; use one of " + templates.names()
                    + " or a custom string with {question}",
                RestStatus.BAD_REQUEST
            );
        }
        if (cloze && t.kind() == PromptTemplate.Kind.MULTIPLE_CHOICE) {
            throw new LlocoException(
                "Field [template]: [choice_mode] [cloze] scores each option as the answer to the question alone and needs a free-form "
                    + "template (with {question} and no {choices}); got the multiple-choice template ["
                    + t.name()
                    + "]",
                RestStatus.BAD_REQUEST
            );
        }
        try {
            return cloze ? t.render(question) : t.render(question, o.choices());
        } catch (IllegalArgumentException e) {
            throw new LlocoException("Field [template]/[choices]: " + e.getMessage(), RestStatus.BAD_REQUEST);
        }
    }
}
