/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.retrieval;

import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.retrieval.AnswerSupport.Support;

public class AnswerSupportTests extends OpenSearchTestCase {

    // segment 0 mentions Ada Fenn and states Bo Hart's year; segment 1 states Ada Fenn's year in other words
    private static final List<String> SENTENCES = List.of(
        "Ada Fenn walked to the well.",
        "In 1911, Bo Hart was born.",
        "The rain fell all day.",
        "Ada Fenn came into the world in 1874.",
        "Nothing happened at all."
    );
    private static final List<Integer> OWNER = List.of(0, 0, 1, 1, 2);
    private static final String Q = "In what year was Ada Fenn born?";

    public void testSupportIsTheBestQuestionMatchOfASentenceOfTheSegmentStatingTheAnswer() {
        double[] s = Bm25.scoreTextsWithPairs(SENTENCES, Q);
        assertEquals(new Support(0, s[1]), AnswerSupport.support("1911", Q, SENTENCES, OWNER, 0));
        assertEquals(new Support(2, s[3]), AnswerSupport.support(" 1874.", Q, SENTENCES, OWNER, 1));
        // "born" matches the first sentence better, but the second names the person asked about
        assertTrue(s[1] > s[3]);
        List<Support> both = List
            .of(AnswerSupport.support("1911", Q, SENTENCES, OWNER, 0), AnswerSupport.support("1874", Q, SENTENCES, OWNER, 1));
        assertEquals(1, AnswerSupport.choose(both));
    }

    public void testAnAnswerNotStatedInItsSegmentHasNoSupport() {
        // 1874 is stated, but in segment 1, not in segment 0 it was read from
        assertEquals(Support.NONE, AnswerSupport.support("1874", Q, SENTENCES, OWNER, 0));
        assertFalse(Support.NONE.stated());
        // whole words only: "187" is not "1874", "all" is a word of segment 2 but "al" is not
        assertEquals(Support.NONE, AnswerSupport.support("187", Q, SENTENCES, OWNER, 1));
        assertEquals(Support.NONE, AnswerSupport.support("al", Q, SENTENCES, OWNER, 2));
        assertTrue(AnswerSupport.support("all", Q, SENTENCES, OWNER, 2).stated());
        assertEquals(Support.NONE, AnswerSupport.support("  ", Q, SENTENCES, OWNER, 0));
        // case and punctuation do not matter
        assertEquals(
            AnswerSupport.support("ada fenn", Q, SENTENCES, OWNER, 0),
            AnswerSupport.support("Ada  Fenn!", Q, SENTENCES, OWNER, 0)
        );
    }

    public void testTheSupportedNameBeatsAnotherPersonsValue() {
        // the model read "the colour in the segment": segment 0 states Bo Hart's colour, segment 1 Ada Fenn's
        List<String> sentences = List.of(
            "Ada Fenn talked with Bo Hart.",
            "The favourite colour of Bo Hart is red.",
            "The rain fell.",
            "The favourite colour of Ada Fenn is teal."
        );
        List<Integer> owner = List.of(0, 0, 1, 1);
        String q = "What is the favourite colour of Ada Fenn?";
        List<Support> s = List
            .of(AnswerSupport.support("red", q, sentences, owner, 0), AnswerSupport.support("teal", q, sentences, owner, 1));
        assertEquals(1, AnswerSupport.choose(s));
    }

    /**
     * A person mentioned in many sentences weighs little in BM25, so another person's statement in the question's own
     * pattern can match it better; the sentence that names the person asked about still supports best.
     */
    public void testTheQuestionsNamesComeBeforeTheMatch() {
        List<String> sentences = List.of(
            "Juvin Pratwick nodded.",
            "Juvin Pratwick sat by the hill.",
            "Mana Radby's favourite colour is teal.",
            "Juvin Pratwick carried a shell.",
            "The favourite colour of Juvin Pratwick is red.",
            "A stranger and Juvin Pratwick talked."
        );
        List<Integer> owner = List.of(0, 0, 0, 1, 1, 1);
        String q = "What is Juvin Pratwick's favourite colour?";
        assertEquals(List.of("juvin", "pratwick"), AnswerSupport.names(q));
        double[] bm25 = Bm25.scoreTextsWithPairs(sentences, q);
        assertTrue("the other person's statement matches better", bm25[2] > bm25[4]);
        Support teal = AnswerSupport.support("teal", q, sentences, owner, 0);
        Support red = AnswerSupport.support("red", q, sentences, owner, 1);
        assertEquals(0, teal.names());
        assertEquals(2, red.names());
        assertEquals(1, AnswerSupport.choose(List.of(teal, red)));
    }

    public void testNamesAreTheCapitalisedWordsAfterTheFirst() {
        assertEquals(List.of("ada", "fenn"), AnswerSupport.names("Who is Ada Fenn's sister, Ada?"));
        assertEquals(List.of(), AnswerSupport.names("what is the secret number?"));
        assertEquals(List.of(), AnswerSupport.names("Where?"));
        assertEquals(List.of("élodie", "müller"), AnswerSupport.names("Where does Élodie Müller live?"));
        assertEquals(List.of(), AnswerSupport.names(null));
    }

    public void testChooseKeepsTheEarliestAmongEqualsAndWhenNoneIsSupported() {
        assertEquals(0, AnswerSupport.choose(List.of(Support.NONE, Support.NONE, Support.NONE)));
        assertEquals(1, AnswerSupport.choose(List.of(new Support(0, 1.0), new Support(0, 2.0), new Support(0, 2.0))));
        assertEquals(2, AnswerSupport.choose(List.of(Support.NONE, new Support(0, 0.0), new Support(0, 0.5))));
        assertEquals(0, AnswerSupport.choose(List.of(new Support(1, 0.5), new Support(0, 9.0))));
    }

