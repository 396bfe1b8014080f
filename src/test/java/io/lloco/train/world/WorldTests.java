/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.opensearch.test.OpenSearchTestCase;

/** The world generator: determinism, splits, length control, fact consistency, questions, needles. */
public class WorldTests extends OpenSearchTestCase {

    private static final WorldTokenizer TOKENIZER = WorldTokenizer.bundled();

    private static World world(long seed) {
        return new World(seed, WorldConfig.defaults(), TOKENIZER);
    }

    /** Words that only fact sentences may use. */
    private static final Set<String> FACT_WORDS = Set.of(
        "lives",
        "house",
        "home",
        "born",
        "world",
        "favourite",
        "colour",
        "colours",
        "likes",
        "works",
        "trade",
        "owns",
        "keeps",
        "belong",
        "sister",
        "brother",
        "named",
        "magic",
        "secret",
        "animal"
    );

    public void testDeterministicAndSeedSensitive() {
        Document a = world(1).document(Split.TRAIN, 3, 1500);
        Document b = world(1).document(Split.TRAIN, 3, 1500);
        assertEquals(a, b);
        assertEquals(world(1).questions(a, TaskFamily.CHOICE, 5), world(1).questions(b, TaskFamily.CHOICE, 5));
        assertNotEquals(a.text(), world(2).document(Split.TRAIN, 3, 1500).text());
        assertNotEquals(a.text(), world(1).document(Split.TRAIN, 4, 1500).text());
        // the first k questions do not depend on how many are asked
        assertEquals(world(1).questions(a, TaskFamily.LOOKUP, 3), world(1).questions(a, TaskFamily.LOOKUP, 7).subList(0, 3));
        // a golden document: a trained lloco-tiny expects this exact world, so any change must be deliberate
        assertEquals("w1-train-3-t1500", a.id());
        assertEquals(1495, a.tokenCount());
        assertTrue(a.text(), a.text().startsWith("The neighbours and a small boy talked about the mist. A young girl looked for the coin"));
        assertEquals("Miran Fairworth's favourite colour is violet.", a.facts().get(0).sentence());
        assertEquals(894, a.facts().get(0).charOffset());
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(a.text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("3986caf8", Long.toHexString(crc.getValue()));
        QaExample q = world(1).questions(a, TaskFamily.CHOICE, 1).get(0);
        assertEquals("What is Miran Fairworth's trade?", q.question());
        assertEquals(List.of("hunter", "cook", "teacher", "gardener"), q.options());
        assertEquals("A. hunter", q.answer());
    }

    public void testSplitsNeverShareDocuments() {
        World w = world(42);
        Set<String> trainTexts = new HashSet<>();
        Set<Long> trainSeeds = new HashSet<>();
        Set<List<Person>> trainCasts = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            Document d = w.document(Split.TRAIN, i, 200);
            trainTexts.add(d.text());
            trainSeeds.add(d.seed());
            trainCasts.add(d.cast());
        }
        assertEquals(60, trainSeeds.size());
        for (Split other : List.of(Split.TEST, Split.VALIDATION, Split.PRETRAIN)) {
            for (int i = 0; i < 60; i++) {
                Document d = w.document(other, i, 200);
                assertFalse(trainSeeds.contains(d.seed()));
                assertFalse(trainTexts.contains(d.text()));
                assertFalse("cast shared between train and " + other + " at " + i, trainCasts.contains(d.cast()));
                assertEquals(other, d.split());
                assertTrue(d.id(), d.id().startsWith("w42-" + other.tag() + "-"));
            }
        }
    }

    public void testLengthControlWithinFivePercent() {
        World w = world(5);
        int worst = 0;
        double worstRel = 0;
        for (int target : new int[]{200, 1000, 1536, 3072, 6000, 12000, 32000}) {
            for (int i = 0; i < 2; i++) {
                Document d = i == 1 ? w.needleDocument(Split.TRAIN, i, target, 0.5) : w.document(Split.TRAIN, i, target);
                // independent recount of the whole text
                assertEquals(d.id(), TOKENIZER.count(d.text()), d.tokenCount());
                int err = Math.abs(d.tokenCount() - target);
                worst = Math.max(worst, err);
                worstRel = Math.max(worstRel, err / (double) target);
                assertTrue(d.id() + " has " + d.tokenCount() + " tokens", err <= target * 0.05);
            }
        }
        logger.info(String.format(Locale.ROOT, "length control: worst error %d tokens (%.3f%%)", worst, 100 * worstRel));
    }

