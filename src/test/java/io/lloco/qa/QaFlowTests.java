/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.lucene.search.TotalHits;
import org.opensearch.ExceptionsHelper;
import org.opensearch.action.search.MultiSearchRequest;
import org.opensearch.action.search.MultiSearchResponse;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.ShardSearchFailure;
import org.opensearch.common.document.DocumentField;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.index.shard.ShardId;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.query.BoolQueryBuilder;
import org.opensearch.index.query.IdsQueryBuilder;
import org.opensearch.index.query.NestedQueryBuilder;
import org.opensearch.index.query.TermsQueryBuilder;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchHits;
import org.opensearch.search.SearchShardTarget;
import org.opensearch.search.internal.InternalSearchResponse;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;
import io.lloco.decode.DecodeRequest;
import io.lloco.decode.DecodeResponse;
import io.lloco.decode.TemplateSource;
import io.lloco.decode.WindowRequest;
import io.lloco.decode.WindowResponse;
import io.lloco.store.StoreLayout;
import io.lloco.store.SummaryBlock;
import io.lloco.store.SummaryDtype;
import io.lloco.store.SummaryFetchExt;

/**
 * A question's steps over a fake node: unreadable documents are skipped with a warning naming the document and the
 * field while the others answer; nothing usable is a 4xx; the window is applied before the fetch, which asks for
 * exactly the segments that fit; what does not fit is counted (or a 400 with {@code truncate: false}); the memory
 * reserved is released whatever happens.
 */
public class QaFlowTests extends OpenSearchTestCase {

    private static final int L = 2;
    private static final int HIDDEN = 4;
    private static final String MODEL = "m";

    /** A stored document of the fake index: header fields (as doc values hold them) and per-segment summary bytes. */
    static final class Doc {

        final String id;
        final Map<String, Object> header = new LinkedHashMap<>();
        final List<byte[]> summaries = new ArrayList<>();
        final List<float[]> matched = new ArrayList<>(); // {ord, score}: the segment hits of the retrieval search
        final List<String> texts = new ArrayList<>();

        Doc(String id, int segments) {
            this.id = id;
            header.put("model", MODEL);
            header.put("fingerprint", "fp");
            header.put("mode", "accumulate");
            header.put("dtype", "float16");
            header.put("summary_length", (long) L);
            header.put("hidden", (long) HIDDEN);
            header.put("segment_count", (long) segments);
            header.put("tokens", 10L * segments);
            for (int s = 0; s < segments; s++) {
                float[] v = new float[L * HIDDEN];
                Arrays.fill(v, s + 0.5f);
                summaries.add(SummaryBlock.toBytes(v, SummaryDtype.FLOAT16));
                texts.add("Segment " + s + " says nothing.");
            }
        }

        Doc set(String field, Object value) {
            if (value == null) {
                header.remove(field);
            } else {
                header.put(field, value);
            }
            return this;
        }
    }

    /** The fake node. */
    static final class Backend implements QaBackend {

        final List<Doc> docs = new ArrayList<>();
        final List<Map<String, List<Object>>> fetched = new ArrayList<>();
        final List<DecodeRequest> decodes = new ArrayList<>();
        final List<WindowRequest> windows = new ArrayList<>();
        List<String> windowWarnings = List.of();
        final List<String> sentencesFetched = new ArrayList<>();
        final Map<Integer, String> answers = new HashMap<>(); // by the ord a read's summaries encode
        final List<Long> reserved = new ArrayList<>();
        int released;
        int budget = 100;
        Exception decodeFailure;

        @Override
        public void search(SearchRequest request, ActionListener<SearchResponse> listener) {
            List<SearchHit> hits = new ArrayList<>();
            int n = 0;
            for (Doc d : docs) {
                Map<String, DocumentField> fields = new HashMap<>();
                d.header.forEach((k, v) -> fields.put("lloco." + k, new DocumentField("lloco." + k, List.of(v))));
                SearchHit h = new SearchHit(n++, d.id, fields, Map.of());
                h.shard(new SearchShardTarget("n", new ShardId("books", "_na_", 0), null, null));
                h.score(10 - n);
                if (d.matched.isEmpty() == false) {
                    List<SearchHit> inner = new ArrayList<>();
                    for (float[] m : d.matched) {
                        int ord = (int) m[0];
                        Map<String, DocumentField> f = new HashMap<>();
                        f.put("lloco.segments.ord", new DocumentField("lloco.segments.ord", List.of((long) ord)));
                        f.put("lloco.segments.tokens", new DocumentField("lloco.segments.tokens", List.of(10L)));
                        SearchHit ih = new SearchHit(ord, null, new SearchHit.NestedIdentity("lloco.segments", ord, null), f, Map.of());
                        ih.score(m[1]);
                        inner.add(ih);
                    }
                    h.setInnerHits(
                        Map.of(
                            "lloco.segments",
                            new SearchHits(inner.toArray(SearchHit[]::new), new TotalHits(inner.size(), TotalHits.Relation.EQUAL_TO), 1)
                        )
                    );
                }
                hits.add(h);
            }
            listener.onResponse(response(hits));
        }

