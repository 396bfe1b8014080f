/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.List;

import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.decode.DecodeOptions;

public class LlocoQaRequestTests extends OpenSearchTestCase {

    private static LlocoQaRequest parse(String json) throws Exception {
        try (
            XContentParser p = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY,
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                json
            )) {
            return LlocoQaRequest.parse(p, "books");
        }
    }

    /** Every body field survives the transport wire (a request forwarded to another node asks the same question). */
    public void testWireRoundTripKeepsEveryField() throws Exception {
        LlocoQaRequest r = parse(
            "{\"question\":\"Where?\",\"doc_ids\":[\"b1\",\"b2\"],\"granularity\":\"segment\",\"top_segments\":3,"
                + "\"max_summary_positions\":64,\"sentence_boost\":0.5,\"match_choices\":false,\"target_field\":\"lz\",\"template\":\"quality\",\"choices\":[\"x\",\"y\"],"
                + "\"choice_mode\":\"rank\",\"max_new_tokens\":7,\"temperature\":0.5,\"top_p\":0.9,\"seed\":42,"
                + "\"stop\":[\"\\n\"],\"adapter\":\"a1\",\"mode\":\"full_context\"}"
        );
        assertNull(r.validate());
        BytesStreamOutput out = new BytesStreamOutput();
        r.writeTo(out);
        LlocoQaRequest back = new LlocoQaRequest(out.bytes().streamInput());
        assertEquals("Where?", back.question());
        assertEquals(List.of("b1", "b2"), back.docIds());
        assertEquals(LlocoQaRequest.Granularity.SEGMENT, back.granularity());
        assertEquals(3, back.topSegments());
        assertEquals(Integer.valueOf(64), back.maxSummaryPositions());
        assertEquals("lz", back.targetField());
        assertEquals(0.5, back.sentenceBoost(), 0.0);
        assertFalse(back.matchChoices());
        LlocoQaRequest cands = parse("{\"question\":\"q\",\"granularity\":\"segment\",\"answer_candidates\":3}");
        assertNull(cands.validate());
        BytesStreamOutput out2 = new BytesStreamOutput();
        cands.writeTo(out2);
        assertEquals(3, new LlocoQaRequest(out2.bytes().streamInput()).answerCandidates());
        LlocoQaRequest beams = parse("{\"question\":\"q\",\"granularity\":\"segment\",\"answer_beams\":4}");
        assertNull(beams.validate());
        BytesStreamOutput out3 = new BytesStreamOutput();
        beams.writeTo(out3);
        LlocoQaRequest beamsBack = new LlocoQaRequest(out3.bytes().streamInput());
        assertEquals(4, beamsBack.answerBeams());
        assertEquals(4, beamsBack.options().beams());
        assertEquals(1, r.options().beams());
        LlocoQaRequest more = parse("{\"question\":\"q\",\"granularity\":\"segment\",\"answer_candidates\":3,\"answer_candidates_max\":6}");
        assertNull(more.validate());
        BytesStreamOutput out4 = new BytesStreamOutput();
        more.writeTo(out4);
        assertEquals(6, new LlocoQaRequest(out4.bytes().streamInput()).answerCandidatesMax());
        // unset: as many as answer_candidates
        assertEquals(3, cands.answerCandidatesMax());
        assertEquals("Where?", back.matchText());
        assertEquals(r.options(), back.options());
        assertEquals(DecodeOptions.ChoiceMode.RANK, back.options().choiceMode());
        assertEquals(DecodeOptions.Mode.FULL_CONTEXT, back.options().mode());
        assertEquals(List.of("x", "y"), back.options().choices());
        // defaults
        LlocoQaRequest d = parse("{\"question\":\"q\"}");
        assertEquals(DecodeOptions.ChoiceMode.GENERATE, d.options().choiceMode());
        assertEquals(LlocoQaRequest.MAX_TOP_SEGMENTS, d.topSegments());
        assertEquals(LlocoQaRequest.DEFAULT_SENTENCE_BOOST, d.sentenceBoost(), 0.0);
        assertTrue(d.matchChoices());
        assertEquals("q", d.matchText());
        assertEquals("Who? Ada Bo", parse("{\"question\":\"Who?\",\"choices\":[\"Ada\",\"Bo\"]}").matchText());
        // the offline evaluator (lloco eval) retrieves with the plugin's default
        assertEquals(LlocoQaRequest.DEFAULT_SENTENCE_BOOST, io.lloco.train.SegmentRetriever.DEFAULT_SENTENCE_BOOST, 0.0);
    }

    /** Bad combinations are validation errors naming the field. */
    public void testValidationNamesTheField() throws Exception {
        for (String[] c : new String[][]{
            {"\"granularity\":\"segment\",\"answer_candidates\":3,\"answer_candidates_max\":2",
                "[answer_candidates_max] must be between [answer_candidates] (3) and 16"},
            {"\"granularity\":\"segment\",\"answer_candidates_max\":17", "[answer_candidates_max] must be between"},
            {"\"answer_candidates_max\":2", "[answer_candidates_max] needs [granularity]"},
            {"\"granularity\":\"segment\",\"answer_candidates_max\":2,\"choices\":[\"a\"]",
                "[answer_candidates_max] applies to free-form"}}) {
            String msg = parse("{\"question\":\"q\"," + c[0] + "}").validate().getMessage();
            assertTrue(msg, msg.contains(c[1]));
        }
        for (int bad : new int[]{0, 9}) {
            String msg = parse("{\"question\":\"q\",\"granularity\":\"segment\",\"answer_beams\":" + bad + "}").validate().getMessage();
            assertTrue(msg, msg.contains("[answer_beams] must be between 1 and 8"));
        }
        for (String[] c : new String[][]{
            {"", "[answer_beams] needs [granularity]"},
            {",\"granularity\":\"segment\",\"choices\":[\"a\"]", "[answer_beams] applies to free-form questions"},
            {",\"granularity\":\"segment\",\"temperature\":0.5", "set [temperature] to 0"},
            {",\"granularity\":\"segment\",\"mode\":\"full_context\"", "applies to [mode] [lloco]"}}) {
            String msg = parse("{\"question\":\"q\",\"answer_beams\":2" + c[0] + "}").validate().getMessage();
            assertTrue(msg, msg.contains(c[1]));
        }
        assertTrue(parse("{\"question\":\"q\",\"choice_mode\":\"rank\"}").validate().getMessage().contains("[choice_mode] is [rank]"));
        assertTrue(parse("{\"question\":\"q\",\"choice_mode\":\"cloze\"}").validate().getMessage().contains("[choice_mode] is [cloze]"));
        assertEquals(
            DecodeOptions.ChoiceMode.CLOZE,
            parse("{\"question\":\"q\",\"choices\":[\"a\"],\"choice_mode\":\"cloze\"}").options().choiceMode()
        );
        assertTrue(parse("{\"question\":\"q\",\"top_segments\":2}").validate().getMessage().contains("[top_segments] needs [granularity]"));
        assertTrue(
            parse("{\"question\":\"q\",\"granularity\":\"segment\",\"top_segments\":101}").validate()
                .getMessage()
                .contains("[top_segments] must be between 1 and 100")
        );
        for (String bad : List.of("-1", "100.5")) {
            String msg = parse("{\"question\":\"q\",\"sentence_boost\":" + bad + "}").validate().getMessage();
            assertTrue(msg, msg.contains("[sentence_boost] must be between 0 and 100"));
        }
        assertNull(parse("{\"question\":\"q\",\"sentence_boost\":0}").validate());
        for (String bad : List.of("0", "17")) {
            String msg = parse("{\"question\":\"q\",\"granularity\":\"segment\",\"answer_candidates\":" + bad + "}").validate()
                .getMessage();
            assertTrue(msg, msg.contains("[answer_candidates] must be between 1 and 16"));
        }
        assertTrue(
            parse("{\"question\":\"q\",\"answer_candidates\":2}").validate().getMessage()
                .contains("[answer_candidates] needs [granularity]")
        );
        assertTrue(
            parse("{\"question\":\"q\",\"granularity\":\"segment\",\"answer_candidates\":2,\"choices\":[\"a\"]}").validate()
                .getMessage()
                .contains("[answer_candidates] applies to free-form questions")
        );
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> parse("{\"question\":\"q\",\"choices\":[\"a\"],\"choice_mode\":\"vote\"}")
        );
        String msg = e.getMessage() + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
        assertTrue(msg, msg.contains("[choice_mode] must be one of [generate, rank, cloze]"));
    }

    /** Was: {@code "size": 1.5} read 1 document, {@code "seed": 2.5} seeded 2; integers are now whole or a 400 naming the field. */
    public void testFractionalIntegersAreRefusedNamingTheField() {
        for (String f : new String[]{"size", "max_new_tokens", "top_segments", "answer_candidates", "answer_beams", "max_summary_positions",
            "seed"}) {
            Exception e = expectThrows(Exception.class, () -> parse("{\"question\":\"q\",\"" + f + "\":1.5}"));
            assertTrue(f + ": " + e.getMessage(), e.getMessage().contains("[" + f + "]"));
            assertTrue(
                f + ": " + org.opensearch.ExceptionsHelper.stackTrace(e),
                org.opensearch.ExceptionsHelper.stackTrace(e).contains("whole number")
            );
        }
        Exception str = expectThrows(Exception.class, () -> parse("{\"question\":\"q\",\"size\":\"2.5\"}"));
        assertTrue(str.getMessage(), str.getMessage().contains("[size]"));
    }

    public void testWholeNumbersAsNumbersOrStringsStillParse() throws Exception {
        LlocoQaRequest r = parse("{\"question\":\"q\",\"size\":3.0,\"max_new_tokens\":\"8\",\"seed\":9007199254740993}");
        assertEquals(3, r.size());
        assertEquals(8, r.options().maxNewTokens());
        assertEquals(9007199254740993L, r.options().seed());
    }

    /** Was: a 404 quoting the whole 100,000-character name, or a bare "Nul character not allowed" not naming the field. */
    public void testAdapterMustBeOneFolderName() throws Exception {
        for (String bad : new String[]{"../../etc", "a/b", "a\\\\b", "..", "a\\u0000b", "x".repeat(300)}) {
            LlocoQaRequest r = parse("{\"question\":\"q\",\"adapter\":\"" + bad + "\"}");
            var e = r.validate();
            assertNotNull(bad, e);
            assertTrue(e.getMessage(), e.getMessage().contains("Field [adapter]"));
            assertTrue(e.getMessage(), e.getMessage().length() < 400);
        }
        assertNull(parse("{\"question\":\"q\",\"adapter\":\"none\"}").validate());
    }

    public void testTargetFieldMustBeAnOrdinaryFieldPathQuotedClipped() throws Exception {
        for (String bad : new String[]{"_source", "a._b", ".a", "a.", "a..b", "x".repeat(100_000)}) {
            var e = parse("{\"question\":\"q\",\"target_field\":\"" + bad + "\"}").validate();
            assertNotNull(bad, e);
            assertTrue(e.getMessage(), e.getMessage().contains("Field [target_field]") && e.getMessage().length() < 400);
        }
    }
}