    public void testThirtyTwoThousandTokenDocument() {
        World w = world(9);
        Document d = w.document(Split.TRAIN, 1, 32_000);
        assertEquals(20, d.cast().size());
        assertEquals(80, d.facts().size());
    }

    public void testFactsAreConsistentPlacedAndFillerStatesNone() {
        World w = world(13);
        for (int i = 0; i < 10; i++) {
            Document d = w.document(Split.TRAIN, i, 800 + 500 * i);
            Set<String> subjectType = new HashSet<>();
            Map<Person, Integer> inSibling = new HashMap<>();
            Set<String> factSentences = new HashSet<>();
            for (Fact f : d.facts()) {
                assertTrue("two facts of one type for one person: " + f, subjectType.add(f.subject().fullName() + "/" + f.type()));
                assertTrue(f.sentence().contains(f.subject().fullName()));
                assertTrue(f.sentence() + " / " + f.value(), f.sentence().contains(f.value()));
                assertTrue(d.cast().contains(f.subject()));
                assertTrue(d.text().startsWith(f.sentence(), f.charOffset()));
                if (d.facts().indexOf(f) % 8 == 0) {
                    // independent recount of the text before the sentence (a trailing space would be a lone "▁")
                    String before = d.text().substring(0, f.charOffset());
                    assertEquals(f.toString(), TOKENIZER.count(before) - (before.endsWith(" ") ? 1 : 0), f.tokenOffset());
                }
                if (f.type() == FactType.SIBLING) {
                    assertEquals(f.subject().surname(), f.anchor().surname());
                    assertTrue(f.sentence().contains(f.anchor().fullName()));
                    assertTrue(f.sentence().contains(f.subject().female() ? "sister" : "brother"));
                    inSibling.merge(f.subject(), 1, Integer::sum);
                    inSibling.merge(f.anchor(), 1, Integer::sum);
                }
                factSentences.add(f.sentence());
            }
            for (int n : inSibling.values()) {
                assertEquals("a person in two sibling facts makes 'who is the sister of' ambiguous", 1, n);
            }
            Set<String> names = new HashSet<>();
            Set<String> firsts = new HashSet<>();
            for (Person p : d.cast()) {
                assertTrue(names.add(p.fullName()));
                assertTrue(firsts.add(p.firstName()));
            }
            int fillers = 0;
            for (String sentence : d.text().split("(?<=\\.)[ \n]")) {
                if (factSentences.contains(sentence)) {
                    continue;
                }
                fillers++;
                assertFalse(sentence, sentence.matches(".*[0-9].*"));
                for (String word : sentence.replace(".", "").replace(",", "").split(" ")) {
                    String lw = word.toLowerCase(Locale.ROOT);
                    assertFalse("filler uses a fact word: " + sentence, FACT_WORDS.contains(lw));
                    assertFalse("filler uses a colour: " + sentence, WorldLexicon.COLOURS.contains(lw));
                    assertFalse("filler uses a trade: " + sentence, WorldLexicon.JOBS.contains(lw));
                    assertFalse("filler uses a possession: " + sentence, WorldLexicon.POSSESSIONS.contains(lw));
                    assertFalse("filler uses a needle animal: " + sentence, WorldLexicon.NEEDLE_ANIMALS.contains(lw));
                    for (String start : WorldLexicon.TOWN_STARTS) {
                        assertFalse("filler names a town: " + sentence, word.startsWith(start) && word.length() > start.length());
                    }
                }
            }
            assertTrue(fillers > d.facts().size());
        }
    }