    /**
     * answer_candidates_max reads on while no answer is confirmed: another person's value stated in the segment is
     * support, but it does not settle the question, so the segment that names the person asked about is still read.
     */
    public void testOnlyASentenceHoldingAllTheQuestionsNamesConfirms() {
        List<String> sentences = List.of(
            "Mana Radby's favourite colour is teal.",
            "Juvin Pratwick and Mana Radby met.",
            "The favourite colour of Juvin Pratwick is red.",
            "Pratwick is a red town."
        );
        List<Integer> owner = List.of(0, 0, 1, 2);
        String q = "What is Juvin Pratwick's favourite colour?";
        AnswerSupport.Checker checker = AnswerSupport.checker(q, sentences, owner);
        assertTrue(checker.support("teal", 0).stated());
        assertFalse("another person's value", checker.confirms(checker.support("teal", 0)));
        assertTrue(checker.confirms(checker.support("red", 1)));
        assertFalse("not stated in its segment", checker.confirms(checker.support("red", 0)));
        assertFalse("one of the two names", checker.confirms(checker.support("red", 2)));
        assertFalse(checker.confirms(Support.NONE));
        // a question without names: any stating sentence confirms
        AnswerSupport.Checker secret = AnswerSupport
            .checker("what is the secret number?", List.of("The secret number is 4412."), List.of(0));
        assertTrue(secret.confirms(secret.support("4412", 0)));
        assertFalse(secret.confirms(secret.support("4413", 0)));
        assertTrue(AnswerSupport.confirms(new Support(2, 0.0), 2));
        assertFalse(AnswerSupport.confirms(new Support(1, 9.0), 2));
    }

    public void testNamesOnRealText() {
        // no capitalised word after the first: no names, an answer stated anywhere in the segment confirms
        assertEquals(List.of(), AnswerSupport.names("where does the harbour master keep the lamps?"));
        // capitals or title case: capitals do not mark names there
        assertEquals(List.of(), AnswerSupport.names("WHERE DOES THE HARBOUR MASTER KEEP THE LAMPS?"));
        assertEquals(List.of(), AnswerSupport.names("Where Does The Harbour Master Keep The Lamps?"));
        // German capitalises nouns: they count as names (documented), as long as they are not most of the words
        assertEquals(List.of("hafenmeister", "lampen"), AnswerSupport.names("Wo bewahrt der Hafenmeister die Lampen auf?"));
        // no case in Chinese or Japanese
        assertEquals(List.of(), AnswerSupport.names("港口的灯放在哪里？"));
        assertEquals(List.of(), AnswerSupport.names("灯台はどこにありますか？"));
    }

    public void testChineseAnswersAreCheckedCharacterByCharacter() {
        assertEquals(List.of("港", "口", "的", "灯"), Bm25.words("港口的灯"));
        assertEquals(List.of("コンピュータ", "は", "ok"), Bm25.words("コンピュータはOK"));
        List<String> sentences = List.of("港口的灯整夜亮着。", "灯放在北边的仓库里。");
        Support s = AnswerSupport.support("北边的仓库", "港口的灯放在哪里？", sentences, List.of(0, 1), 1);
        assertTrue(s.stated());
        assertFalse(AnswerSupport.support("北边的仓库", "港口的灯放在哪里？", sentences, List.of(0, 1), 0).stated());
    }

    /** A paraphrased answer is never stated, so it never outranks the best-retrieved read; it is not thrown away either. */
    public void testAParaphraseKeepsTheBestRetrievedRead() {
        List<String> sentences = List.of("The lamps are kept in the north warehouse.");
        Support paraphrase = AnswerSupport.support("in the storehouse up north", "where are the lamps kept?", sentences, List.of(0), 0);
        assertFalse(paraphrase.stated());
        assertEquals(0, AnswerSupport.choose(List.of(paraphrase, Support.NONE)));
    }

    /** The guard against capitalised questions leaves every question of the synthetic world with the names it had. */
    public void testWorldQuestionsKeepTheirNames() {
        io.lloco.train.world.World world = new io.lloco.train.world.World(
            7,
            io.lloco.train.world.WorldConfig.defaults(),
            io.lloco.train.world.WorldTokenizer.bundled()
        );
        int checked = 0;
        for (long i = 0; i < 40; i++) {
            for (io.lloco.train.world.TaskFamily f : io.lloco.train.world.TaskFamily.values()) {
                io.lloco.train.world.Document d = f == io.lloco.train.world.TaskFamily.NEEDLE
                    ? world.needleDocument(io.lloco.train.world.Split.TEST, i, 1024, 0.5)
                    : world.document(io.lloco.train.world.Split.TEST, i, 1024);
                for (io.lloco.train.world.QaExample q : world.questions(d, f, 3)) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("[\\p{L}\\p{N}]+").matcher(q.question());
                    List<String> legacy = new java.util.ArrayList<>();
                    boolean first = true;
                    while (m.find()) {
                        String w = m.group();
                        if (first == false && Character.isUpperCase(w.codePointAt(0))
                            && legacy.contains(w.toLowerCase(java.util.Locale.ROOT)) == false) {
                            legacy.add(w.toLowerCase(java.util.Locale.ROOT));
                        }
                        first = false;
                    }
                    assertEquals(q.question(), legacy, AnswerSupport.names(q.question()));
                    checked++;
                }
            }
        }
        assertTrue(checked > 200);
    }
}
