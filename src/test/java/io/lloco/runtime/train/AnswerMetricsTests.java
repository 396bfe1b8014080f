/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.train;

import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

public class AnswerMetricsTests extends OpenSearchTestCase {

    public void testNormalisationExactMatchAndF1() {
        assertEquals(List.of("velden", "harbour"), AnswerMetrics.tokens("The Velden  harbour."));
        assertEquals(1.0, AnswerMetrics.exactMatch("the Velden Harbour!", "Velden harbour"), 0);
        assertEquals(0.0, AnswerMetrics.exactMatch("Velden", "Velden harbour"), 0);
        // one of one predicted token is right, one of two gold tokens found: P = 1, R = 0.5, F1 = 2/3
        assertEquals(2.0 / 3, AnswerMetrics.f1("Velden", "Velden harbour"), 1e-12);
        assertEquals(0.0, AnswerMetrics.f1("Orlen", "Velden harbour"), 0);
        assertEquals(1.0, AnswerMetrics.f1("", "the"), 0); // both empty after normalisation
        assertEquals(0.0, AnswerMetrics.f1("x", ""), 0);
        // repeated tokens count once per occurrence
        assertEquals(2 * 0.5 * 1.0 / 1.5, AnswerMetrics.f1("goat goat", "goat"), 1e-12);
    }

    public void testChoicePicksTheOptionThePredictionOverlapsMost() {
        List<String> options = List.of("Orlen", "Velden harbour", "Brisk", "Tallow");
        assertEquals(1, AnswerMetrics.pick("at the harbour of Velden", options));
        assertEquals(1.0, AnswerMetrics.choiceCorrect("harbour", options, "Velden harbour"), 0);
        assertEquals(0.0, AnswerMetrics.choiceCorrect("Brisk", options, "Velden harbour"), 0);
        assertEquals(0, AnswerMetrics.pick("nothing in common", options)); // ties: the first
    }
}
