/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.util.ArrayList;
import java.util.List;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * The prompt-template precedence: the request's {@code template} &gt; {@code index.lloco.template} &gt; the adapter's
 * {@code lloco.json} &gt; the default of the question's kind; declared templates of the other kind are passed over
 * with a warning; bad values are 400s naming where they were declared.
 */
public class PromptRendererTests extends OpenSearchTestCase {

    private static final String ADAPTER_PATTERN = "Transcript above.\nQuery: {question}\nAnswer:";
    private final PromptRenderer renderer = new PromptRenderer();
    private final PromptTemplates registry = PromptTemplates.defaults();

    private static DecodeOptions freeForm() {
        return options(List.of(), DecodeOptions.ChoiceMode.GENERATE);
    }

    private static DecodeOptions options(List<String> choices, DecodeOptions.ChoiceMode mode) {
        return new DecodeOptions(null, choices, 8, 0, 1, 0, List.of(), null, DecodeOptions.Mode.LLOCO, mode, 1);
    }

    private static PromptRenderer.Declared adapter(String value) {
        return PromptRenderer.Declared.adapter(value, "qm", "/cfg/lloco/adapters/qm/lloco.json");
    }

    private PromptRenderer.Rendered render(DecodeOptions o, List<String> warnings, PromptRenderer.Declared... declared) {
        return renderer.render("Who spoke first?", o, List.of(declared), warnings);
    }

    public void testEachLevelWinsOverTheOnesBelowIt() {
        List<String> w = new ArrayList<>();
        PromptRenderer.Rendered r = render(
            freeForm(),
            w,
            PromptRenderer.Declared.request("hotpotqa"),
            PromptRenderer.Declared.index("qasper"),
            adapter(ADAPTER_PATTERN)
        );
        assertEquals(
            new PromptRenderer.Rendered(registry.get("hotpotqa").render("Who spoke first?"), "hotpotqa", TemplateSource.REQUEST),
            r
        );

        r = render(freeForm(), w, PromptRenderer.Declared.index("qasper"), adapter(ADAPTER_PATTERN));
        assertEquals(new PromptRenderer.Rendered(registry.get("qasper").render("Who spoke first?"), "qasper", TemplateSource.INDEX), r);

        r = render(freeForm(), w, adapter(ADAPTER_PATTERN));
        assertEquals(
            new PromptRenderer.Rendered(
                "Transcript above.\nQuery: Who spoke first?\nAnswer:", PromptRenderer.CUSTOM, TemplateSource.ADAPTER
            ),
            r
        );

        r = render(freeForm(), w);
        assertEquals(
            new PromptRenderer.Rendered(registry.get("narrativeqa").render("Who spoke first?"), "narrativeqa", TemplateSource.DEFAULT),
            r
        );
        List<String> choices = List.of("Ada", "Bo", "Cy", "Di");
        r = render(options(choices, DecodeOptions.ChoiceMode.RANK), w);
        assertEquals(
            new PromptRenderer.Rendered(registry.get("quality").render("Who spoke first?", choices), "quality", TemplateSource.DEFAULT),
            r
        );
        assertEquals(List.of(), w);
    }

    /** A declared template of the other kind is passed over for the next one, with a warning naming where it was declared. */
    public void testDeclaredTemplatesOfTheOtherKindArePassedOver() {
        List<String> choices = List.of("Ada", "Bo", "Cy", "Di");
        List<String> w = new ArrayList<>();
        PromptRenderer.Rendered r = render(
            options(choices, DecodeOptions.ChoiceMode.GENERATE),
            w,
            PromptRenderer.Declared.index("qmsum"),
            adapter("Story above.\n{question}\n{choices}\nAnswer:")
        );
        assertEquals(TemplateSource.ADAPTER, r.source());
        assertEquals(PromptRenderer.CUSTOM, r.template());
        assertEquals("Story above.\nWho spoke first?\nA. Ada\nB. Bo\nC. Cy\nD. Di\nAnswer:", r.prompt());
        assertEquals(1, w.size());
        assertTrue(w.get(0), w.get(0).startsWith("setting [index.lloco.template] names the free-form template [qmsum]"));
        assertTrue(w.get(0), w.get(0).contains("does not fit a question with [choices]"));

        // the quality template takes exactly 4 options: a 3-option question passes it over too, for the next in line
        w.clear();
        r = render(
            options(List.of("Ada", "Bo", "Cy"), DecodeOptions.ChoiceMode.GENERATE),
            w,
            PromptRenderer.Declared.index("quality"),
            adapter("Q: {question}\n{choices}\nA:")
        );
        assertEquals(1, w.size());
        assertTrue(w.get(0), w.get(0).contains("takes exactly 4 options, not the question's 3"));
        assertEquals(TemplateSource.ADAPTER, r.source());
        assertEquals("Q: Who spoke first?\nA. Ada\nB. Bo\nC. Cy\nA:", r.prompt());

        // a cloze question reads a free-form template: the index's multiple-choice one is passed over for the adapter's
        w.clear();
        r = render(options(choices, DecodeOptions.ChoiceMode.CLOZE), w, PromptRenderer.Declared.index("quality"), adapter("qmsum"));
        assertEquals(new PromptRenderer.Rendered(registry.get("qmsum").render("Who spoke first?"), "qmsum", TemplateSource.ADAPTER), r);
        assertTrue(w.get(0), w.get(0).contains("does not fit [choice_mode] [cloze]"));

        // a free-form question and a multiple-choice index template
        w.clear();
        r = render(freeForm(), w, PromptRenderer.Declared.index("quality"));
        assertEquals(TemplateSource.DEFAULT, r.source());
        assertTrue(w.get(0), w.get(0).contains("does not fit a question without [choices]"));
    }