    public void testLookupAndChoiceQuestions() {
        World w = world(21);
        Pattern choiceTarget = Pattern.compile("([A-D])\\. (.+)");
        for (int i = 0; i < 10; i++) {
            Document d = w.document(Split.TEST, i, 2000 + 500 * i);
            List<QaExample> lookups = w.questions(d, TaskFamily.LOOKUP, d.facts().size() + 3);
            assertEquals(d.facts().size() + 3, lookups.size());
            Set<String> ids = new HashSet<>();
            for (QaExample q : lookups) {
                assertTrue(ids.add(q.id()));
                assertEquals(d.id(), q.docId());
                assertEquals(q.answer(), q.gold());
                assertTrue(q.options().isEmpty());
                assertTrue(q.question().endsWith("?"));
                // the answer is stated by exactly the fact the question is about
                Fact f = factFor(d, q);
                assertEquals(f.value(), q.answer());
                assertTrue(d.text().contains(f.sentence()));
                assertFalse("answer leaks into question: " + q, q.question().contains(q.answer()));
            }
            List<QaExample> choices = w.questions(d, TaskFamily.CHOICE, 8);
            int[] letters = new int[4];
            for (QaExample q : choices) {
                assertEquals(4, q.options().size());
                assertEquals(4, new HashSet<>(q.options()).size());
                Matcher m = choiceTarget.matcher(q.answer());
                assertTrue(q.answer(), m.matches());
                int gold = m.group(1).charAt(0) - 'A';
                letters[gold]++;
                assertEquals(m.group(1), q.gold());
                assertEquals(m.group(2), q.options().get(gold));
                Fact f = factFor(d, q);
                assertEquals(f.value(), q.options().get(gold));
                // distractors are the same kind of value
                for (String o : q.options()) {
                    switch (f.type()) {
                        case BORN_IN -> assertTrue(o, o.matches("1[789][0-9][0-9]"));
                        case OWNS -> assertTrue(o, Integer.parseInt(o) >= 2 && Integer.parseInt(o) <= 19);
                        case COLOUR -> assertTrue(o, WorldLexicon.COLOURS.contains(o));
                        case JOB -> assertTrue(o, WorldLexicon.JOBS.contains(o));
                        case LIVES_IN -> assertTrue(o, TokenizerBuilder.nameStrings().contains(o));
                        case SIBLING -> assertTrue(o, o.matches("[A-Z][a-z]+ [A-Z][a-z]+"));
                    }
                }
            }
            assertEquals(8, letters[0] + letters[1] + letters[2] + letters[3]);
        }
    }

