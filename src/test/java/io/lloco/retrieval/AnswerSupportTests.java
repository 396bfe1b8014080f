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
}
