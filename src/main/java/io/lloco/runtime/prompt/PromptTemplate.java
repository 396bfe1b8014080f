/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A question prompt with a {@code {question}} placeholder and, for multiple choice, a {@code {choices}}
 * placeholder that renders as {@code "A. opt1\nB. opt2\n..."} (one option per line, no trailing newline).
 *
 * <p>Any other {@code {name}} (letters, digits, underscore) is an error; other braces are literal text.
 * Rendering is a single pass, so a question containing "{choices}" is inserted verbatim.
 */
public final class PromptTemplate {

    /** Free-form answer or lettered multiple choice. */
    public enum Kind {
        /** The target is the answer text itself. */
        FREE_FORM,
        /** The target is "{letter}. {option text}" (the paper's QuALITY format). */
        MULTIPLE_CHOICE
    }

    /** The question placeholder. */
    public static final String QUESTION = "{question}";
    /** The choices placeholder. */
    public static final String CHOICES = "{choices}";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_]+)\\}");

    private final String name;
    private final Kind kind;
    private final String pattern;
    private final int optionCount;

    private PromptTemplate(String name, Kind kind, String pattern, int optionCount) {
        this.name = name;
        this.kind = kind;
        this.pattern = pattern;
        this.optionCount = optionCount;
    }

    /**
     * A free-form template.
     *
     * @throws IllegalArgumentException naming the template when {@code {question}} is missing or repeated, or
     *     when it has {@code {choices}} or an unknown placeholder
     */
    public static PromptTemplate freeForm(String name, String pattern) {
        validate(name, pattern, false);
        return new PromptTemplate(name, Kind.FREE_FORM, pattern, 0);
    }

    /**
     * A multiple-choice template.
     *
     * @param optionCount the exact number of options (2..26), or 0 to accept any number from 2 to 26
     * @throws IllegalArgumentException naming the template and the missing, repeated or unknown placeholder
     */
    public static PromptTemplate multipleChoice(String name, String pattern, int optionCount) {
        validate(name, pattern, true);
        if (optionCount != 0 && (optionCount < 2 || optionCount > 26)) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s]: option count must be 0 (any) or 2..26, got %d", name, optionCount)
            );
        }
        return new PromptTemplate(name, Kind.MULTIPLE_CHOICE, pattern, optionCount);
    }

    private static void validate(String name, String pattern, boolean choice) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("prompt template name must be non-empty");
        }
        if (pattern == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "prompt template [%s]: pattern is null", name));
        }
        int questions = 0;
        int choices = 0;
        Matcher m = PLACEHOLDER.matcher(pattern);
        while (m.find()) {
            switch (m.group()) {
                case QUESTION -> questions++;
                case CHOICES -> choices++;
                default -> throw new IllegalArgumentException(
                    String.format(
                        Locale.ROOT,
                        "prompt template [%s]: unknown placeholder %s; use %s%s",
                        name,
                        m.group(),
                        QUESTION,
                        choice ? " and " + CHOICES : ""
                    )
                );
            }
        }
        if (questions == 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "prompt template [%s]: missing placeholder %s", name, QUESTION));
        }
        if (questions > 1) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s]: placeholder %s appears %d times; use it once", name, QUESTION, questions)
            );
        }
        if (choice && choices == 0) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "prompt template [%s]: missing placeholder %s (needed by a multiple-choice template)",
                    name,
                    CHOICES
                )
            );
        }
        if (choice && choices > 1) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s]: placeholder %s appears %d times; use it once", name, CHOICES, choices)
            );
        }
        if (choice == false && choices > 0) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "prompt template [%s]: placeholder %s is only allowed in a multiple-choice template",
                    name,
                    CHOICES
                )
            );
        }
    }

    /** The template's name. */
    public String name() {
        return name;
    }

    /** Free-form or multiple choice. */
    public Kind kind() {
        return kind;
    }

    /** The raw pattern with placeholders. */
    public String pattern() {
        return pattern;
    }

    /** Required option count for multiple choice (0 = any of 2..26); 0 for free form. */
    public int optionCount() {
        return optionCount;
    }

    /** Renders a free-form prompt. */
    public String render(String question) {
        return render(question, List.of());
    }

    /**
     * Renders the prompt.
     *
     * @param question the question text
     * @param options the options for a multiple-choice template (none for free form)
     * @throws IllegalArgumentException naming the template when the options do not fit it
     */
    public String render(String question, List<String> options) {
        if (question == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "prompt template [%s]: question is null", name));
        }
        List<String> opts = options == null ? List.of() : options;
        if (kind == Kind.FREE_FORM && opts.isEmpty() == false) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s] is free-form and takes no options, got %d", name, opts.size())
            );
        }
        String choices = "";
        if (kind == Kind.MULTIPLE_CHOICE) {
            checkOptions(opts);
            choices = choicesBlock(opts);
        }
        StringBuilder sb = new StringBuilder(pattern.length() + question.length() + choices.length());
        Matcher m = PLACEHOLDER.matcher(pattern);
        int last = 0;
        while (m.find()) {
            sb.append(pattern, last, m.start());
            sb.append(QUESTION.equals(m.group()) ? question : choices);
            last = m.end();
        }
        sb.append(pattern, last, pattern.length());
        return sb.toString();
    }

    private void checkOptions(List<String> opts) {
        if (optionCount != 0 && opts.size() != optionCount) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s] needs exactly %d options, got %d", name, optionCount, opts.size())
            );
        }
        if (opts.size() < 2 || opts.size() > 26) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s] needs 2..26 options, got %d", name, opts.size())
            );
        }
        for (int i = 0; i < opts.size(); i++) {
            if (opts.get(i) == null) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "prompt template [%s]: option %s is null", name, letter(i)));
            }
        }
    }

    /** "A. o1\nB. o2\n..." without a trailing newline (the paper's QuALITY choice lines). */
    public static String choicesBlock(List<String> options) {
        List<String> lines = new ArrayList<>(options.size());
        for (int i = 0; i < options.size(); i++) {
            lines.add(letter(i) + ". " + options.get(i));
        }
        return String.join("\n", lines);
    }

    /** "A" for 0, "B" for 1, ... */
    public static String letter(int index) {
        if (index < 0 || index >= 26) {
            throw new IllegalArgumentException("option index must be in [0, 26), got " + index);
        }
        return String.valueOf((char) ('A' + index));
    }

    /**
     * The answer target for a free-form template: the answer itself. The caller tokenizes it on its own (no
     * special tokens) and appends EOS.
     */
    public String target(String answer) {
        if (kind != Kind.FREE_FORM) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s] is multiple-choice; use choiceTarget(goldIndex, options)", name)
            );
        }
        return answer;
    }

    /** The answer target for a multiple-choice template: "{letter}. {option text}", e.g. "B. Paris". */
    public String choiceTarget(int goldIndex, List<String> options) {
        if (kind != Kind.MULTIPLE_CHOICE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "prompt template [%s] is free-form; use target(answer)", name));
        }
        checkOptions(options);
        if (goldIndex < 0 || goldIndex >= options.size()) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "prompt template [%s]: gold index %d outside the %d options", name, goldIndex, options.size())
            );
        }
        return letter(goldIndex) + ". " + options.get(goldIndex);
    }

    @Override
    public String toString() {
        return "PromptTemplate[" + name + ", " + kind + "]";
    }
}
