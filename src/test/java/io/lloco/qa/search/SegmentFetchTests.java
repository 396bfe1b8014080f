/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.lucene.search.TotalHits;
import org.opensearch.action.search.MultiSearchResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.ShardSearchFailure;
import org.opensearch.common.document.DocumentField;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchHits;
import org.opensearch.search.internal.InternalSearchResponse;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.store.CompressionMode;
import io.lloco.store.StoreLayout;
import io.lloco.store.StoredDocument;
import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;

/**
 * {@link SegmentFetch#parse} reads what the processor stores through the codec ({@link StoredDocument}): summaries as
 * base64 from {@code _source}, the text, and the document's sentences; a corrupt field makes the document carry an
 * error naming it (the question skips it) instead of escaping as an exception.
 */
public class SegmentFetchTests extends OpenSearchTestCase {

    private static final StoredDocument.Header HEADER = new StoredDocument.Header(
        "m",
        "fp",
        "body",
        CompressionMode.INDEPENDENT,
        SummaryDtype.FLOAT16,
        20,
        16,
        "tokens",
        2,
        3,
        2
    );
    private static final StoreLayout LAYOUT = new StoreLayout("books", "lloco", true, false, StoreLayout.SummaryAccess.SOURCE);
    private static final RetrievedDoc DOC = new RetrievedDoc("books", "d", 1f, HEADER, List.of());

    private static byte[] block(float base) {
        return SummaryBlock.toBytes(new float[]{base, base + 1, base + 2, base + 3, base + 4, base + 5}, SummaryDtype.FLOAT16);
    }

    /** The document's {@code _source} under {@code lloco}, exactly as the processor writes it. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> storedSegments() {
        StoredDocument doc = new StoredDocument(
            HEADER,
            List.of(
                new StoredDocument.Segment(0, 0, 22, 10, "Ada walked. Bo ran.", List.of("Ada walked.", " Bo ran."), block(1)),
                new StoredDocument.Segment(1, 22, 40, 10, " Cy sat. Di stood.", null, block(-1))
            )
        );
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> s : (List<Map<String, Object>>) doc.toSource().get(StoredDocument.SEGMENTS)) {
            out.add(new LinkedHashMap<>(s));
        }
        return out;
    }

    private static SegmentFetch.Doc fetch(List<Map<String, Object>> segments) {
        return fetch(segments, Map.of("lloco", Map.of("segments", segments)));
    }

    /** Parses a response holding {@code segments} as the inner hits, and {@code rootSource} as the document's source. */
    private static SegmentFetch.Doc fetch(List<Map<String, Object>> segments, Map<String, Object> rootSource) {
        List<SearchHit> inner = new ArrayList<>();
        for (Map<String, Object> s : segments) {
            int ord = ((Number) s.get(StoredDocument.ORD)).intValue();
            Map<String, DocumentField> f = new HashMap<>();
            for (String name : List.of(StoredDocument.ORD, StoredDocument.TOKENS, StoredDocument.START, StoredDocument.END)) {
                String path = LAYOUT.segmentField(name);
                f.put(path, new DocumentField(path, List.of(((Number) s.get(name)).longValue())));
            }
            SearchHit h = new SearchHit(ord, null, new SearchHit.NestedIdentity("lloco.segments", ord, null), f, Map.of());
            Map<String, Object> src = new HashMap<>();
            for (String name : List.of(StoredDocument.TEXT, StoredDocument.SUMMARIES)) {
                if (s.containsKey(name)) {
                    src.put(name, s.get(name));
                }
            }
            h.sourceRef(json(src));
            inner.add(h);
        }
        SearchHit root = new SearchHit(0, "d", Map.of(), Map.of());
        if (rootSource != null) {
            root.sourceRef(json(rootSource));
        }
        root.setInnerHits(
            Map.of(
                "lloco.segments",
                new SearchHits(inner.toArray(SearchHit[]::new), new TotalHits(inner.size(), TotalHits.Relation.EQUAL_TO), 1)
            )
        );
        SearchHits sh = new SearchHits(new SearchHit[]{root}, new TotalHits(1, TotalHits.Relation.EQUAL_TO), 1);
        SearchResponse r = new SearchResponse(
            new InternalSearchResponse(sh, null, null, null, false, null, 1),
            null,
            1,
            1,
            0,
            1,
            ShardSearchFailure.EMPTY_ARRAY,
            SearchResponse.Clusters.EMPTY
        );
        MultiSearchResponse m = new MultiSearchResponse(new MultiSearchResponse.Item[]{new MultiSearchResponse.Item(r, null)}, 1);
        SegmentFetch.Item item = new SegmentFetch.Item(DOC, LAYOUT, List.of(0, 1), true, true, true);
        SegmentFetch.Result result = SegmentFetch.parse(List.of(item), m);
        assertEquals(1, result.docs().size());
        return result.docs().get(0);
    }

