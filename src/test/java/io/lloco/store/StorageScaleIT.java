/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.opensearch.action.search.MultiSearchResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.test.OpenSearchIntegTestCase.ClusterScope;
import org.opensearch.test.OpenSearchIntegTestCase.Scope;

import io.lloco.qa.LlocoQaRequest;
import io.lloco.qa.search.RetrievalSearch;
import io.lloco.qa.search.RetrievedDoc;
import io.lloco.qa.search.SegmentFetch;
import io.lloco.testing.LlocoIntegTestCase;

/**
 * A store of Llama-2-7B shape (hidden 4096, 50 summaries per segment, 22 segments of 1,536 tokens per document: 9 MB of
 * float16 summaries per document, written directly, no model needed), in the documented mapping (summaries in binary
 * doc values, out of {@code _source}) and in the alternative that keeps them in {@code _source}. A question reading 3
 * segments fetches them exactly as {@code _lloco_qa} does ({@link RetrievalSearch}, {@link SegmentFetch}); what crosses
 * from the data node is measured by serializing the responses. {@code docs/storage.md} quotes the figures logged here
 * ({@code bench/storage/run.sh} runs it with more repetitions).
 */
@ClusterScope(scope = Scope.SUITE, numDataNodes = 1, numClientNodes = 0, supportsDedicatedMasters = false)
public class StorageScaleIT extends LlocoIntegTestCase {

    public static final int HIDDEN = 4096;
    public static final int L = 50;
    public static final int SEGMENTS = 22;
    public static final int SEGMENT_TOKENS = 1536;
    public static final int DOCS = 3;
    public static final int BLOCK = L * HIDDEN * 2;

    /** The documented mapping, or one that keeps summaries in {@code _source} only. */
    @SuppressWarnings("unchecked")
    public static String mapping(boolean docValues) throws Exception {
        Map<String, Object> m = org.opensearch.common.xcontent.XContentHelper.convertToMap(
            org.opensearch.common.xcontent.json.JsonXContent.jsonXContent,
            llocoMapping(),
            true
        );
        if (docValues == false) {
            Map<String, Object> mappings = (Map<String, Object>) m.get("mappings");
            mappings.remove("_source");
            Map<String, Object> lloco = (Map<String, Object>) ((Map<String, Object>) mappings.get("properties")).get("lloco");
            Map<String, Object> segs = (Map<String, Object>) ((Map<String, Object>) lloco.get("properties")).get("segments");
            ((Map<String, Object>) segs.get("properties")).put("summaries", Map.of("type", "binary"));
        }
        return org.opensearch.core.common.bytes.BytesReference.bytes(org.opensearch.common.xcontent.XContentFactory.jsonBuilder().map(m))
            .utf8ToString();
    }

    /** Plain English-like text of about {@code tokens} tokens (4 characters a token). */
    public static String text(Random r, int tokens) {
        String[] words = {"the", "contract", "party", "shall", "deliver", "report", "meeting", "notice", "within", "days", "of",
            "agreement", "payment", "clause", "term", "section", "board", "review", "budget", "quarter"};
        StringBuilder b = new StringBuilder();
        int n = 0;
        while (b.length() < tokens * 4) {
            b.append(words[r.nextInt(words.length)]);
            b.append(++n % 14 == 0 ? ". " : " ");
        }
        return b.toString();
    }

