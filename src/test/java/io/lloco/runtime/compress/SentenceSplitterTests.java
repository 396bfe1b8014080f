/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.compress;

import java.util.ArrayList;
import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

import io.lloco.train.world.Document;
import io.lloco.train.world.Split;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/**
 * Sentences of real text: CJK full stops, abbreviations and initials, German, line breaks; and on the synthetic world
 * the splitter cuts exactly where the earlier rule did, so the shipped model's training and measured figures stand.
 */
public class SentenceSplitterTests extends OpenSearchTestCase {

    private static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (int[] span : Segmentation.sentences(text)) {
            out.add(text.substring(span[0], span[1]));
        }
        return out;
    }

    public void testChineseAndJapaneseFullStops() {
        assertEquals(List.of("港口的灯整夜亮着。", "船在早上离开！", "你看见了吗？"), sentences("港口的灯整夜亮着。船在早上离开！你看见了吗？"));
        assertEquals(List.of("灯台は北にあります。", "船長は田中さんです。"), sentences("灯台は北にあります。船長は田中さんです。"));
    }

    public void testAbbreviationsAndInitialsDoNotEndSentences() {
        assertEquals(
            List.of("Mr. Smith met Dr. Jones at 5 p.m. yesterday.", "They talked."),
            sentences("Mr. Smith met Dr. Jones at 5 p.m. yesterday. They talked.")
        );
        assertEquals(List.of("J. R. R. Tolkien wrote it.", "Then he slept."), sentences("J. R. R. Tolkien wrote it. Then he slept."));
        assertEquals(List.of("Acme Inc. Holdings sued.", "It lost."), sentences("Acme Inc. Holdings sued. It lost."));
        assertEquals(List.of("See e.g. Fig. 3 for the data.", "Done."), sentences("See e.g. Fig. 3 for the data. Done."));
    }

    public void testGermanAndDecimalsAndQuotes() {
        assertEquals(
            List.of("Herr Müller wohnt in Berlin.", "Er arbeitet z.B. am Hafen und verdient 3.5 Mio. Euro.", "Wirklich?"),
            sentences("Herr Müller wohnt in Berlin. Er arbeitet z.B. am Hafen und verdient 3.5 Mio. Euro. Wirklich?")
        );
        assertEquals(List.of("She said \"Go!\"", "He went."), sentences("She said \"Go!\" He went."));
    }

    public void testLineBreaksEndSentences() {
        assertEquals(
            List.of("Title line", "Speaker A: hello", "Speaker B: hi."),
            sentences("Title line\nSpeaker A: hello\r\nSpeaker B: hi.\n\n")
        );
        assertEquals(List.of(), sentences(" \n "));
    }

    /** The earlier rule: after {@code . ! ?} (and closers) before whitespace or the end, or at a line break. */
    static List<String> legacySentences(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int e = 1; e <= text.length(); e++) {
            boolean end = e == text.length() || (Character.isWhitespace(text.charAt(e - 1)) == false && legacyEnds(text, e));
            if (end) {
                String s = text.substring(start, e).strip();
                if (s.isEmpty() == false) {
                    out.add(s);
                }
                start = e;
            }
        }
        return out;
    }

    private static boolean legacyEnds(String text, int end) {
        if (end < text.length() && (text.charAt(end) == '\n' || text.charAt(end) == '\r')) {
            return true;
        }
        if (end < text.length() && Character.isWhitespace(text.charAt(end)) == false) {
            return false;
        }
        int i = end - 1;
        while (i >= 0 && "\"')]\u201D\u2019\u00BB".indexOf(text.charAt(i)) >= 0) {
            i--;
        }
        return i >= 0 && ".!?\n".indexOf(text.charAt(i)) >= 0;
    }

    public void testTheSyntheticWorldIsCutAsBefore() {
        World world = new World(7, WorldConfig.defaults(), WorldTokenizer.bundled());
        int sentences = 0;
        for (long i = 0; i < 60; i++) {
            Document d = world.document(Split.TEST, i, 1024);
            List<String> now = sentences(d.text());
            assertEquals("document " + i, legacySentences(d.text()), now);
            sentences += now.size();
        }
        assertTrue(sentences > 1000);
    }
}
