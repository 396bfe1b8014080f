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
        // plain BM25 over the 3 segments (14, 11 and 4 words): "is", "ada", "fenn", "favourite", "colour" once each in
        // the first two (df 2); "what" and "s" nowhere
        assertEquals(5 * bm25(3, 2, 14, 29 / 3.0), plain[0], 1e-9);
        assertEquals(5 * bm25(3, 2, 11, 29 / 3.0), plain[1], 1e-9);
        // the 5 sentences as their own collection: "Ada Fenn waited by the well." (6 words, 5 pairs), "The favourite
        // colour of Bo Hart is red." (8, 7), "The rain fell." (3, 2), "The favourite colour of Ada Fenn is teal." (8, 7),
        // "Nothing here at all." (4, 3); every matched word or pair has df 2 and tf 1. A sentence scores its words, its
        // pairs ("ada fenn", "favourite colour" of the question's) and the question's names ("ada", "fenn") once more.
        double words = 29 / 5.0;
        double pairs = 24 / 5.0;
        double s0 = 2 * bm25(5, 2, 6, words) + bm25(5, 2, 5, pairs) + 2 * bm25(5, 2, 6, words); // ada fenn; "ada fenn"; names
        double s1 = 3 * bm25(5, 2, 8, words) + bm25(5, 2, 7, pairs); // is favourite colour; "favourite colour"
        double s3 = 5 * bm25(5, 2, 8, words) + 2 * bm25(5, 2, 7, pairs) + 2 * bm25(5, 2, 8, words); // both names, both pairs
        assertTrue("the first segment's best sentence is its first", s0 > s1);
        double[] boosted = SegmentRetriever.scores(segs, q, 2.5);
        assertEquals(plain[0] + 2.5 * s0, boosted[0], 1e-9);
        assertEquals(plain[1] + 2.5 * s3, boosted[1], 1e-9);
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
        double[] s = SegmentRetriever.sentenceScores(words, q);
        // 30 sentences of 227 words and 197 adjacent pairs; df: "s" 1 (Radby's), "is", "favourite", "colour" 2,
        // "juvin", "pratwick" 5; pairs: "s favourite" 1, "favourite colour" 2, "juvin pratwick" 5
        double avgWords = 227 / 30.0;
        double avgPairs = 197 / 30.0;
        // "Mana Radby's favourite colour is teal." (7 words, 6 pairs): s, favourite, colour, is; "s favourite",
        // "favourite colour"; none of the names
        double other = bm25(30, 1, 7, avgWords) + 3 * bm25(30, 2, 7, avgWords) + bm25(30, 1, 6, avgPairs) + bm25(30, 2, 6, avgPairs);
        // "The favourite colour of Juvin Pratwick is red." (8 words, 7 pairs): favourite, colour, is, juvin, pratwick;
        // "favourite colour", "juvin pratwick"; then the names juvin and pratwick once more
        double asked = 3 * bm25(30, 2, 8, avgWords) + 2 * bm25(30, 5, 8, avgWords) + bm25(30, 2, 7, avgPairs) + bm25(30, 5, 7, avgPairs);
        double askedNames = 2 * bm25(30, 5, 8, avgWords);
        assertEquals(other, s[2], 1e-9);
        assertEquals(asked + askedNames, s[4], 1e-9);
        for (int i = 6; i < s.length; i++) {
            assertEquals(sentences.get(i), 0.0, s[i], 0.0);
        }
        assertTrue("the pattern alone prefers the other person", other > asked);
        assertTrue("the names decide", s[4] > s[2]);
        // a question without names: words and pairs only ("is" df 2, "the" df 26: "sat by the hill", "The favourite",
        // every "The rain"; no pair of the question's occurs)
        double[] plain = SegmentRetriever.sentenceScores(words, "what is the secret number?");
        assertEquals(0.0, plain[0], 0.0);
        assertEquals(bm25(30, 26, 6, avgWords), plain[1], 1e-9);
        assertEquals(bm25(30, 2, 7, avgWords), plain[2], 1e-9);
        assertEquals(bm25(30, 2, 8, avgWords) + bm25(30, 26, 8, avgWords), plain[4], 1e-9);
        assertEquals(bm25(30, 26, 8, avgWords), plain[6], 1e-9);
    }

    /**
     * Lucene's BM25 weight of a term that occurs once in a text of {@code len} terms, the collection holding
     * {@code n} texts of mean length {@code avgdl}, {@code df} of them with the term: k1 = 1.2, b = 0.75,
     * idf = ln(1 + (n - df + 0.5) / (df + 0.5)).
     */
    private static double bm25(int n, int df, int len, double avgdl) {
        double idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        return idf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * len / avgdl));
    }
}