    /** One document of 7B shape as JSON, summaries random float16 in [-1, 1]. */
    public static String document(Random r) {
        StringBuilder body = new StringBuilder();
        StringBuilder segs = new StringBuilder();
        int at = 0;
        for (int s = 0; s < SEGMENTS; s++) {
            String t = text(r, SEGMENT_TOKENS);
            float[] v = new float[L * HIDDEN];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextFloat() * 2 - 1;
            }
            if (s > 0) {
                segs.append(',');
            }
            segs.append(
                String.format(
                    Locale.ROOT,
                    "{\"ord\":%d,\"start\":%d,\"end\":%d,\"tokens\":%d,\"text\":\"%s\",\"summaries\":\"%s\"}",
                    s,
                    at,
                    at + t.length(),
                    SEGMENT_TOKENS,
                    t,
                    Base64.getEncoder().encodeToString(SummaryBlock.toBytes(v, SummaryDtype.FLOAT16))
                )
            );
            at += t.length();
            body.append(t);
        }
        return String.format(
            Locale.ROOT,
            "{\"body\":\"%s\",\"lloco\":{\"model\":\"llama-2-7b-ac\",\"fingerprint\":\"sha256:7b\",\"source_field\":\"body\","
                + "\"mode\":\"accumulate\",\"dtype\":\"float16\",\"tokens\":%d,\"segment_tokens\":%d,\"segment_boundary\":\"tokens\","
                + "\"summary_length\":%d,\"hidden\":%d,\"segment_count\":%d,\"segments\":[%s]}}",
            body,
            SEGMENTS * SEGMENT_TOKENS,
            SEGMENT_TOKENS,
            L,
            HIDDEN,
            SEGMENTS,
            segs
        );
    }

    static long wireBytes(org.opensearch.core.common.io.stream.Writeable w) throws Exception {
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            w.writeTo(out);
            return out.size();
        }
    }

    @SuppressWarnings("unchecked")
    public void testAQuestionReadingThreeSegmentsFetchesOnlyTheirSummaries() throws Exception {
        Random r = new Random(7);
        for (boolean dv : new boolean[]{true, false}) {
            String index = dv ? "store7b_dv" : "store7b_src";
            call("PUT", "/" + index, mapping(dv));
            for (int d = 0; d < DOCS; d++) {
                call("PUT", "/" + index + "/_doc/doc" + d, document(r));
            }
            call("POST", "/" + index + "/_refresh", null);
            call("POST", "/" + index + "/_forcemerge?max_num_segments=1", null);
        }
        for (boolean dv : new boolean[]{true, false}) {
            String index = dv ? "store7b_dv" : "store7b_src";
            Map<String, Object> stats = call("GET", "/" + index + "/_stats/store", null);
            long bytes = ((Number) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) stats.get("_all")).get("primaries"))
                .get("store")).get("size_in_bytes")).longValue();
            long tokens = (long) DOCS * SEGMENTS * SEGMENT_TOKENS;
            StoreLayout layout = StoreLayout.of(clusterService().state().metadata().index(index), "lloco");
            assertEquals(dv ? StoreLayout.SummaryAccess.DOC_VALUES : StoreLayout.SummaryAccess.SOURCE, layout.summaries());

            // the retrieval search: documents and their best segments, small fields only
            LlocoQaRequest q = new LlocoQaRequest(index).question("payment clause within days")
                .size(1)
                .granularity(LlocoQaRequest.Granularity.SEGMENT, 3);
            long t0 = System.nanoTime();
            SearchResponse retrieval = client().search(RetrievalSearch.build(q, true)).actionGet();
            long retrieveNanos = System.nanoTime() - t0;
            long retrievalBytes = wireBytes(retrieval);
            RetrievalSearch.Result found = RetrievalSearch.parse(retrieval, q);
            assertEquals(found.warnings().toString(), 1, found.docs().size());
            RetrievedDoc doc = found.docs().get(0);
            assertEquals(3, doc.matched().size());
            List<Integer> ords = new ArrayList<>();
            doc.matched().forEach(m -> ords.add(m.ord()));

            // the fetch: exactly those three segments' summaries
            List<SegmentFetch.Item> items = List.of(new SegmentFetch.Item(doc, layout, ords, true, false, false));
            long fetchNanos = Long.MAX_VALUE;
            long fetchBytes = 0;
            SegmentFetch.Result fetched = null;
            for (int rep = 0; rep < 3; rep++) {
                long t1 = System.nanoTime();
                MultiSearchResponse m = client().multiSearch(SegmentFetch.build(items)).actionGet();
                fetchNanos = Math.min(fetchNanos, System.nanoTime() - t1);
                fetchBytes = wireBytes(m);
                fetched = SegmentFetch.parse(items, m);
            }
            assertNull(fetched.docs().get(0).error());
            assertEquals(3L * BLOCK, fetched.summaryBytes());
            double ratio = (double) fetchBytes / (3L * BLOCK);
            logger.info(
                String.format(
                    Locale.ROOT,
                    "STORAGE %s: index %d bytes = %.1f bytes per source token; retrieval response %d bytes in %.1f ms; "
                        + "fetch of 3 segments %d bytes (%.3f x their %d summary bytes; _source %d bytes) in %.1f ms",
                    layout.summaries(),
                    bytes,
                    (double) bytes / tokens,
                    retrievalBytes,
                    retrieveNanos / 1e6,
                    fetchBytes,
                    ratio,
                    3L * BLOCK,
                    fetched.sourceBytes(),
                    fetchNanos / 1e6
                )
            );
            assertTrue("the retrieval reads small fields only: " + retrievalBytes, retrievalBytes < 16 * 1024);
            if (dv) {
                assertTrue("doc values: at most 1.1x the summary bytes cross from the data node, got " + ratio, ratio <= 1.1);
                assertEquals(0, fetched.sourceBytes());
            } else {
                // base64 in _source: a third more, and the data node parses every document's whole source
                assertTrue("_source: base64 costs a third more, got " + ratio, ratio > 1.3);
            }
        }
    }
}
