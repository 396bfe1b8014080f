/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.compress;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sentence boundaries of real text: the JDK's Unicode sentence rules ({@link BreakIterator}, UAX #29: {@code . ! ?},
 * the CJK full stops {@code 。！？}, closing quotes and brackets after them, no break before a lower-case word), plus
 * two rules of ours: a line break always ends a sentence (lists, titles, transcripts), and a period after a common
 * abbreviation ({@code Mr.}, {@code Dr.}, {@code e.g.}, {@code Inc.}, single initials, ...) never does.
 *
 * <p>Why not ICU4J's sentence iterator with its abbreviation suppressions: it is a 14 MB dependency for the same rules
 * the JDK ships, and its suppression list is per language; the short list here covers the common English and German
 * abbreviations that start a capitalised word.
 */
public final class SentenceSplitter {

    /** Abbreviations (lower-case, without the final period) after which a period does not end a sentence. */
    static final Set<String> ABBREVIATIONS = Set.of(
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "no",
        "nos",
        "vol",
        "fig",
        "figs",
        "eq",
        "cf",
        "vs",
        "etc",
        "approx",
        "dept",
        "est",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "u.s",
        "u.k",
        "z.b",
        "d.h",
        "u.a",
        "bzw",
        "mio",
        "mrd",
        "tsd",
        "evtl",
        "ggf",
        "inkl",
        "bzgl",
        "ca",
        "nr",
        "hr",
        "fr",
        "gen",
        "gov",
        "sen",
        "rep",
        "rev",
        "capt",
        "col",
        "lt",
        "sgt"
    );

    private SentenceSplitter() {
    }

    /**
     * The exclusive end offsets of the sentences of {@code text}, increasing, each right after its last non-space
     * character; the last is the end of the text's last non-space character.
     */
    public static int[] ends(String text) {
        BreakIterator it = BreakIterator.getSentenceInstance(Locale.ROOT);
        it.setText(text);
        List<Integer> out = new ArrayList<>();
        int start = it.first();
        for (int b = it.next(); b != BreakIterator.DONE; b = it.next()) {
            // line breaks inside the piece end sentences too
            for (int i = start; i < b; i++) {
                char c = text.charAt(i);
                if (c == '\n' || c == '\r') {
                    add(out, text, start, i);
                    start = i + 1;
                }
            }
            int end = trimEnd(text, start, b);
            if (end > start && abbreviationBefore(text, start, end) == false) {
                add(out, text, start, end);
                start = b;
            } else if (end <= start) {
                start = b;
            }
            // after an abbreviation the piece continues into the next one
        }
        add(out, text, start, text.length());
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void add(List<Integer> out, String text, int start, int end) {
        int e = trimEnd(text, start, end);
        if (e > start && (out.isEmpty() || out.get(out.size() - 1) < e)) {
            boolean blank = true;
            for (int i = start; i < e && blank; i++) {
                blank = Character.isWhitespace(text.charAt(i));
            }
            if (blank == false) {
                out.add(e);
            }
        }
    }

    private static int trimEnd(String text, int start, int end) {
        int e = end;
        while (e > start && Character.isWhitespace(text.charAt(e - 1))) {
            e--;
        }
        return e;
    }

    /** Whether the piece {@code [start, end)} ends with a period after a known abbreviation or a single initial. */
    static boolean abbreviationBefore(String text, int start, int end) {
        if (end - 1 < start || text.charAt(end - 1) != '.') {
            return false;
        }
        int w = end - 1;
        while (w > start && (Character.isLetter(text.charAt(w - 1)) || text.charAt(w - 1) == '.')) {
            w--;
        }
        String word = text.substring(w, end - 1).toLowerCase(Locale.ROOT);
        if (word.isEmpty()) {
            return false;
        }
        if (word.length() == 1 && Character.isUpperCase(text.charAt(w))) {
            return true; // an initial: "J. R. R. Tolkien"
        }
        return ABBREVIATIONS.contains(word);
    }
}
