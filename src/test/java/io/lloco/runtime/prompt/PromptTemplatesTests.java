/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.prompt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import io.lloco.runtime.DjlBootstrap;
import io.lloco.train.world.Document;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/** The paper's prompt formats, character for character, and the registry's validation. */
public class PromptTemplatesTests extends OpenSearchTestCase {

    // Copied from LLOCO-SPEC §2.4 / the released finetune_*.py, written out independently of PromptTemplates.
    private static final String QUALITY_EXPECTED = "You are provided a story from above. We will now give you a multiple-choice question "
        + "with 4 possible answers (marked by A, B, C, D). Choose the best answer by writing its corresponding letter (either A, B, "
        + "C, or D).\nExample question:\nWhere is the capital of France?\n\nChoices:\nA. Berlin\nB. Paris\nC. London\nD. Tokyo\n"
        + "Choose the best answer by writing its corresponding letter (either A, B, C, or D).\n\nAnswer:\nB. Paris\n\n"
        + "Question:\nWhy did Mara leave?\n\nChoices:\nA. rain\nB. fear\nC. love\nD. money\n"
        + "Choose the best answer by writing its corresponding letter (either A, B, C, or D).\n\nAnswer:\n";

    private static final String QASPER_EXPECTED = "You are just given an scientific article from above. I will now give you a question. "
        + "Answer the question as concisely as you can, using a single phrase or sentence if possible. If the question cannot be "
        + "answered based on the information in the article, write 'unanswerable'. If the question is a yes/no question, answer "
        + "'yes', 'no', or 'unanswerable'.\nQuestion: What datasets are used?\nAnswer:";

    private static final String QMSUM_EXPECTED = "You are given a meeting transcript from above. I will now give you a query containing "
        + "a question or instruction. Answer the query in one or more sentences. \nQuery: Summarize the budget discussion.\nAnswer:";

    private static final String NARRATIVEQA_EXPECTED = "You are given a story from above, which can be either a novel or a movie script, "
        + "and a question. Answer the question as concisely as you can, using a single phrase if possible.\nQuestion:Who is Mara?\nAnswer:";

    private static final String HOTPOTQA_EXPECTED = "You were just given an article from above. I will now give you a question. Answer "
        + "the question as concisely as you can, using a single phrase or sentence if possible.\nQuestion: Which city is older?\nAnswer:";

    public void testPaperFormatsAreVerbatim() {
        PromptTemplates t = PromptTemplates.defaults();
        assertEquals(QUALITY_EXPECTED, t.get("quality").render("Why did Mara leave?", List.of("rain", "fear", "love", "money")));
        assertEquals(QASPER_EXPECTED, t.get("qasper").render("What datasets are used?"));
        assertEquals(QMSUM_EXPECTED, t.get("qmsum").render("Summarize the budget discussion."));
        assertEquals(NARRATIVEQA_EXPECTED, t.get("narrativeqa").render("Who is Mara?"));
        assertEquals(HOTPOTQA_EXPECTED, t.get("hotpotqa").render("Which city is older?"));
        // spot checks of the easy-to-miss details
        assertTrue(PromptTemplates.QASPER_PROMPT.endsWith("\nQuestion: "));
        assertTrue(PromptTemplates.NARRATIVEQA_PROMPT.endsWith("\nQuestion:"));
        assertTrue(PromptTemplates.QMSUM_PROMPT.contains("sentences. \nQuery: "));
        assertTrue(PromptTemplates.QUALITY_PROMPT.endsWith("Answer:\nB. Paris\n\n"));
    }

    public void testWorldTemplatesReuseThePaperFormats() {
        PromptTemplates t = PromptTemplates.defaults();
        assertEquals(
            List.of("quality", "qasper", "qmsum", "narrativeqa", "hotpotqa", "lookup", "choice", "needle"),
            t.names()
        );
        assertEquals(t.get("narrativeqa").render("Where does Mara Ashwick live?"), t.get("lookup").render("Where does Mara Ashwick live?"));
        assertEquals(t.get("narrativeqa").render("What is the magic city?"), t.get("needle").render("What is the magic city?"));
        List<String> opts = List.of("Orlmere", "Tallowmere", "Cragholt", "Wrenport");
        assertEquals(t.get("quality").render("Where?", opts), t.get("choice").render("Where?", opts));
        for (TaskFamily f : TaskFamily.values()) {
            assertTrue(t.contains(f.templateName()));
        }
        assertEquals("B. Tallowmere", t.get("choice").choiceTarget(1, opts));
        assertEquals("B. Paris", t.get("quality").choiceTarget(1, List.of("Berlin", "Paris", "London", "Tokyo")));
        assertEquals("Tallowmere", t.get("lookup").target("Tallowmere"));
    }