        @Override
        public void multiSearch(MultiSearchRequest request, ActionListener<MultiSearchResponse> listener) {
            List<MultiSearchResponse.Item> items = new ArrayList<>();
            Map<String, List<Object>> asked = new LinkedHashMap<>();
            for (SearchRequest r : request.requests()) {
                BoolQueryBuilder q = (BoolQueryBuilder) r.source().query();
                String id = ((IdsQueryBuilder) q.filter().get(0)).ids().iterator().next();
                NestedQueryBuilder nested = (NestedQueryBuilder) q.filter().get(1);
                List<Object> ords = ((TermsQueryBuilder) nested.query()).values();
                asked.put(id, ords);
                assertNotNull("summaries are read through the fetch sub-phase", r.source().ext());
                assertTrue(r.source().ext().get(0) instanceof SummaryFetchExt);
                Doc d = docs.stream().filter(x -> x.id.equals(id)).findFirst().orElseThrow();
                List<SearchHit> inner = new ArrayList<>();
                for (Object o : ords) {
                    int ord = ((Number) o).intValue();
                    Map<String, DocumentField> f = new HashMap<>();
                    f.put("lloco.segments.ord", new DocumentField("lloco.segments.ord", List.of((long) ord)));
                    f.put("lloco.segments.tokens", new DocumentField("lloco.segments.tokens", List.of(10L)));
                    f.put("lloco.segments.start", new DocumentField("lloco.segments.start", List.of(ord * 40L)));
                    f.put("lloco.segments.end", new DocumentField("lloco.segments.end", List.of(ord * 40L + 40)));
                    if (ord < d.summaries.size() && d.summaries.get(ord) != null) {
                        f.put(SummaryFetchExt.HIT_FIELD, new DocumentField(SummaryFetchExt.HIT_FIELD, List.of(d.summaries.get(ord))));
                    }
                    inner.add(new SearchHit(ord, null, new SearchHit.NestedIdentity("lloco.segments", ord, null), f, Map.of()));
                }
                SearchHit root = new SearchHit(0, d.id, Map.of(), Map.of());
                root.shard(new SearchShardTarget("n", new ShardId("books", "_na_", 0), null, null));
                if (r.source().fetchSource() != null && r.source().fetchSource().fetchSource()) {
                    sentencesFetched.add(id);
                    List<Map<String, Object>> segs = new ArrayList<>();
                    for (int o = 0; o < d.texts.size(); o++) {
                        segs.add(Map.of("ord", o, "text", d.texts.get(o), "sentences", List.of(Map.of("text", d.texts.get(o)))));
                    }
                    try {
                        root.sourceRef(
                            org.opensearch.core.common.bytes.BytesReference.bytes(
                                org.opensearch.common.xcontent.XContentFactory.jsonBuilder().map(Map.of("lloco", Map.of("segments", segs)))
                            )
                        );
                    } catch (java.io.IOException e) {
                        throw new AssertionError(e);
                    }
                }
                root.setInnerHits(
                    Map.of(
                        "lloco.segments",
                        new SearchHits(inner.toArray(SearchHit[]::new), new TotalHits(inner.size(), TotalHits.Relation.EQUAL_TO), 1)
                    )
                );
                items.add(new MultiSearchResponse.Item(response(List.of(root)), null));
            }
            fetched.add(asked);
            listener.onResponse(new MultiSearchResponse(items.toArray(MultiSearchResponse.Item[]::new), 1));
        }

        private static SearchResponse response(List<SearchHit> hits) {
            SearchHits sh = new SearchHits(hits.toArray(SearchHit[]::new), new TotalHits(hits.size(), TotalHits.Relation.EQUAL_TO), 1);
            return new SearchResponse(
                new InternalSearchResponse(sh, null, null, null, false, null, 1),
                null,
                1,
                1,
                0,
                1,
                ShardSearchFailure.EMPTY_ARRAY,
                SearchResponse.Clusters.EMPTY
            );
        }

