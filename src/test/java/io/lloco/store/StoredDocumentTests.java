/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.lucene.util.BytesRef;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

/** The stored form's one codec: what the processor writes reads back; what a hand-written document gets wrong is named. */
public class StoredDocumentTests extends OpenSearchTestCase {

    private static StoredDocument.Header header() {
        return new StoredDocument.Header("m", "fp", "body", CompressionMode.INDEPENDENT, SummaryDtype.FLOAT16, 20, 16, "tokens", 2, 3, 2);
    }

    @SuppressWarnings("unchecked")
    public void testWhatIsWrittenReadsBack() {
        byte[] b0 = SummaryBlock.toBytes(new float[]{1, 2, 3, 4, 5, 6}, SummaryDtype.FLOAT16);
        byte[] b1 = SummaryBlock.toBytes(new float[]{-1, -2, -3, -4, -5, -6}, SummaryDtype.FLOAT16);
        StoredDocument doc = new StoredDocument(
            header(),
            List.of(
                new StoredDocument.Segment(0, 0, 10, 12, "Ada walked.", List.of("Ada walked."), b0),
                new StoredDocument.Segment(1, 10, 20, 8, " Bo sat.", null, b1)
            )
        );
        Map<String, Object> source = doc.toSource();
        StoredDocument.Header back = StoredDocument.Header.read("[i][d]", "lloco", source::get);
        assertEquals(header(), back);
        List<Map<String, Object>> segs = (List<Map<String, Object>>) source.get("segments");
        assertEquals(List.of(Map.of("text", "Ada walked.")), segs.get(0).get("sentences"));
        assertFalse(segs.get(1).containsKey("sentences"));
        StoredDocument.SegmentMeta meta = StoredDocument.SegmentMeta.read("[i][d]", "lloco.segments", 2, segs.get(1)::get);
        assertEquals(new StoredDocument.SegmentMeta(1, 10, 20, 8), meta);
        byte[] stored = Base64.getDecoder().decode((String) segs.get(1).get("summaries"));
        StoredDocument.checkSummaries("[i][d]", "lloco.segments.summaries", 1, stored, back);
        assertArrayEquals(new float[]{-1, -2, -3, -4, -5, -6}, SummaryBlock.toFloats(stored, SummaryDtype.FLOAT16), 0f);
        // doc values hand values over as lists: the same reader takes them
        Map<String, Object> asDocValues = new HashMap<>();
        source.forEach((k, v) -> asDocValues.put(k, List.of(v)));
        assertEquals(header(), StoredDocument.Header.read("[i][d]", "lloco", asDocValues::get));
    }

    public void testEveryHeaderProblemNamesTheDocumentAndTheField() {
        Map<String, Object> ok = new StoredDocument(header(), List.of()).toSource();
        assertProblem(ok, "model", null, "[i][d]: field [lloco.model] is missing");
        assertProblem(ok, "model", 17, "field [lloco.model] must be a string, got [17]");
        assertProblem(ok, "dtype", "bfloat16", "field [lloco.dtype] must be one of [float16, float32], got [bfloat16]");
        assertProblem(ok, "mode", "sideways", "field [lloco.mode] must be one of [accumulate, independent], got [sideways]");
        assertProblem(ok, "hidden", 0, "field [lloco.hidden] must be between 1 and 65536, got [0]");
        assertProblem(ok, "hidden", "wide", "field [lloco.hidden] must be an integer, got [wide]");
        assertProblem(ok, "hidden", 2.5, "field [lloco.hidden] must be an integer, got [2.5]");
        assertProblem(ok, "summary_length", 50_000, "field [lloco.summary_length] must be between 1 and 4096, got [50000]");
        assertProblem(ok, "segment_count", -1, "field [lloco.segment_count] must be between 0 and 1000000, got [-1]");
        assertProblem(ok, "hidden", List.of(1, 2), "field [lloco.hidden] holds 2 values, expected one");
        // a block size that would be allocated before anything else is checked: refused on the declaration
        Map<String, Object> huge = new HashMap<>(ok);
        huge.put("summary_length", 4096);
        huge.put("hidden", 65_536);
        assertProblem(huge, "dtype", "float32", "over the 67108864-byte limit of one segment");
    }