    /** The request's template must fit: a 400 as before, never passed over. */
    public void testTheRequestsTemplateMustFit() {
        List<String> choices = List.of("Ada", "Bo");
        LlocoException e = expectThrows(
            LlocoException.class,
            () -> render(options(choices, DecodeOptions.ChoiceMode.CLOZE), new ArrayList<>(), PromptRenderer.Declared.request("quality"))
        );
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().startsWith("Field [template]: [choice_mode] [cloze] scores each option"));
        e = expectThrows(
            LlocoException.class,
            () -> render(options(choices, DecodeOptions.ChoiceMode.RANK), new ArrayList<>(), PromptRenderer.Declared.request("qmsum"))
        );
        assertTrue(e.getMessage(), e.getMessage().startsWith("Field [template]/[choices]: prompt template [qmsum] is free-form"));
        e = expectThrows(
            LlocoException.class,
            () -> render(freeForm(), new ArrayList<>(), PromptRenderer.Declared.request("{question} {topic}"), adapter("qmsum"))
        );
        assertTrue(e.getMessage(), e.getMessage().startsWith("Field [template]: "));
        assertTrue(e.getMessage(), e.getMessage().contains("{topic}"));
    }

    /** Unknown names and bad patterns are 400s naming the field, the setting or the adapter's manifest. */
    public void testBadValuesNameWhereTheyWereDeclared() {
        LlocoException e = expectThrows(
            LlocoException.class,
            () -> render(freeForm(), new ArrayList<>(), PromptRenderer.Declared.request("sonnet"))
        );
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().startsWith("Field [template]: unknown template [sonnet]; use one of [quality, qasper"));
        e = expectThrows(LlocoException.class, () -> render(freeForm(), new ArrayList<>(), PromptRenderer.Declared.index("sonnet")));
        assertTrue(e.getMessage(), e.getMessage().startsWith("setting [index.lloco.template]: unknown template [sonnet]"));
        e = expectThrows(LlocoException.class, () -> render(freeForm(), new ArrayList<>(), adapter("Q: {question} {topic}")));
        assertTrue(
            e.getMessage(),
            e.getMessage().startsWith("field [template] of adapter [qm]'s manifest [/cfg/lloco/adapters/qm/lloco.json]: ")
        );
        // a default that cannot render the question stays the request's error, as before
        e = expectThrows(
            LlocoException.class,
            () -> render(options(List.of("Ada", "Bo", "Cy"), DecodeOptions.ChoiceMode.GENERATE), new ArrayList<>())
        );
        assertTrue(
            e.getMessage(),
            e.getMessage().startsWith("Field [template]/[choices]: prompt template [quality] needs exactly 4 options")
        );
    }

    public void testTheCoordinatingNodeChoosesOnlyRequestOrIndexTemplates() {
        assertEquals(TemplateSource.REQUEST, PromptRenderer.Declared.of("qmsum", TemplateSource.REQUEST).source());
        assertEquals("setting [index.lloco.template]", PromptRenderer.Declared.of("qmsum", TemplateSource.INDEX).origin());
        expectThrows(IllegalArgumentException.class, () -> PromptRenderer.Declared.of("qmsum", TemplateSource.ADAPTER));
    }
}
