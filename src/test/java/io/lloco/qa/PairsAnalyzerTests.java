/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.ArrayList;
import java.util.List;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.retrieval.Bm25;

public class PairsAnalyzerTests extends OpenSearchTestCase {

    private static List<String> analyze(String text) throws Exception {
        List<String> out = new ArrayList<>();
        try (PairsAnalyzer a = new PairsAnalyzer(); TokenStream ts = a.tokenStream("f", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                out.add(term.toString());
            }
            ts.end();
        }
        return out;
    }

    /** The index-side pairs are the offline scorer's pairs, so the plugin and the evaluator match the same terms. */
    public void testPairsAreTheOfflineScorersPairs() throws Exception {
        assertEquals(
            List.of("kala ireridge", "ireridge s", "s favourite", "favourite colour"),
            analyze("Kala Ireridge's favourite colour?")
        );
        assertEquals(List.of(), analyze("Alone."));
        assertEquals(List.of(), analyze(""));
        for (String text : List.of(
            "The secret number is 3358.",
            "Of all colours, Zena Goldworth likes teal best.\nIn 1874, Ada Fenn was born.",
            "Élodie  Müller—works as a nurse; 12 cats!",
            "a-b_c d.e,f  42x"
        )) {
            assertEquals(text, Bm25.pairs(Bm25.words(text)), analyze(text));
        }
    }
}