    public void testSummaryBytesAreCheckedBeforeUse() {
        StoredDocument.Header h = header();
        byte[] good = SummaryBlock.toBytes(new float[]{1, 2, 3, 4, 5, 6}, SummaryDtype.FLOAT16);
        StoredDocument.checkSummaries("[i][d]", "lloco.segments.summaries", 0, good, h);
        StoredFormatException e = expectThrows(
            StoredFormatException.class,
            () -> StoredDocument.checkSummaries("[i][d]", "lloco.segments.summaries", 3, new byte[11], h)
        );
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertEquals(
            "document [i][d]: field [lloco.segments.summaries] of segment 3 holds 11 bytes, expected 12 (2 x 3 float16 values)",
            e.getMessage()
        );
        for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 70_000f}) {
            byte[] b = SummaryBlock.toBytes(new float[]{1, 2, 3, 4, bad, 6}, SummaryDtype.FLOAT16);
            e = expectThrows(StoredFormatException.class, () -> StoredDocument.checkSummaries("[i][d]", "p", 0, b, h));
            assertTrue(e.getMessage(), e.getMessage().contains("NaN or infinite value (row 1, column 1)"));
        }
        e = expectThrows(StoredFormatException.class, () -> StoredDocument.checkSummaries("[i][d]", "p", 0, null, h));
        assertTrue(e.getMessage().contains("is missing"));
        assertEquals(-1, SummaryBlock.firstNonFinite(new float[]{0, 1}));
        assertEquals(2, SummaryBlock.firstOverHalfRange(new float[]{0, 65504f, 65520f}));
    }

    /** What {@code _lloco_qa} reads of {@code _source}: summaries, text, and the segments' ordinals and sentences. */
    public void testSourceFieldsReadBackThroughTheCodec() {
        byte[] b0 = SummaryBlock.toBytes(new float[]{1, 2, 3, 4, 5, 6}, SummaryDtype.FLOAT16);
        byte[] b1 = SummaryBlock.toBytes(new float[]{-1, -2, -3, -4, -5, -6}, SummaryDtype.FLOAT16);
        StoredDocument doc = new StoredDocument(
            header(),
            List.of(
                // written out of order: read back by ordinal
                new StoredDocument.Segment(1, 10, 20, 8, "Bo sat. Cy ran.", null, b1),
                new StoredDocument.Segment(0, 0, 10, 12, "Ada walked.", List.of("Ada walked."), b0)
            )
        );
        Map<String, Object> source = Map.of("lloco", doc.toSource());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> segs = (List<Map<String, Object>>) doc.toSource().get("segments");
        assertArrayEquals(b1, StoredDocument.decodeSummaries("[i][d]", "lloco.segments.summaries", 1, segs.get(0).get("summaries")));
        assertNull("absent: checkSummaries names it", StoredDocument.decodeSummaries("[i][d]", "p", 1, null));
        assertEquals("Bo sat. Cy ran.", StoredDocument.segmentText("[i][d]", "lloco.segments", 1, segs.get(0)::get));
        List<StoredDocument.SourceSegment> read = StoredDocument.readSourceSegments("[i][d]", "lloco", 2, source);
        assertEquals(List.of(0, 1), read.stream().map(StoredDocument.SourceSegment::ord).toList());
        assertEquals(List.of("Ada walked."), read.get(0).sentenceTexts());
        assertNull(read.get(1).sentences());
        assertEquals(List.of("Bo sat.", "Cy ran."), read.get(1).sentenceTexts().stream().map(String::strip).toList());
        // a dotted target is nested objects in _source
        assertEquals(2, StoredDocument.readSourceSegments("[i][d]", "a.b", 2, Map.of("a", Map.of("b", doc.toSource()))).size());
    }

    public void testEverySourceProblemNamesTheDocumentAndTheField() {
        assertSourceProblem(
            () -> StoredDocument.decodeSummaries("[i][d]", "lloco.segments.summaries", 4, "%%%"),
            "[lloco.segments.summaries] of segment 4 is not valid base64"
        );
        assertSourceProblem(
            () -> StoredDocument.decodeSummaries("[i][d]", "lloco.segments.summaries", 4, List.of("AAAA")),
            "[lloco.segments.summaries] of segment 4 must be a base64 string, got a list"
        );
        assertSourceProblem(
            () -> StoredDocument.segmentText("[i][d]", "lloco.segments", 3, name -> null),
            "[lloco.segments.text] of segment 3 is missing"
        );
        assertSourceProblem(
            () -> StoredDocument.segmentText("[i][d]", "lloco.segments", 3, name -> 12),
            "[lloco.segments.text] must be a string, got [12]"
        );
        assertSegmentProblem(Map.of("text", "x"), "[lloco.segments.ord] is missing");
        assertSegmentProblem(Map.of("ord", 2, "text", "x"), "[lloco.segments.ord] must be between 0 and 1, got [2]");
        assertSegmentProblem(Map.of("ord", 0.5, "text", "x"), "[lloco.segments.ord] must be an integer, got [0.5]");
        assertSegmentProblem(Map.of("ord", "0", "text", "x"), "[lloco.segments.ord] must be an integer, got [0]");
        assertSegmentProblem(Map.of("ord", 0), "[lloco.segments.text] of segment 0 is missing");
        assertSegmentProblem(Map.of("ord", 0, "sentences", Map.of("text", "x")), "[lloco.segments.sentences] of segment 0 must be a list");
        assertSegmentProblem(
            Map.of("ord", 0, "sentences", List.of("x")),
            "[lloco.segments.sentences] of segment 0 must be a list of objects"
        );
        assertSegmentProblem(
            Map.of("ord", 0, "sentences", List.of(Map.of("text", 3))),
            "[lloco.segments.sentences.text] must be a string, got [3]"
        );
        assertSourceProblem(
            () -> StoredDocument.readSourceSegments("[i][d]", "lloco", 2, Map.of("lloco", Map.of("segments", List.of(1, 2)))),
            "[lloco.segments] must be a list of objects, holds [1]"
        );
        assertSourceProblem(
            () -> StoredDocument.readSourceSegments("[i][d]", "a.b", 2, Map.of("a", "flat")),
            "[a] must be an object, got a string of 4 characters"
        );
        assertSourceProblem(() -> StoredDocument.readSourceSegments("[i][d]", "lloco", 2, Map.of()), "[lloco.segments] is missing");
        assertSourceProblem(
            () -> StoredDocument.readSourceSegments(
                "[i][d]",
                "lloco",
                2,
                Map.of("lloco", Map.of("segments", List.of(Map.of("ord", 1, "text", "a"), Map.of("ord", 1, "text", "b"))))
            ),
            "[lloco.segments.ord] holds segment 1 twice"
        );
        // a document of no segments may have no segments in its source
        assertEquals(List.of(), StoredDocument.readSourceSegments("[i][d]", "lloco", 0, null));
    }

    private static void assertSegmentProblem(Map<String, Object> segment, String expected) {
        assertSourceProblem(
            () -> StoredDocument.readSourceSegments("[i][d]", "lloco", 2, Map.of("lloco", Map.of("segments", List.of(segment)))),
            expected
        );
    }

    private static void assertSourceProblem(ThrowingRunnable read, String expected) {
        StoredFormatException e = expectThrows(StoredFormatException.class, read);
        assertTrue(e.getMessage() + " should contain " + expected, e.getMessage().contains("document [i][d]: field " + expected));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
    }

    /** The fetch sub-phase reads the one value of a binary doc-values entry exactly as the binary field mapper writes it. */
    public void testBinaryDocValuesEntryDecodes() throws Exception {
        byte[] value = new byte[]{1, 2, 3, (byte) 200};
        BytesStreamOutput out = new BytesStreamOutput();
        out.writeVInt(1);
        out.writeVInt(value.length);
        out.writeBytes(value);
        assertArrayEquals(value, SummaryFetchSubPhase.single(out.bytes().toBytesRef()));
        BytesStreamOutput two = new BytesStreamOutput();
        two.writeVInt(2);
        two.writeVInt(1);
        two.writeByte((byte) 1);
        two.writeVInt(1);
        two.writeByte((byte) 2);
        assertNull("several values are not a segment's summaries", SummaryFetchSubPhase.single(two.bytes().toBytesRef()));
        BytesStreamOutput lying = new BytesStreamOutput();
        lying.writeVInt(1);
        lying.writeVInt(1_000_000);
        assertNull(SummaryFetchSubPhase.single(lying.bytes().toBytesRef()));
        assertNull(SummaryFetchSubPhase.single(new BytesRef(new byte[]{0})));
    }

    private static void assertProblem(Map<String, Object> base, String field, Object value, String expected) {
        Map<String, Object> m = new HashMap<>(base);
        if (value == null) {
            m.remove(field);
        } else {
            m.put(field, value);
        }
        StoredFormatException e = expectThrows(StoredFormatException.class, () -> StoredDocument.Header.read("[i][d]", "lloco", m::get));
        assertTrue(e.getMessage() + " should contain " + expected, e.getMessage().contains(expected));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
    }
}