        @Override
        public void window(WindowRequest request, ActionListener<WindowResponse> listener) {
            windows.add(request);
            // the lloco node renders the prompt: here, which template and question it was given
            String prompt = "rendered[" + request.template() + "|" + request.templateSource() + "] " + request.question();
            listener.onResponse(
                new WindowResponse("fp", L, HIDDEN, 512, 5, budget, prompt, "qmsum", TemplateSource.ADAPTER, windowWarnings)
            );
        }

        @Override
        public void decode(DecodeRequest request, ActionListener<DecodeResponse> listener) {
            decodes.add(request);
            if (decodeFailure != null) {
                listener.onFailure(decodeFailure);
                return;
            }
            List<DecodeResponse.ReadResult> reads = new ArrayList<>();
            for (DecodeRequest.Read r : request.reads()) {
                int blocks = r.blocks().size();
                int ord = blocks == 0 ? -1 : (int) SummaryBlock.toFloats(r.blocks().get(0).bytes(), SummaryDtype.FLOAT16)[0];
                String answer = answers.getOrDefault(ord, "read " + blocks);
                reads.add(
                    new DecodeResponse.ReadResult(
                        answer, "eos", blocks * L, blocks, 0, 0, 1, blocks * L + 5, 1, 1, new double[0], null, null
                    )
                );
            }
            listener.onResponse(new DecodeResponse("lloco-0", null, "fp", 5, 0, 1, reads));
        }

        @Override
        public void fork(Runnable step) {
            step.run();
        }

        @Override
        public Releasable reserve(long bytes) {
            reserved.add(bytes);
            return () -> released++;
        }
    }

    private static Object ask(Backend b, LlocoQaRequest r) {
        return ask(b, r, null, null, null);
    }

    private static Object ask(Backend b, LlocoQaRequest r, String template, TemplateSource source, String adapter) {
        AtomicReference<Object> out = new AtomicReference<>();
        Map<String, StoreLayout> layouts = Map
            .of("books", new StoreLayout("books", "lloco", false, false, StoreLayout.SummaryAccess.DOC_VALUES));
        new QaFlow(r, template, source, adapter, layouts, "lloco-tiny", b, List.of(), ActionListener.wrap(out::set, out::set)).start();
        assertNotNull("the question completed", out.get());
        return out.get();
    }

    private static LlocoQaRequest question(int size) {
        return new LlocoQaRequest("books").question("Where?").size(size);
    }

    private static LlocoQaResponse answered(Object o) {
        if (o instanceof Exception e) {
            throw new AssertionError("expected an answer, got " + e, e);
        }
        return (LlocoQaResponse) o;
    }

    public void testUnreadableDocumentsAreSkippedWithAWarningAndTheOthersAnswer() {
        Backend b = new Backend();
        b.docs.add(new Doc("huge", 2).set("summary_length", 50_000L).set("hidden", 10_000L));
        b.docs.add(new Doc("no-hidden", 2).set("hidden", null));
        b.docs.add(new Doc("bad-dtype", 2).set("dtype", "bfloat16"));
        b.docs.add(new Doc("other-width", 2).set("hidden", 8L));
        Doc nan = new Doc("nan", 2);
        nan.summaries.set(1, SummaryBlock.toBytes(new float[]{1, 2, Float.NaN, 4, 5, 6, 7, 8}, SummaryDtype.FLOAT16));
        b.docs.add(nan);
        Doc shortBlock = new Doc("short", 2);
        shortBlock.summaries.set(0, new byte[3]);
        b.docs.add(shortBlock);
        b.docs.add(new Doc("good", 3));
        LlocoQaResponse r = answered(ask(b, question(7)));
        assertEquals("read 3", r.answer());
        assertEquals(List.of("good"), r.sources().stream().map(LlocoQaResponse.Source::id).toList());
        String w = String.join("\n", r.warnings());
        assertTrue(w, w.contains("[books][huge]: field [lloco.summary_length] must be between 1 and 4096, got [50000]"));
        assertTrue(w, w.contains("[books][no-hidden]: field [lloco.hidden] is missing"));
        assertTrue(w, w.contains("[books][bad-dtype]: field [lloco.dtype] must be one of [float16, float32], got [bfloat16]"));
        assertTrue(w, w.contains("[books][other-width]: field [lloco.hidden] declares vectors of 8 values, model [m] reads 4"));
        assertTrue(w, w.contains("[books][nan]: field [lloco.segments.summaries] of segment 1 holds a NaN or infinite value"));
        assertTrue(w, w.contains("[books][short]: field [lloco.segments.summaries] of segment 0 holds 3 bytes, expected 16"));
        // the bytes read: the good document's 3 segments, and the one sound segment of [nan] read before its bad one
        assertEquals(3 * 16 + 16, r.usage().summaryBytesRead());
        assertEquals(java.util.Set.of("good", "nan", "short"), b.fetched.get(0).keySet());
        assertEquals(1, b.reserved.size());
        assertEquals(1, b.released);
    }