    public void testValidationNamesTemplateAndPlaceholder() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> PromptTemplate.freeForm("mine", "Q: {question"));
        assertTrue(e.getMessage(), e.getMessage().contains("[mine]") && e.getMessage().contains("missing placeholder {question}"));
        e = expectThrows(IllegalArgumentException.class, () -> PromptTemplate.multipleChoice("mc", "Q: {question}\n", 4));
        assertTrue(e.getMessage(), e.getMessage().contains("[mc]") && e.getMessage().contains("missing placeholder {choices}"));
        e = expectThrows(IllegalArgumentException.class, () -> PromptTemplate.freeForm("x", "{question} {context}"));
        assertTrue(e.getMessage(), e.getMessage().contains("[x]") && e.getMessage().contains("unknown placeholder {context}"));
        e = expectThrows(IllegalArgumentException.class, () -> PromptTemplate.freeForm("y", "{question} {choices}"));
        assertTrue(e.getMessage(), e.getMessage().contains("[y]") && e.getMessage().contains("{choices}"));
        e = expectThrows(IllegalArgumentException.class, () -> PromptTemplate.freeForm("z", "{question}{question}"));
        assertTrue(e.getMessage(), e.getMessage().contains("[z]") && e.getMessage().contains("appears 2 times"));
        PromptTemplates t = PromptTemplates.defaults();
        e = expectThrows(IllegalArgumentException.class, () -> t.get("quality").render("Q?", List.of("a", "b", "c")));
        assertTrue(e.getMessage(), e.getMessage().contains("[quality]") && e.getMessage().contains("exactly 4 options, got 3"));
        e = expectThrows(IllegalArgumentException.class, () -> t.get("lookup").render("Q?", List.of("a")));
        assertTrue(e.getMessage(), e.getMessage().contains("[lookup]") && e.getMessage().contains("takes no options"));
        e = expectThrows(IllegalArgumentException.class, () -> t.get("nope"));
        assertTrue(e.getMessage(), e.getMessage().contains("[nope]") && e.getMessage().contains("lookup"));
        e = expectThrows(IllegalArgumentException.class, () -> t.register(PromptTemplate.freeForm("lookup", "{question}")));
        assertTrue(e.getMessage(), e.getMessage().contains("[lookup] is already registered"));
        e = expectThrows(IllegalArgumentException.class, () -> t.get("lookup").choiceTarget(0, List.of("a", "b")));
        assertTrue(e.getMessage(), e.getMessage().contains("free-form"));
    }

    public void testCustomTemplates() {
        PromptTemplates t = PromptTemplates.defaults();
        PromptTemplate free = t.registerCustom("short", "Q: {question} {not a placeholder}\nA:");
        assertEquals(PromptTemplate.Kind.FREE_FORM, free.kind());
        // single pass: a question containing a placeholder is inserted verbatim
        assertEquals("Q: what is {choices}? {not a placeholder}\nA:", free.render("what is {choices}?"));
        PromptTemplate mc = t.registerCustom("mc3", "{question}\n{choices}\nAnswer:");
        assertEquals(PromptTemplate.Kind.MULTIPLE_CHOICE, mc.kind());
        assertEquals("Pick?\nA. x\nB. y\nC. z\nAnswer:", mc.render("Pick?", List.of("x", "y", "z")));
        assertEquals("C. z", mc.choiceTarget(2, List.of("x", "y", "z")));
        assertSame(mc, t.get("mc3"));
    }

    public void testWorldPromptsTokenizeWithoutUnknownsThroughDjl() throws IOException {
        WorldTokenizer java = WorldTokenizer.bundled();
        World world = new World(8, WorldConfig.defaults(), java);
        PromptTemplates t = PromptTemplates.defaults();
        Path file = createTempDir().resolve("tokenizer.json");
        try (InputStream in = WorldTokenizer.class.getResourceAsStream(WorldTokenizer.RESOURCE)) {
            Files.write(file, in.readAllBytes());
        }
        try (
            HuggingFaceTokenizer djl = DjlBootstrap.withRuntimeClassLoader(() -> {
                try {
                    return HuggingFaceTokenizer.newInstance(file, Map.of("truncation", "false", "addSpecialTokens", "false"));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            })) {
            Document d = world.needleDocument(Split.TEST, 0, 1200, 0.5);
            int prompts = 0;
            for (TaskFamily f : TaskFamily.values()) {
                PromptTemplate p = t.get(f.templateName());
                for (QaExample q : world.questions(d, f, 12)) {
                    String prompt = p.kind() == PromptTemplate.Kind.FREE_FORM
                        ? p.render(q.question())
                        : p.render(q.question(), q.options());
                    long[] ids = djl.encode(prompt).getIds();
                    assertFalse(prompt, Arrays.stream(ids).anyMatch(id -> id == WorldTokenizer.UNK_ID));
                    assertEquals(prompt, djl.decode(ids));
                    long[] answer = djl.encode(q.answer()).getIds();
                    assertEquals(q.answer(), djl.decode(answer));
                    prompts++;
                }
            }
            assertTrue(prompts >= 25);
            // every word of every template is a single token (after a space)
            for (String name : t.names()) {
                PromptTemplate p = t.get(name);
                for (String word : p.pattern().replace("{question}", "").replace("{choices}", "").split("[^A-Za-z]+")) {
                    if (word.isEmpty() == false) {
                        assertEquals(name + ": " + word, 1, djl.encode(word).getIds().length);
                    }
                }
            }
        }
    }
}
