/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.util.List;
import java.util.Locale;

import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.runtime.prompt.PromptTemplate;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * Renders a question's prompt with the template its precedence picks ({@link TemplateSource}): the request's
 * {@code template} &gt; the adapter's {@code lloco.json} &gt; {@code index.lloco.template} &gt; the default of the
 * question's kind ({@code narrativeqa} free-form, {@code quality} multiple choice). A template is a name from
 * {@link PromptTemplates#defaults()} or a custom string with {@code {question}} and, for multiple choice,
 * {@code {choices}}; with {@code choice_mode: cloze} the options are scored as answers and never enter the prompt, so
 * the template must be free-form.
 *
 * <p>The request's template must fit the question (400 otherwise). A template the index or the adapter declares is
 * for the questions of its kind: one that does not fit (a free-form template for a question with {@code choices}, a
 * multiple-choice one for a free-form or cloze question, another option count) is passed over with a warning and the
 * next in line renders. A declared value that is neither a known name nor a valid pattern is a 400 naming where it was
 * declared.
 */
public final class PromptRenderer {

    /** How a custom template (a pattern rather than a name) is reported. */
    public static final String CUSTOM = "custom";

    /**
     * A template declared for a question at one level of the precedence.
     *
     * @param value a template name or a custom pattern
     * @param origin where it was declared, as errors and warnings name it
     */
    public record Declared(String value, TemplateSource source, String origin) {

        /** The request's {@code template}. */
        public static Declared request(String value) {
            return new Declared(value, TemplateSource.REQUEST, "Field [template]");
        }

        /** The target indices' {@code index.lloco.template}. */
        public static Declared index(String value) {
            return new Declared(value, TemplateSource.INDEX, "setting [" + LlocoSettings.INDEX_TEMPLATE.getKey() + "]");
        }

        /** The template adapter {@code adapter} declares in the manifest {@code file}. */
        public static Declared adapter(String value, String adapter, String file) {
            return new Declared(value, TemplateSource.ADAPTER, "field [template] of adapter [" + adapter + "]'s manifest [" + file + "]");
        }

        /** A request or index template as the coordinating node chose it. */
        public static Declared of(String value, TemplateSource source) {
            return switch (source) {
                case REQUEST -> request(value);
                case INDEX -> index(value);
                default -> throw new IllegalArgumentException(
                    "a coordinating node chooses a [request] or [index] template, got [" + source.value() + "]"
                );
            };
        }
    }

    /**
     * A rendered prompt.
     *
     * @param template the template's name, or {@link #CUSTOM} for a custom pattern
     */
    public record Rendered(String prompt, String template, TemplateSource source) {
    }

    private final PromptTemplates templates = PromptTemplates.defaults();

    /**
     * Renders {@code question} with the first of {@code declared} (highest precedence first) that applies, else the
     * default of its kind.
     *
     * @param warnings receives a warning for each declared template passed over because it does not fit the question
     */
    public Rendered render(String question, DecodeOptions o, List<Declared> declared, List<String> warnings) {
        for (Declared d : declared) {
            PromptTemplate t = resolve(d);
            if (d.source() == TemplateSource.REQUEST) {
                return render(question, t, d, o);
            }
            String misfit = misfit(t, o);
            if (misfit == null) {
                return render(question, t, d, o);
            }
            warnings.add(
                String.format(
                    Locale.ROOT,
                    "%s names the %s template [%s], which %s; the question was rendered with the next template in line "
                        + "(the response's [template])",
                    d.origin(),
                    t.kind() == PromptTemplate.Kind.MULTIPLE_CHOICE ? "multiple-choice" : "free-form",
                    t.name(),
                    misfit
                )
            );
        }
        Declared fallback = new Declared(null, TemplateSource.DEFAULT, "Field [template]");
        return render(question, templates.get(multipleChoice(o) ? "quality" : "narrativeqa"), fallback, o);
    }

    /** A question with {@code choices} and {@code choice_mode} {@code generate} or {@code rank} takes a multiple-choice template. */
    private static boolean multipleChoice(DecodeOptions o) {
        return o.choices().isEmpty() == false && o.choiceMode() != DecodeOptions.ChoiceMode.CLOZE;
    }

    /** Why {@code t} does not fit the question, or null. */
    private static String misfit(PromptTemplate t, DecodeOptions o) {
        boolean mc = t.kind() == PromptTemplate.Kind.MULTIPLE_CHOICE;
        if (multipleChoice(o) && mc == false) {
            return "does not fit a question with [choices]";
        }
        if (multipleChoice(o) == false && mc) {
            return o.choiceMode() == DecodeOptions.ChoiceMode.CLOZE
                ? "does not fit [choice_mode] [cloze] (the question alone under a free-form template)"
                : "does not fit a question without [choices]";
        }
        if (mc && t.optionCount() != 0 && t.optionCount() != o.choices().size()) {
            return String.format(Locale.ROOT, "takes exactly %d options, not the question's %d", t.optionCount(), o.choices().size());
        }
        return null;
    }

    /** The template {@code d} names: a custom pattern (with {@code {question}}) or a known name; 400 naming its origin otherwise. */
    private PromptTemplate resolve(Declared d) {
        String v = d.value();
        if (v != null && v.contains(PromptTemplate.QUESTION)) {
            try {
                return v.contains(PromptTemplate.CHOICES)
                    ? PromptTemplate.multipleChoice(CUSTOM, v, 0)
                    : PromptTemplate.freeForm(CUSTOM, v);
            } catch (IllegalArgumentException e) {
                throw new LlocoException(d.origin() + ": " + e.getMessage(), RestStatus.BAD_REQUEST);
            }
        }
        if (v != null && templates.contains(v)) {
            return templates.get(v);
        }
        throw new LlocoException(
            d.origin() + ": unknown template [" + v + "]; use one of " + templates.names() + " or a custom string with {question}",
            RestStatus.BAD_REQUEST
        );
    }

    private Rendered render(String question, PromptTemplate t, Declared d, DecodeOptions o) {
        boolean cloze = o.choiceMode() == DecodeOptions.ChoiceMode.CLOZE;
        if (cloze && t.kind() == PromptTemplate.Kind.MULTIPLE_CHOICE) {
            throw new LlocoException(
                d.origin() + ": [choice_mode] [cloze] scores each option as the answer to the question alone and needs a free-form "
                    + "template (with {question} and no {choices}); got the multiple-choice template ["
                    + t.name()
                    + "]",
                RestStatus.BAD_REQUEST
            );
        }
        try {
            String prompt = cloze ? t.render(question) : t.render(question, o.choices());
            return new Rendered(prompt, t.name(), d.source());
        } catch (IllegalArgumentException e) {
            throw new LlocoException(d.origin() + "/[choices]: " + e.getMessage(), RestStatus.BAD_REQUEST);
        }
    }
}