    public void testNothingUsableIsA400SayingWhy() {
        Backend b = new Backend();
        b.docs.add(new Doc("a", 2).set("model", null));
        b.docs.add(new Doc("b", 2).set("segment_count", -3L));
        Object r = ask(b, question(2));
        assertTrue(r.toString(), r instanceof LlocoException);
        LlocoException e = (LlocoException) r;
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("[books][b]: field [lloco.segment_count] must be between 0 and"));
        assertTrue(b.decodes.isEmpty());
    }

    public void testNoMatchIsA404() {
        Object r = ask(new Backend(), question(2));
        assertEquals(RestStatus.NOT_FOUND, ExceptionsHelper.status((Exception) r));
    }

    public void testTheWindowIsAppliedBeforeTheFetchAndTruncationIsCounted() {
        Backend b = new Backend();
        b.budget = 3 * L + 1; // three segments fit
        b.docs.add(new Doc("d1", 2));
        b.docs.add(new Doc("d2", 4));
        LlocoQaResponse r = answered(ask(b, question(2)));
        // only what fits was fetched: both segments of d1, the first of d2
        assertEquals(1, b.fetched.size());
        assertEquals(java.util.Set.of("d1", "d2"), b.fetched.get(0).keySet());
        assertEquals(List.of(0, 1), b.fetched.get(0).get("d1").stream().map(o -> ((Number) o).intValue()).toList());
        assertEquals(List.of(0), b.fetched.get(0).get("d2").stream().map(o -> ((Number) o).intValue()).toList());
        assertEquals(3, r.usage().truncatedSegments());
        assertEquals(3 * 16, r.usage().summaryBytesRead());
        assertEquals(3 * L, r.usage().summaryPositions());
        assertTrue(r.warnings().toString(), r.warnings().get(0).contains("3 of 6 selected segments did not fit"));
        assertTrue(r.warnings().get(0).contains("max_summary_positions"));
        assertEquals(List.of(2L * 3 * 16), b.reserved);
        assertEquals(1, b.released);
        assertEquals(2, r.sources().size());
        assertEquals(List.of(0), r.sources().get(1).segments().stream().map(LlocoQaResponse.Segment::ord).toList());

        Backend strict = new Backend();
        strict.budget = 3 * L + 1;
        strict.docs.add(new Doc("d1", 2));
        strict.docs.add(new Doc("d2", 4));
        Object refused = ask(strict, question(2).truncate(false));
        LlocoException e = (LlocoException) refused;
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("the 6 segments selected need 12 summary positions, the window leaves 7"));
        assertTrue(strict.fetched.isEmpty());
    }

    public void testADecodeFailureReachesTheCallerWithItsStatusAndReleasesTheMemory() {
        Backend b = new Backend();
        b.docs.add(new Doc("d1", 2));
        b.decodeFailure = new LlocoException("queue full", RestStatus.TOO_MANY_REQUESTS);
        Object r = ask(b, question(1));
        assertEquals(RestStatus.TOO_MANY_REQUESTS, ExceptionsHelper.status((Exception) r));
        assertEquals(1, b.reserved.size());
        assertEquals(1, b.released);
    }

    /** answer_candidates_max: an unconfirmed first read leads to a second round, which fetches only its own segment. */
    public void testCandidateRoundsReadOnUntilAnAnswerIsConfirmed() {
        Backend b = new Backend();
        Doc d = new Doc("brivin", 4).set("mode", "independent");
        d.texts.set(0, "Brivin Bramcroft was born to sing.");
        d.texts.set(2, "Brivin Bramcroft came into the world in 1784.");
        d.matched.add(new float[]{0, 3f});
        d.matched.add(new float[]{2, 2f});
        d.matched.add(new float[]{3, 1f});
        b.docs.add(d);
        b.answers.put(0, "1802");
        b.answers.put(2, "1784");
        LlocoQaRequest q = new LlocoQaRequest("books").question("When was Brivin Bramcroft born?")
            .granularity(LlocoQaRequest.Granularity.SEGMENT, null)
            .answerCandidates(1)
            .answerCandidatesMax(3);
        LlocoQaResponse r = answered(ask(b, q));
        assertEquals("1784", r.answer());
        assertEquals(2, r.candidates().size());
        assertEquals(0, r.candidates().get(0).ord());
        assertNull(r.candidates().get(0).support());
        assertFalse(r.candidates().get(0).chosen());
        assertEquals(2, r.candidates().get(1).ord());
        assertEquals(Integer.valueOf(2), r.candidates().get(1).names());
        assertTrue(r.candidates().get(1).chosen());
        assertEquals(List.of(2), r.sources().get(0).segments().stream().map(LlocoQaResponse.Segment::ord).toList());
        // two rounds: each fetched its own segment; the document's sentences were fetched once
        assertEquals(2, b.fetched.size());
        assertEquals(List.of(0), b.fetched.get(0).get("brivin").stream().map(o -> ((Number) o).intValue()).toList());
        assertEquals(List.of(2), b.fetched.get(1).get("brivin").stream().map(o -> ((Number) o).intValue()).toList());
        assertEquals(List.of("brivin"), b.sentencesFetched);
        assertEquals(2 * L, r.usage().summaryPositions());
        assertEquals(2, b.decodes.size());
        assertEquals(b.reserved.size(), b.released);
    }

    /**
     * The window carries the question, the adapter and the coordinating node's template; the prompt the lloco node
     * rendered is what every decode reads, and the template it reports (and its warnings) reach the response.
     */
    public void testTheWindowsPromptIsDecodedAndItsTemplateReported() throws Exception {
        Backend b = new Backend();
        b.docs.add(new Doc("d1", 2));
        b.windowWarnings = List.of("setting [index.lloco.template] names the free-form template [qmsum], which does not fit");
        LlocoQaResponse r = answered(ask(b, question(1), "qmsum", TemplateSource.INDEX, "qm"));
        assertEquals(1, b.windows.size());
        WindowRequest w = b.windows.get(0);
        assertEquals("Where?", w.question());
        assertEquals("qm", w.adapter());
        assertEquals("qmsum", w.template());
        assertEquals(TemplateSource.INDEX, w.templateSource());
        assertNull(w.validate());
        assertEquals(1, b.decodes.size());
        assertEquals("rendered[qmsum|INDEX] Where?", b.decodes.get(0).prompt());
        assertEquals("qm", b.decodes.get(0).adapter());
        assertEquals(new LlocoQaResponse.Template("qmsum", "adapter"), r.template());
        assertTrue(r.warnings().toString(), r.warnings().contains(b.windowWarnings.get(0)));
        Map<String, Object> json = r.asMap();
        assertEquals(Map.of("name", "qmsum", "source", "adapter"), json.get("template"));

        // the response crosses the wire (lloco_answer, a remote coordinating node) with its template
        org.opensearch.common.io.stream.BytesStreamOutput out = new org.opensearch.common.io.stream.BytesStreamOutput();
        r.writeTo(out);
        LlocoQaResponse back = new LlocoQaResponse(out.bytes().streamInput());
        assertEquals(r.template(), back.template());
        assertEquals(json, back.asMap());
    }

    /** Candidate rounds read the window's prompt too, in every round. */
    public void testCandidateRoundsDecodeTheWindowsPrompt() {
        Backend b = new Backend();
        Doc d = new Doc("brivin", 4).set("mode", "independent");
        d.texts.set(0, "Brivin Bramcroft was born to sing.");
        d.texts.set(2, "Brivin Bramcroft came into the world in 1784.");
        d.matched.add(new float[]{0, 3f});
        d.matched.add(new float[]{2, 2f});
        b.docs.add(d);
        b.answers.put(0, "1802");
        b.answers.put(2, "1784");
        LlocoQaRequest q = new LlocoQaRequest("books").question("When was Brivin Bramcroft born?")
            .granularity(LlocoQaRequest.Granularity.SEGMENT, null)
            .answerCandidates(1)
            .answerCandidatesMax(2);
        LlocoQaResponse r = answered(ask(b, q));
        assertEquals(2, b.decodes.size());
        for (DecodeRequest dr : b.decodes) {
            assertEquals("rendered[null|null] When was Brivin Bramcroft born?", dr.prompt());
        }
        assertNull(b.windows.get(0).template());
        assertEquals("adapter", r.template().source());
    }
}
