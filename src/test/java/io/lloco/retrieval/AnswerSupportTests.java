/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.retrieval;

import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

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
        double[] s = Bm25.scoreTexts(SENTENCES, Q);
        assertEquals(s[1], AnswerSupport.support("1911", Q, SENTENCES, OWNER, 0), 1e-12);
        assertEquals(s[3], AnswerSupport.support(" 1874.", Q, SENTENCES, OWNER, 1), 1e-12);
        // choose follows the supports
        double[] both = {AnswerSupport.support("1911", Q, SENTENCES, OWNER, 0), AnswerSupport.support("1874", Q, SENTENCES, OWNER, 1)};
        assertEquals(both[0] > both[1] ? 0 : 1, AnswerSupport.choose(both));
    }

    public void testAnAnswerNotStatedInItsSegmentHasNoSupport() {
        // 1874 is stated, but in segment 1, not in segment 0 it was read from
        assertEquals(Double.NEGATIVE_INFINITY, AnswerSupport.support("1874", Q, SENTENCES, OWNER, 0), 0.0);
        // whole words only: "187" is not "1874", "all" is a word of segment 2 but "al" is not
        assertEquals(Double.NEGATIVE_INFINITY, AnswerSupport.support("187", Q, SENTENCES, OWNER, 1), 0.0);
        assertEquals(Double.NEGATIVE_INFINITY, AnswerSupport.support("al", Q, SENTENCES, OWNER, 2), 0.0);
        assertTrue(AnswerSupport.support("all", Q, SENTENCES, OWNER, 2) > Double.NEGATIVE_INFINITY);
        assertEquals(Double.NEGATIVE_INFINITY, AnswerSupport.support("  ", Q, SENTENCES, OWNER, 0), 0.0);
        // case and punctuation do not matter
        assertEquals(
            AnswerSupport.support("ada fenn", Q, SENTENCES, OWNER, 0),
            AnswerSupport.support("Ada  Fenn!", Q, SENTENCES, OWNER, 0),
            0.0
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
        double[] s = {AnswerSupport.support("red", q, sentences, owner, 0), AnswerSupport.support("teal", q, sentences, owner, 1)};
        assertEquals(1, AnswerSupport.choose(s));
    }

    public void testChooseKeepsTheEarliestAmongEqualsAndWhenNoneIsSupported() {
        double ninf = Double.NEGATIVE_INFINITY;
        assertEquals(0, AnswerSupport.choose(new double[]{ninf, ninf, ninf}));
        assertEquals(1, AnswerSupport.choose(new double[]{1.0, 2.0, 2.0}));
        assertEquals(2, AnswerSupport.choose(new double[]{ninf, 0.0, 0.5}));
    }
}
