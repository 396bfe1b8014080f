/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

/** Scoring helpers, against hand-computed values. */
public class WorldEvalTests extends OpenSearchTestCase {

    public void testNormalizationAsSquad() {
        assertEquals("tallowmere", WorldEval.normalize("Tallowmere."));
        assertEquals("baker by trade", WorldEval.normalize("  A baker, by   trade! "));
        assertEquals("mara ashwick", WorldEval.normalize("The Mara Ashwick"));
        // articles only as whole words; punctuation removed before article removal (as in the Python evaluator)
        assertEquals("theatre ant", WorldEval.normalize("theatre an ant"));
        assertEquals("", WorldEval.normalize("the a an ..."));
    }

    public void testExactMatchAndF1() {
        assertEquals(1.0, WorldEval.exactMatch("tallowmere", "Tallowmere"), 0);
        assertEquals(0.0, WorldEval.exactMatch("Tallowmere Ashwick", "Tallowmere"), 0);
        // prediction 2 tokens, gold 1, one shared: P = 1/2, R = 1, F1 = 2/3
        assertEquals(2.0 / 3.0, WorldEval.tokenF1("Tallowmere Ashwick", "Tallowmere"), 1e-12);
        // prediction "mara ashwick" vs gold "mara quill": P = R = 1/2, F1 = 1/2
        assertEquals(0.5, WorldEval.tokenF1("Mara Ashwick", "Mara Quill"), 1e-12);
        // repeated tokens count once per gold occurrence: "x x y" vs "x y y" share min(2,1) + min(1,2) = 2;
        // P = 2/3, R = 2/3, F1 = 2/3
        assertEquals(2.0 / 3.0, WorldEval.tokenF1("x x y", "x y y"), 1e-12);
        assertEquals(0.0, WorldEval.tokenF1("", "Tallowmere"), 0);
        assertEquals(0.0, WorldEval.tokenF1("crimson", "blue"), 0);
    }

    public void testChoiceLikeQualityEvaluator() {
        assertEquals(1.0, WorldEval.choiceCorrect("B. Tallowmere", "B"), 0);
        assertEquals(1.0, WorldEval.choiceCorrect("B", "B"), 0);
        assertEquals(0.0, WorldEval.choiceCorrect("C. Tallowmere", "B"), 0);
        assertEquals(0.0, WorldEval.choiceCorrect("", "B"), 0);
        // QuALITY compares the first character: a leading space is wrong, lower case is wrong
        assertEquals(0.0, WorldEval.choiceCorrect(" B. Tallowmere", "B"), 0);
        assertEquals(0.0, WorldEval.choiceCorrect("b", "B"), 0);
    }

    public void testNeedleContains() {
        assertEquals(1.0, WorldEval.needleFound("The magic city is Orlmere.", "Orlmere"), 0);
        assertEquals(1.0, WorldEval.needleFound("orlmere", "Orlmere"), 0);
        assertEquals(0.0, WorldEval.needleFound("Orlmoor", "Orlmere"), 0);
        assertEquals(0.0, WorldEval.needleFound(null, "Orlmere"), 0);
    }

    public void testEvaluateAggregates() {
        QaExample lookup = new QaExample(
            "1", "d", TaskFamily.LOOKUP, "Where?", List.of(), "Tallowmere", "Tallowmere", Double.NaN, FactType.LIVES_IN
        );
        QaExample choice = new QaExample(
            "2", "d", TaskFamily.CHOICE, "Where?", List.of("a", "b", "c", "d"), "B. b", "B", Double.NaN, FactType.LIVES_IN
        );
        QaExample needle = new QaExample("3", "d", TaskFamily.NEEDLE, "What?", List.of(), "7291", "7291", 0.5, null);
        WorldEval.Report r = WorldEval.evaluate(
            List.of(lookup, lookup, choice, choice, needle),
            List.of("Tallowmere", "Tallowmere Ashwick", "B. b", "A. a", "It is 7291.")
        );
        assertEquals((1.0 + 2.0 / 3.0) / 2, r.meanScore().get(TaskFamily.LOOKUP), 1e-12);
        assertEquals(0.5, r.meanScore().get(TaskFamily.CHOICE), 0);
        assertEquals(1.0, r.meanScore().get(TaskFamily.NEEDLE), 0);
        assertEquals(0.5, r.lookupExactMatch(), 0);
        assertEquals(2, (int) r.count().get(TaskFamily.CHOICE));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> WorldEval.evaluate(List.of(lookup), List.of()));
        assertTrue(e.getMessage(), e.getMessage().contains("1 examples but 0 predictions"));
    }
}
