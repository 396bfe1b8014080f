/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

public class SegmentRetrieverTests extends OpenSearchTestCase {

    public void testBm25MatchesHandComputedScores() {
        List<String> segs = List.of("Ada Fenn lives in Larkmere.", "The rain fell on the roof. Ada walked.", "Nothing here at all");
        double[] s = SegmentRetriever.scores(segs, "Where does Ada Fenn live?");
        // N = 3, avgdl = (5 + 8 + 4) / 3; "ada": df 2, "fenn": df 1; "where", "does", "live" occur nowhere
        double avg = 17 / 3.0;
        double idfAda = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
        double idfFenn = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
        double expected0 = idfAda * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 5 / avg)) + idfFenn * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 5 / avg));
        double expected1 = idfAda * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 8 / avg));
        assertEquals(expected0, s[0], 1e-9);
        assertEquals(expected1, s[1], 1e-9);
        assertEquals(0.0, s[2], 0.0);
    }

    public void testTopKIsInDocumentOrderAndBounded() {
        List<String> segs = List.of("alpha", "beta gamma", "gamma", "delta gamma gamma");
        assertArrayEquals(new int[]{2, 3}, SegmentRetriever.topK(segs, "gamma", 2));
        assertArrayEquals(new int[]{0, 1, 2, 3}, SegmentRetriever.topK(segs, "gamma", 10));
        // no term matches: the earliest segments
        assertArrayEquals(new int[]{0}, SegmentRetriever.topK(segs, "omega", 1));
        assertEquals(List.of("ada", "s", "3", "cats"), SegmentRetriever.words("Ada's 3 CATS!"));
    }

    public void testSentenceBoostAddsTheBestSentencesBm25() {
        List<String> segs = List.of(
            "Ada Fenn waited by the well. The favourite colour of Bo Hart is red.",
            "The rain fell. The favourite colour of Ada Fenn is teal.",
            "Nothing here at all."
        );
        String q = "What is Ada Fenn's favourite colour?";
        double[] plain = SegmentRetriever.scores(segs, q);
        assertArrayEquals(plain, SegmentRetriever.scores(segs, q, 0), 0.0);
        // the sentences as their own collection: the best one of each segment, added with the boost
        List<String> sentences = List.of(
            "Ada Fenn waited by the well.",
            "The favourite colour of Bo Hart is red.",
            "The rain fell.",
            "The favourite colour of Ada Fenn is teal.",
            "Nothing here at all."
        );
        // a sentence: its words, its adjacent pairs, and the question's names ("ada fenn") once more
        double[] per = io.lloco.retrieval.Bm25.scoreTextsWithPairs(sentences, q);
        double[] names = io.lloco.retrieval.Bm25.scoreTexts(sentences, "ada fenn");
        for (int i = 0; i < per.length; i++) {
            per[i] += names[i];
        }
        double[] boosted = SegmentRetriever.scores(segs, q, 2.5);
        assertEquals(plain[0] + 2.5 * Math.max(per[0], per[1]), boosted[0], 1e-9);
        assertEquals(plain[1] + 2.5 * Math.max(per[2], per[3]), boosted[1], 1e-9);
        assertEquals(0.0, boosted[2], 0.0);
        // both segments hold every word of the question; only the second has them in one sentence
        assertTrue(boosted[1] > boosted[0]);
        assertArrayEquals(new int[]{1}, SegmentRetriever.topK(segs, q, 1, 2.5));
    }

    /** A sentence scores its words plus its adjacent word pairs, each field BM25 over the document's sentences. */
    public void testSentencesAreMatchedByWordsAndByPairs() {
        assertEquals(List.of("ada s", "s 3", "3 cats"), io.lloco.retrieval.Bm25.pairs(SegmentRetriever.words("Ada's 3 CATS!")));
        assertEquals(List.of(), io.lloco.retrieval.Bm25.pairs(SegmentRetriever.words("alone")));
        List<String> sentences = List.of("Fenn Ada saw Bo Kala.", "Ada Fenn saw Bo.", "The rain fell.");
        String q = "Who is Ada Fenn?";
        double[] words = io.lloco.retrieval.Bm25.scoreTexts(sentences, q);
        // pairs as their own field: "ada fenn" (df 1 of 3) in the second sentence only ("who is", "is ada" nowhere)
        double avgPairs = (4 + 3 + 2) / 3.0;
        double idf = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
        double pair1 = idf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3 / avgPairs));
        double[] both = io.lloco.retrieval.Bm25.scoreTextsWithPairs(sentences, q);
        assertEquals(words[0], both[0], 1e-9);
        assertEquals(words[1] + pair1, both[1], 1e-9);
        assertEquals(0.0, both[2], 0.0);
        // both hold the two names; the pair ranks first the one that has them side by side
        assertTrue(both[1] > both[0]);
        // in segments: the same, through the sentence boost
        List<String> segs = List.of("Fenn Ada saw Bo Kala. The rain fell.", "Ada Fenn saw Bo. The rain fell.");
        assertArrayEquals(new int[]{1}, SegmentRetriever.topK(segs, q, 1, 2));
    }

    /**
     * The question's names count once more: a person mentioned in many sentences weighs little, and another person's
     * statement in the question's own pattern would otherwise outrank the sentence about the person asked.
     */
    public void testTheQuestionsNamesOutweighItsPattern() {
        List<String> sentences = new java.util.ArrayList<>(
            List.of(
                "Juvin Pratwick nodded.",
                "Juvin Pratwick sat by the hill.",
                "Mana Radby's favourite colour is teal.",
                "Juvin Pratwick carried a shell.",
                "The favourite colour of Juvin Pratwick is red.",
                "A stranger and Juvin Pratwick talked."
            )
        );
        for (int i = 0; i < 24; i++) {
            sentences.add("The rain fell on roof " + i + " all day.");
        }
        List<List<String>> words = sentences.stream().map(SegmentRetriever::words).toList();
        String q = "What is Juvin Pratwick's favourite colour?";
        double[] withoutNames = io.lloco.retrieval.Bm25.scoreTextsWithPairs(sentences, q);
        double[] s = SegmentRetriever.sentenceScores(words, q);
        double[] names = io.lloco.retrieval.Bm25.scores(words, List.of("juvin", "pratwick"));
        for (int i = 0; i < s.length; i++) {
            assertEquals(withoutNames[i] + names[i], s[i], 1e-9);
        }
        assertTrue("the pattern alone prefers the other person", withoutNames[2] > withoutNames[4]);
        assertTrue("the names decide", s[4] > s[2]);
        // a question without names: words and pairs only
        assertArrayEquals(
            io.lloco.retrieval.Bm25.scoreTextsWithPairs(sentences, "what is the secret number?"),
            SegmentRetriever.sentenceScores(words, "what is the secret number?"),
            1e-12
        );
    }
}
