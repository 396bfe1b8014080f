/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.compress;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.runtime.compress.Segmentation.Boundary;

public class SegmentationTests extends OpenSearchTestCase {

    /** Whitespace-free runs as tokens (words with their punctuation), with their character ends. */
    private static int[] wordEnds(String text) {
        List<Integer> ends = new ArrayList<>();
        Matcher m = Pattern.compile("\\S+").matcher(text);
        while (m.find()) {
            ends.add(m.end());
        }
        return ends.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<String> pieces(String text, int[] ends, int[] lengths) {
        List<String> out = new ArrayList<>();
        int token = 0;
        int from = 0;
        for (int len : lengths) {
            token += len;
            int to = ends[token - 1];
            out.add(text.substring(from, to).trim());
            from = to;
        }
        return out;
    }

    public void testFixedLengths() {
        assertArrayEquals(new int[]{8, 8, 4}, Segmentation.fixed(20, 8));
        assertArrayEquals(new int[]{3}, Segmentation.fixed(3, 8));
        expectThrows(IllegalArgumentException.class, () -> Segmentation.fixed(0, 8));
        expectThrows(IllegalArgumentException.class, () -> Segmentation.fixed(5, 0));
        int[] ends = wordEnds("a b. c d e. f");
        assertArrayEquals(Segmentation.fixed(6, 4), Segmentation.lengths("a b. c d e. f", ends, 4, Boundary.TOKENS));
    }

    public void testSentencesArePackedWholeUpToTheLimit() {
        String text = "One two three. Four five. Six seven eight nine. Ten.";
        int[] ends = wordEnds(text); // 10 tokens: sentences of 3, 2, 4, 1
        int[] lengths = Segmentation.lengths(text, ends, 5, Boundary.SENTENCE);
        assertArrayEquals(new int[]{5, 5}, lengths);
        assertEquals(List.of("One two three. Four five.", "Six seven eight nine. Ten."), pieces(text, ends, lengths));
        // the fixed split cuts the second sentence
        assertEquals("One two three. Four", pieces(text, ends, Segmentation.fixed(10, 4)).get(0));
        assertArrayEquals(new int[]{3, 2, 4, 1}, Segmentation.lengths(text, ends, 4, Boundary.SENTENCE));
    }

    public void testASentenceLongerThanTheLimitIsCutAtTheLimit() {
        String text = "a b c d e f g h. I j.";
        int[] ends = wordEnds(text);
        assertArrayEquals(new int[]{3, 3, 2, 2}, Segmentation.lengths(text, ends, 3, Boundary.SENTENCE));
    }

    public void testLineBreaksQuotesAndDecimalsAndTheLastSegment() {
        // a line break ends a segment even without a full stop; "3.5" inside a word does not end a sentence
        String text = "Title line\nShe said \"go!\" and left. It cost 3.5 coins today";
        int[] ends = wordEnds(text);
        int[] lengths = Segmentation.lengths(text, ends, 4, Boundary.SENTENCE);
        List<String> p = pieces(text, ends, lengths);
        // "go!" followed by a closing quote and a space ends a sentence; the last sentence is cut at the limit
        assertEquals(List.of("Title line", "She said \"go!\"", "and left.", "It cost 3.5 coins", "today"), p);
        int sum = 0;
        for (int l : lengths) {
            assertTrue(l <= 4);
            sum += l;
        }
        assertEquals(ends.length, sum);
    }

    public void testRandomTextsAlwaysTileAndRespectTheLimit() {
        for (int round = 0; round < 50; round++) {
            StringBuilder sb = new StringBuilder();
            int words = between(1, 200);
            for (int i = 0; i < words; i++) {
                sb.append(i == 0 ? "" : randomFrom(" ", " ", " ", "\n")).append(randomAlphaOfLengthBetween(1, 6));
                if (rarely() || randomIntBetween(0, 6) == 0) {
                    sb.append(randomFrom(".", "!", "?", ".\"", ","));
                }
            }
            String text = sb.toString();
            int[] ends = wordEnds(text);
            int limit = between(1, 20);
            int[] lengths = Segmentation.lengths(text, ends, limit, Boundary.SENTENCE);
            int token = 0;
            for (int k = 0; k < lengths.length; k++) {
                assertTrue(lengths[k] >= 1 && lengths[k] <= limit);
                token += lengths[k];
                if (k < lengths.length - 1 && lengths[k] < limit) {
                    // a short segment must end where a sentence or a line ends
                    assertTrue(text, Segmentation.endsSentence(text, ends[token - 1]));
                }
            }
            assertEquals(ends.length, token);
        }
    }

    public void testSentenceSpans() {
        String text = "  Title line\nShe said \"go!\" and left.  It cost 3.5 coins today\n\n";
        List<String> got = new java.util.ArrayList<>();
        for (int[] span : Segmentation.sentences(text)) {
            got.add(text.substring(span[0], span[1]));
        }
        assertEquals(List.of("Title line", "She said \"go!\"", "and left.", "It cost 3.5 coins today"), got);
        assertEquals(List.of(), Segmentation.sentences(" \n "));
        // random texts: spans are ordered, trimmed, and every non-blank character is in exactly one of them
        for (int round = 0; round < 50; round++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0, words = between(1, 60); i < words; i++) {
                sb.append(randomFrom(" ", " ", "\n", "  ")).append(randomAlphaOfLengthBetween(1, 5));
                if (randomIntBetween(0, 4) == 0) {
                    sb.append(randomFrom(".", "!", "?", ".\"", ","));
                }
            }
            String t = sb.toString();
            int prev = 0;
            int covered = 0;
            for (int[] span : Segmentation.sentences(t)) {
                assertTrue(span[0] >= prev && span[1] > span[0]);
                assertFalse(Character.isWhitespace(t.charAt(span[0])));
                assertFalse(Character.isWhitespace(t.charAt(span[1] - 1)));
                covered += t.substring(span[0], span[1]).replaceAll("\\s", "").length();
                prev = span[1];
            }
            assertEquals(t.replaceAll("\\s", "").length(), covered);
        }
    }

    public void testParse() {
        assertEquals(Boundary.SENTENCE, Boundary.parse("sentence"));
        assertEquals(Boundary.TOKENS, Boundary.parse("tokens"));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> Boundary.parse("words"));
        assertEquals("[segment_boundary] must be one of [tokens, sentence], got [words]", e.getMessage());
    }
}
