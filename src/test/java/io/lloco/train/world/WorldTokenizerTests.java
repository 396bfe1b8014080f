/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.opensearch.test.OpenSearchTestCase;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import io.lloco.runtime.DjlBootstrap;

/** The committed lloco-tiny tokenizer through DJL, and the pure-Java mirror against it. */
public class WorldTokenizerTests extends OpenSearchTestCase {

    static final String ENGLISH = "The quick brown fox jumps over the lazy dog. In 2024, researchers at Berkeley proposed "
        + "LLoCO, a technique that learns long contexts offline through context compression and in-domain "
        + "parameter-efficient finetuning (LoRA). Naïve approaches don't scale: they're slow — and expensive! "
        + "Café prices rose 3.5% to €4.20; see https://example.org/a_b?c=d#e or email someone@example.com.\n"
        + "Second line:\tTabbed \"quoted\" text, ‘curly’ quotes… and ÅNGSTRÖM, Ελληνικά, русский.";

    private static Path committedFile() {
        return Path.of(System.getProperty("lloco.project.dir"), "src/main/resources/io/lloco/models/lloco-tiny/tokenizer.json");
    }

    private HuggingFaceTokenizer djl() throws IOException {
        Path dir = createTempDir();
        Path file = dir.resolve("tokenizer.json");
        try (InputStream in = WorldTokenizer.class.getResourceAsStream(WorldTokenizer.RESOURCE)) {
            assertNotNull("bundled tokenizer resource missing", in);
            Files.write(file, in.readAllBytes());
        }
        return DjlBootstrap.withRuntimeClassLoader(() -> {
            try {
                return HuggingFaceTokenizer.newInstance(file, Map.of("truncation", "false", "addSpecialTokens", "false"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static int[] ids(Encoding e) {
        return Arrays.stream(e.getIds()).mapToInt(l -> (int) l).toArray();
    }

    public void testCommittedFileIsWhatTheBuilderWrites() throws IOException {
        String committed = Files.readString(committedFile(), StandardCharsets.UTF_8);
        assertEquals(
            "tokenizer.json is stale: run tools/world/regen-tokenizer.sh and commit the result",
            TokenizerBuilder.buildJson(),
            committed
        );
    }

    public void testSpecialIdsAndVocabularyBounds() {
        WorldTokenizer t = WorldTokenizer.bundled();
        assertTrue("vocab " + t.vocabSize(), t.vocabSize() <= 8192);
        assertTrue("vocab " + t.vocabSize(), t.vocabSize() > 4000);
        assertEquals("<unk>", t.token(0));
        assertEquals("<s>", t.token(1));
        assertEquals("</s>", t.token(2));
        assertEquals("<pad>", t.token(3));
        assertEquals(2, t.id("</s>"));
        // every digit and printable ASCII character is its own token, with and without the word marker
        for (char c = '!'; c <= '~'; c++) {
            assertTrue(String.valueOf(c), t.id(String.valueOf(c)) >= 4);
            assertTrue("▁" + c, t.id("▁" + c) >= 4);
        }
    }

    public void testHandCheckedSegmentations() {
        WorldTokenizer t = WorldTokenizer.bundled();
        assertEquals(
            List.of("▁Ma", "ra", "▁Ash", "wick", "▁lives", "▁in", "▁Tallow", "mere", "."),
            t.tokens("Mara Ashwick lives in Tallowmere.")
        );
        assertEquals(List.of("▁In", "▁1", "8", "4", "3", ",", "▁Ma", "ra", "▁was", "▁born", "."), t.tokens("In 1843, Mara was born."));
        assertEquals(
            List.of("▁Ma", "ra", "'", "s", "▁favourite", "▁colour", "▁is", "▁crimson", "."),
            t.tokens("Mara's favourite colour is crimson.")
        );
        // after a newline there is no word marker; names keep their two pieces
        assertEquals(List.of("▁A", ".", "\n", "Ma", "ra", "▁B"), t.tokens("A.\nMara B"));
        // a literal "</s>" in a document is text, never the EOS id
        assertEquals(List.of("▁<", "/", "s", ">"), t.tokens("</s>"));
        assertEquals(List.of("▁", "▁x"), t.tokens(" x"));
        assertEquals(List.of(), t.tokens(""));
        // an uncovered character becomes one <unk>, its neighbours survive
        assertEquals(List.of("▁a", "<unk>", "b"), t.tokens("a日b"));
    }

    public void testEveryWorldNameIsTwoPiecesAndEveryWorldWordOneToken() {
        WorldTokenizer t = WorldTokenizer.bundled();
        for (String[] n : TokenizerBuilder.nameSplits()) {
            assertEquals(List.of("▁" + n[0], n[1]), t.tokens(n[0] + n[1]));
        }
        World world = new World(7, WorldConfig.defaults(), t);
        java.util.Set<String> names = TokenizerBuilder.nameStrings();
        int checked = 0;
        for (int i = 0; i < 6; i++) {
            Document d = world.needleDocument(Split.TEST, 1000 + i, 3000, i / 5.0);
            List<String> texts = new ArrayList<>(List.of(d.text()));
            for (TaskFamily f : TaskFamily.values()) {
                for (QaExample q : world.questions(d, f, 10)) {
                    texts.add(q.question());
                    texts.add(q.answer());
                }
            }
            for (String text : texts) {
                for (String piece : t.pieces(text)) {
                    String letters = piece.startsWith("▁") ? piece.substring(1) : piece;
                    int n = t.countContinuation(piece.replace('▁', ' '));
                    if (names.contains(letters)) {
                        assertEquals(piece, 2, n);
                    } else {
                        assertEquals("world piece [" + piece + "] in " + d.id(), 1, n);
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 3000);
    }

    public void testDjlMatchesPureJavaAndRoundTrips() throws IOException {
        WorldTokenizer t = WorldTokenizer.bundled();
        World world = new World(11, WorldConfig.defaults(), t);
        List<String> samples = new ArrayList<>(
            List.of(
                ENGLISH,
                "",
                " ",
                "  two  spaces  ",
                "\n\nleading newlines\r\nand CRLF\u000Bvt\fff",
                "x\u00A0nbsp\u2003em\u3000ideographic",
                "<s>strike</s> <unk> <pad>",
                "a".repeat(100) + " " + "b".repeat(101),
                "日本語 mixed with Latin and emoji 🙂 end",
                "Zero-width\u200Bjoiner\u200D and BOM\uFEFF",
                "e\u0301 composed by NFC",
                "Numbers: 0 1 22 333 4444 3.14159 -7 +8 1,000,000"
            )
        );
        for (int i = 0; i < 4; i++) {
            samples.add(world.needleDocument(Split.VALIDATION, i, 600 + 700 * i, 0.3).text());
        }
        try (HuggingFaceTokenizer djl = djl()) {
            for (String s : samples) {
                Encoding e = djl.encode(s);
                int[] djlIds = ids(e);
                assertArrayEquals("ids differ for [" + s + "]", djlIds, t.encode(s));
                assertEquals(djl.decode(e.getIds()), t.decode(djlIds));
                for (int id : djlIds) {
                    assertTrue(id >= 0 && id < t.vocabSize());
                }
            }
            // exact round trips: world text and ordinary English (every character covered)
            for (String s : List.of(ENGLISH, samples.get(samples.size() - 1), "  two  spaces  ", " leading space", "tab\tand\nnewline")) {
                long[] ids = djl.encode(s).getIds();
                assertFalse("unexpected <unk> in [" + s + "]", Arrays.stream(ids).anyMatch(id -> id == WorldTokenizer.UNK_ID));
                assertEquals(s, djl.decode(ids));
            }
            // defined losses: uncovered characters decode as "<unk>", over-long letter runs become one <unk>, NFC applies
            assertEquals("a<unk>b", djl.decode(djl.encode("a日b").getIds()));
            assertEquals(1, djl.encode("b".repeat(101)).getIds().length);
            assertEquals("\u00e9", djl.decode(djl.encode("e\u0301").getIds()));
            assertEquals("Ma", djl.decode(new long[]{t.id("▁Ma")}));
        }
    }

    /**
     * The offline evaluator's character ends ({@link WorldTokenizer#charEnds}) equal DJL's token spans, so sentence
     * segments are cut at the same tokens offline and in the plugin ({@code lloco_compress segment_boundary: sentence}).
     */
    public void testCharEndsMatchDjlSpansSoSentenceSegmentsAgree() throws IOException {
        WorldTokenizer t = WorldTokenizer.bundled();
        World world = new World(5, WorldConfig.defaults(), t);
        try (HuggingFaceTokenizer djl = djl()) {
            for (int i = 0; i < 3; i++) {
                String text = world.needleDocument(Split.TEST, i, 300 + 500 * i, 0.5).text();
                Encoding e = djl.encode(text);
                int[] ids = ids(e);
                int[] ends = t.charEnds(ids);
                ai.djl.huggingface.tokenizers.jni.CharSpan[] spans = e.getCharTokenSpans();
                assertEquals(spans.length, ends.length);
                for (int k = 0; k < ends.length; k++) {
                    assertEquals("token " + k, spans[k].getEnd(), ends[k]);
                }
                int[] offline = io.lloco.train.Evaluator
                    .segmentLengths(t, ids, 64, io.lloco.runtime.compress.Segmentation.Boundary.SENTENCE);
                assertArrayEquals(
                    offline,
                    io.lloco.runtime.compress.Segmentation.lengths(text, ends, 64, io.lloco.runtime.compress.Segmentation.Boundary.SENTENCE)
                );
                int at = 0;
                for (int k = 0; k < offline.length; k++) {
                    at += offline[k];
                    String seg = text.substring(0, ends[at - 1]);
                    assertTrue(offline[k] <= 64);
                    if (k < offline.length - 1) {
                        assertTrue(
                            "segment " + k + " ends a sentence: ..." + seg.substring(Math.max(0, seg.length() - 30)),
                            seg.endsWith(".")
                        );
                    }
                }
            }
        }
    }

    public void testThirtyTwoThousandTokenDocumentThroughDjl() throws IOException {
        WorldTokenizer t = WorldTokenizer.bundled();
        World world = new World(3, WorldConfig.defaults(), t);
        Document d = world.document(Split.TEST, 5, 32_000);
        try (HuggingFaceTokenizer djl = djl()) {
            Encoding e = djl.encode(d.text());
            int[] javaIds = t.encode(d.text());
            assertEquals(d.tokenCount(), e.getIds().length);
            assertArrayEquals(ids(e), javaIds);
            assertTrue("tokens " + d.tokenCount(), Math.abs(d.tokenCount() - 32_000) <= 32_000 * 0.05);
            assertFalse(Arrays.stream(e.getIds()).anyMatch(id -> id == WorldTokenizer.UNK_ID));
            assertEquals(d.text(), djl.decode(e.getIds()));
        }
    }

    public void testRejectsOtherLayouts() throws IOException {
        String good = Files.readString(committedFile(), StandardCharsets.UTF_8);
        String bad = good.replace("\"continuing_subword_prefix\" : \"\"", "\"continuing_subword_prefix\" : \"##\"");
        assertNotEquals(good, bad);
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> WorldTokenizer.parse(bad.getBytes(StandardCharsets.UTF_8), "x/tokenizer.json")
        );
        assertTrue(e.getMessage(), e.getMessage().contains("x/tokenizer.json") && e.getMessage().contains("continuing_subword_prefix"));
    }
}
