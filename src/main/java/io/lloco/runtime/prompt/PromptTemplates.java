/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.prompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A registry of prompt templates by name. {@link #defaults()} holds the paper's five formats, copied verbatim
 * from the released LLoCO code (LLOCO-SPEC §2.4: {@code finetune_quality.py}, {@code finetune_scrolls.py},
 * {@code finetune_hotpot.py}), and the synthetic world's three task templates, which reuse them:
 * {@code lookup} and {@code needle} = NarrativeQA, {@code choice} = QuALITY.
 *
 * <p>Not thread-safe for registration; build it once, then share it read-only.
 */
public final class PromptTemplates {

    /** QuALITY system prompt ({@code quality_prompt}), including its one-shot example. */
    public static final String QUALITY_PROMPT = "You are provided a story from above. We will now give you a multiple-choice question with 4 "
        + "possible answers (marked by A, B, C, D). Choose the best answer by writing its corresponding letter (either A, B, C, or D)."
        + "\nExample question:\nWhere is the capital of France?\n\nChoices:\nA. Berlin\nB. Paris\nC. London\nD. Tokyo\nChoose the best "
        + "answer by writing its corresponding letter (either A, B, C, or D).\n\nAnswer:\nB. Paris\n\n";

    /** The instruction line closing a QuALITY question (also inside {@link #QUALITY_PROMPT}). */
    public static final String QUALITY_INSTRUCTION = "Choose the best answer by writing its corresponding letter (either A, B, C, or D).";

    /** Qasper system prompt (ends with "Question: " and a space). */
    public static final String QASPER_PROMPT = "You are just given an scientific article from above. I will now give you a question. Answer the "
        + "question as concisely as you can, using a single phrase or sentence if possible. If the question cannot be answered based on "
        + "the information in the article, write 'unanswerable'. If the question is a yes/no question, answer 'yes', 'no', or "
        + "'unanswerable'.\nQuestion: ";

    /** QMSum system prompt (note the space before "\nQuery: "). */
    public static final String QMSUM_PROMPT = "You are given a meeting transcript from above. I will now give you a query containing a question "
        + "or instruction. Answer the query in one or more sentences. \nQuery: ";

    /** NarrativeQA system prompt (ends with "Question:" and no space). */
    public static final String NARRATIVEQA_PROMPT = "You are given a story from above, which can be either a novel or a movie script, and a "
        + "question. Answer the question as concisely as you can, using a single phrase if possible.\nQuestion:";

    /** HotpotQA prompt head ({@code icl_prompt}, ends with "Question: "). */
    public static final String HOTPOTQA_PROMPT = "You were just given an article from above. I will now give you a question. Answer the "
        + "question as concisely as you can, using a single phrase or sentence if possible.\nQuestion: ";

    /** Suffix after the question in the SCROLLS and HotpotQA formats. */
    public static final String ANSWER_SUFFIX = "\nAnswer:";

    /** QuALITY: system prompt + question block + choices + instruction, ending "Answer:\n". */
    public static final String QUALITY = QUALITY_PROMPT + "Question:\n{question}\n\nChoices:\n{choices}\n" + QUALITY_INSTRUCTION
        + "\n\nAnswer:\n";

    private final Map<String, PromptTemplate> templates = new LinkedHashMap<>();

    /** An empty registry. */
    public PromptTemplates() {
    }

    /** A registry with the paper's and the world's templates. */
    public static PromptTemplates defaults() {
        PromptTemplates t = new PromptTemplates();
        t.register(PromptTemplate.multipleChoice("quality", QUALITY, 4));
        t.register(PromptTemplate.freeForm("qasper", QASPER_PROMPT + "{question}" + ANSWER_SUFFIX));
        t.register(PromptTemplate.freeForm("qmsum", QMSUM_PROMPT + "{question}" + ANSWER_SUFFIX));
        t.register(PromptTemplate.freeForm("narrativeqa", NARRATIVEQA_PROMPT + "{question}" + ANSWER_SUFFIX));
        t.register(PromptTemplate.freeForm("hotpotqa", HOTPOTQA_PROMPT + "{question}" + ANSWER_SUFFIX));
        t.register(PromptTemplate.freeForm("lookup", NARRATIVEQA_PROMPT + "{question}" + ANSWER_SUFFIX));
        t.register(PromptTemplate.multipleChoice("choice", QUALITY, 4));
        t.register(PromptTemplate.freeForm("needle", NARRATIVEQA_PROMPT + "{question}" + ANSWER_SUFFIX));
        return t;
    }

    /**
     * Adds a template.
     *
     * @throws IllegalArgumentException if the name is taken
     */
    public PromptTemplates register(PromptTemplate template) {
        if (templates.containsKey(template.name())) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s] is already registered; choose another name", template.name())
            );
        }
        templates.put(template.name(), template);
        return this;
    }

    /**
     * Adds a user template: multiple choice when the pattern has {@code {choices}} (any option count 2..26),
     * free form otherwise.
     */
    public PromptTemplate registerCustom(String name, String pattern) {
        PromptTemplate t = pattern != null && pattern.contains(PromptTemplate.CHOICES)
            ? PromptTemplate.multipleChoice(name, pattern, 0)
            : PromptTemplate.freeForm(name, pattern);
        register(t);
        return t;
    }

    /**
     * The template called {@code name}.
     *
     * @throws IllegalArgumentException listing the known names when there is none
     */
    public PromptTemplate get(String name) {
        PromptTemplate t = templates.get(name);
        if (t == null) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "unknown prompt template [%s]; known templates: %s", name, names())
            );
        }
        return t;
    }

    /**
     * A template given as a registered name or as a custom pattern: a value containing {@code {question}} is a custom
     * pattern (multiple choice when it has {@code {choices}}), named {@code customName}; anything else must be a
     * registered name. Not registered.
     *
     * @throws IllegalArgumentException listing the known names, or naming what is wrong with the pattern
     */
    public PromptTemplate resolve(String nameOrPattern, String customName) {
        if (nameOrPattern == null || nameOrPattern.isBlank()) {
            throw new IllegalArgumentException(
                "a prompt template must be a template name or a pattern containing " + PromptTemplate.QUESTION
            );
        }
        if (nameOrPattern.contains(PromptTemplate.QUESTION) == false) {
            return get(nameOrPattern);
        }
        return nameOrPattern.contains(PromptTemplate.CHOICES)
            ? PromptTemplate.multipleChoice(customName, nameOrPattern, 0)
            : PromptTemplate.freeForm(customName, nameOrPattern);
    }

    /** Whether a template of that name exists. */
    public boolean contains(String name) {
        return templates.containsKey(name);
    }

    /** Registered names, in registration order. */
    public List<String> names() {
        return new ArrayList<>(templates.keySet());
    }
}