    public void testChoiceDistractorsComeFromTheDocumentWhenPossible() {
        World w = world(22);
        Document d = w.document(Split.TRAIN, 0, 16_000);
        int checked = 0;
        for (QaExample q : w.questions(d, TaskFamily.CHOICE, 40)) {
            if (q.factType() == FactType.LIVES_IN || q.factType() == FactType.JOB) {
                long statedOfType = d.facts().stream().filter(f -> f.type() == q.factType()).map(Fact::value).distinct().count();
                if (statedOfType >= 4) {
                    for (String o : q.options()) {
                        assertTrue("option " + o + " not stated in the document", d.facts().stream().anyMatch(f -> f.value().equals(o)));
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 3);
    }

    public void testNeedles() {
        World w = world(33);
        double worstDepthError = 0;
        for (int k = 0; k <= 10; k++) {
            double depth = k / 10.0;
            Document d = w.needleDocument(Split.TEST, k, 4000, depth);
            Needle n = d.needle();
            assertNotNull(n);
            assertTrue(d.text().startsWith(n.sentence(), n.charOffset()));
            assertTrue(n.charOffset() == 0 || d.text().charAt(n.charOffset() - 1) == '\n');
            int end = n.charOffset() + n.sentence().length();
            assertTrue(end == d.text().length() || d.text().charAt(end) == '\n');
            assertEquals("needle value must occur once: " + n, 1, occurrences(d.text(), n.value()));
            assertEquals(TOKENIZER.count(d.text().substring(0, n.charOffset())), n.tokenOffset());
            assertEquals((double) n.tokenOffset() / d.tokenCount(), n.depth(), 1e-12);
            assertTrue("needle at " + n.depth() + " for requested " + depth, n.depth() <= depth + 1e-9);
            worstDepthError = Math.max(worstDepthError, depth - n.depth());
            if (k == 0) {
                assertEquals(0, n.charOffset());
            }
            if (k == 10) {
                assertEquals(d.text().length(), end);
            }
            List<QaExample> qs = w.questions(d, TaskFamily.NEEDLE, 5);
            assertEquals(1, qs.size());
            assertEquals(n.value(), qs.get(0).answer());
            assertEquals(n.question(), qs.get(0).question());
            assertEquals(n.depth(), qs.get(0).depth(), 0);
        }
        assertTrue("worst depth error " + worstDepthError, worstDepthError < 0.05);
        Document plain = w.document(Split.TEST, 0, 1000);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> w.questions(plain, TaskFamily.NEEDLE, 1));
        assertTrue(e.getMessage(), e.getMessage().contains(plain.id()) && e.getMessage().contains("needleDocument"));
        expectThrows(IllegalArgumentException.class, () -> w.needleDocument(Split.TEST, 0, 1000, 1.5));
        expectThrows(IllegalArgumentException.class, () -> w.document(Split.TEST, 0, 10));
    }

    public void testLanguageModelText() {
        World w = world(4);
        String a = w.lmText(0, 500);
        assertEquals(a, w.lmText(0, 500));
        assertNotEquals(a, w.lmText(1, 500));
        assertEquals(w.document(Split.PRETRAIN, 0, 500).text(), a);
        java.util.Iterator<Document> stream = w.lmStream(10, 300, 600);
        Set<Integer> lengths = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            Document d = stream.next();
            assertEquals(Split.PRETRAIN, d.split());
            assertEquals(10 + i, d.index());
            assertTrue(d.targetTokens() >= 300 && d.targetTokens() <= 600);
            lengths.add(d.targetTokens());
        }
        assertTrue(lengths.size() > 10);
        assertEquals(w.lmStream(10, 300, 600).next(), w.lmStream(10, 300, 600).next());
        expectThrows(IllegalArgumentException.class, () -> w.lmStream(0, 600, 300));
    }

    public void testPromptsAndDump() throws Exception {
        World w = world(6);
        Document d = w.needleDocument(Split.TEST, 0, 400, 0.5);
        io.lloco.runtime.prompt.PromptTemplates templates = io.lloco.runtime.prompt.PromptTemplates.defaults();
        QaExample lookup = w.questions(d, TaskFamily.LOOKUP, 1).get(0);
        assertEquals(templates.get("narrativeqa").render(lookup.question()), lookup.prompt(templates));
        QaExample choice = w.questions(d, TaskFamily.CHOICE, 1).get(0);
        String prompt = choice.prompt(templates);
        assertTrue(
            prompt.endsWith(
                "Question:\n" + choice.question() + "\n\nChoices:\nA. " + choice.options().get(0) + "\nB. "
                    + choice.options().get(1) + "\nC. " + choice.options().get(2) + "\nD. " + choice.options().get(3)
                    + "\nChoose the best answer by writing its corresponding letter (either A, B, C, or D).\n\nAnswer:\n"
            )
        );
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.PrintStream ps = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)) {
            WorldDump.run(new String[]{"--seed", "6", "--split", "test", "--count", "2", "--tokens", "400", "--needle-depth", "0.5"}, ps);
        }
        String[] lines = bytes.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        com.fasterxml.jackson.databind.JsonNode first = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[0]);
        assertEquals(d.id(), first.get("id").asText());
        assertEquals(d.text(), first.get("text").asText());
        assertEquals(d.needle().value(), first.get("needle").get("value").asText());
        assertEquals("needle", first.get("questions").get(0).get("task").asText());
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> WorldDump.run(new String[]{"--bogus", "1"}, System.out)
        );
        assertTrue(e.getMessage(), e.getMessage().contains("--bogus"));
    }

    private static Fact factFor(Document d, QaExample q) {
        List<Fact> matches = new ArrayList<>();
        for (Fact f : d.facts()) {
            if (f.type() != q.factType()) {
                continue;
            }
            String about = f.type() == FactType.SIBLING ? f.anchor().fullName() : f.subject().fullName();
            boolean sameThing = f.type() != FactType.OWNS || q.question().contains(" " + f.possession() + " ");
            if (q.question().contains(about) && sameThing) {
                matches.add(f);
            }
        }
        assertEquals("question must match exactly one fact: " + q, 1, matches.size());
        return matches.get(0);
    }

    private static int occurrences(String text, String word) {
        Matcher m = Pattern.compile("\\b" + Pattern.quote(word) + "\\b").matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