    private static BytesReference json(Map<String, Object> map) {
        try {
            return BytesReference.bytes(XContentFactory.jsonBuilder().map(map));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    public void testWhatTheProcessorStoresIsReadBack() {
        SegmentFetch.Doc d = fetch(storedSegments());
        assertNull(d.error());
        assertArrayEquals(block(1), d.segments().get(0).summaries());
        assertArrayEquals(block(-1), d.segments().get(1).summaries());
        assertEquals("Ada walked. Bo ran.", d.segments().get(0).text());
        assertEquals(new StoredDocument.SegmentMeta(1, 22, 40, 10), d.segments().get(1).meta());
        // segment 0 has its stored sentences; segment 1 none (index_sentences: false), so they are cut from its text
        List<String> s = d.sentences();
        assertEquals(s.toString(), 4, s.size());
        assertEquals(List.of("Ada walked.", " Bo ran."), s.subList(0, 2));
        assertEquals(List.of("Cy sat.", "Di stood."), List.of(s.get(2).strip(), s.get(3).strip()));
        assertEquals(List.of(0, 0, 1, 1), d.owner());
    }

    public void testCorruptFieldsAreTheDocumentsErrorNamingTheField() {
        assertError(
            s -> s.get(1).put(StoredDocument.SUMMARIES, "not base64!"),
            "[lloco.segments.summaries] of segment 1 is not valid base64"
        );
        assertError(s -> s.get(0).put(StoredDocument.SUMMARIES, 17), "[lloco.segments.summaries] of segment 0 must be a base64 string");
        assertError(s -> s.get(1).remove(StoredDocument.SUMMARIES), "[lloco.segments.summaries] of segment 1 is missing");
        assertError(s -> s.get(0).remove(StoredDocument.TEXT), "[lloco.segments.text] of segment 0 is missing");
        assertError(s -> s.get(0).put(StoredDocument.TEXT, 5), "[lloco.segments.text] must be a string, got [5]");
        assertError(
            s -> s.get(0).put(StoredDocument.SENTENCES, "Ada walked."),
            "[lloco.segments.sentences] of segment 0 must be a list of objects"
        );
        assertError(
            s -> s.get(0).put(StoredDocument.SENTENCES, List.of(Map.of("txt", "x"))),
            "[lloco.segments.sentences.text] of a sentence of segment 0 is missing"
        );
    }

    public void testTheSentencesSourceIsCheckedLikeTheCodecChecksIt() {
        // the ordinal of a segment in _source: once missing read as -1, now bounded as the doc-values reader bounds it
        List<Map<String, Object>> noOrd = storedSegments();
        List<Map<String, Object>> source = storedSegments();
        source.get(1).remove(StoredDocument.ORD);
        SegmentFetch.Doc d = fetch(noOrd, Map.of("lloco", Map.of("segments", source)));
        assertTrue(d.error(), d.error().contains("[books][d]: field [lloco.segments.ord] is missing"));
        source = storedSegments();
        source.get(1).put(StoredDocument.ORD, 7);
        d = fetch(noOrd, Map.of("lloco", Map.of("segments", source)));
        assertTrue(d.error(), d.error().contains("field [lloco.segments.ord] must be between 0 and 1, got [7]"));
        source = storedSegments();
        source.get(1).put(StoredDocument.ORD, 0);
        d = fetch(noOrd, Map.of("lloco", Map.of("segments", source)));
        assertTrue(d.error(), d.error().contains("field [lloco.segments.ord] holds segment 0 twice"));
        d = fetch(noOrd, Map.of("lloco", Map.of("segments", "x")));
        assertTrue(d.error(), d.error().contains("field [lloco.segments] must be a list of objects"));
        d = fetch(noOrd, Map.of("lloco", List.of()));
        assertTrue(d.error(), d.error().contains("field [lloco] must be an object, got a list"));
        d = fetch(noOrd, null);
        assertTrue(d.error(), d.error().contains("field [lloco.segments] is missing from _source"));
        assertTrue(d.sentences().isEmpty());
    }

    private static void assertError(Consumer<List<Map<String, Object>>> corrupt, String expected) {
        List<Map<String, Object>> s = storedSegments();
        corrupt.accept(s);
        SegmentFetch.Doc d = fetch(s);
        assertNotNull("corrupted: " + expected, d.error());
        assertTrue(d.error() + " should contain " + expected, d.error().contains("document [books][d]: field " + expected));
        assertTrue(d.segments().isEmpty());
    }
}
