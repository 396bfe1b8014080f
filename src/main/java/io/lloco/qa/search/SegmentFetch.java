/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.lucene.search.join.ScoreMode;
import org.opensearch.action.search.MultiSearchRequest;
import org.opensearch.action.search.MultiSearchResponse;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.document.DocumentField;
import org.opensearch.index.query.InnerHitBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchHits;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.search.fetch.subphase.FetchSourceContext;

import io.lloco.store.StoreLayout;
import io.lloco.store.StoredDocument;
import io.lloco.store.StoredFormatException;
import io.lloco.store.SummaryFetchExt;

/**
 * Fetches exactly the segments a question reads, as the calling user: one search per document in one multi-search,
 * each matching the document by id and, inside it, the planned segment ordinals. Per segment it reads the small
 * fields from doc values, the summaries as raw bytes from doc values ({@link SummaryFetchExt}; base64 from
 * {@code _source} for an index that keeps them there), the text only when the mode reads text, and the document's
 * sentences only when answers are checked against them.
 */
public final class SegmentFetch {

    private SegmentFetch() {
    }

    /**
     * What to fetch of one document.
     *
     * @param ords the segments to read
     * @param summaries read their summaries
     * @param text read their text ({@code full_context})
     * @param sentences read every sentence of the document (answer support)
     */
    public record Item(RetrievedDoc doc, StoreLayout layout, List<Integer> ords, boolean summaries, boolean text, boolean sentences) {
    }

    /** One fetched segment. */
    public record Segment(StoredDocument.SegmentMeta meta, byte[] summaries, String text) {
    }

    /**
     * One fetched document: its segments by ordinal, and with {@code sentences} every sentence of it with the ordinal
     * of its segment; or the reason it cannot be read.
     */
    public record Doc(RetrievedDoc doc, Map<Integer, Segment> segments, List<String> sentences, List<Integer> owner, String error) {
    }

    /** Everything fetched, with the bytes that crossed from the data nodes. */
    public record Result(List<Doc> docs, long sourceBytes, long summaryBytes) {
    }

    /**
     * The multi-search: one search per item, or several when an item reads more segments than the index returns per
     * search ({@code index.max_inner_result_window}).
     */
    public static MultiSearchRequest build(List<Item> items) {
        MultiSearchRequest m = new MultiSearchRequest();
        for (Item it : items) {
            for (Item chunk : chunks(it)) {
                m.add(request(chunk));
            }
        }
        return m;
    }

    /** {@code it} split into items of at most {@code maxInnerHits} segments; only the first reads the sentences. */
    static List<Item> chunks(Item it) {
        int size = it.layout().maxInnerHits();
        if (it.ords().size() <= size) {
            return List.of(it);
        }
        List<Item> out = new ArrayList<>();
        for (int from = 0; from < it.ords().size(); from += size) {
            List<Integer> part = it.ords().subList(from, Math.min(it.ords().size(), from + size));
            out.add(new Item(it.doc(), it.layout(), part, it.summaries(), it.text(), it.sentences() && from == 0));
        }
        return out;
    }

    static SearchRequest request(Item it) {
        StoreLayout layout = it.layout();
        String path = layout.segmentsPath();
        List<String> innerSource = new ArrayList<>();
        if (it.text()) {
            innerSource.add(layout.segmentField(StoredDocument.TEXT));
        }
        boolean sourceSummaries = it.summaries() && layout.summaries() == StoreLayout.SummaryAccess.SOURCE;
        if (sourceSummaries) {
            innerSource.add(layout.segmentField(StoredDocument.SUMMARIES));
        }
        InnerHitBuilder inner = new InnerHitBuilder().setSize(it.ords().size())
            .setFetchSourceContext(
                innerSource.isEmpty()
                    ? new FetchSourceContext(false)
                    : new FetchSourceContext(true, innerSource.toArray(String[]::new), null)
            )
            .addDocValueField(layout.segmentField(StoredDocument.ORD))
            .addDocValueField(layout.segmentField(StoredDocument.TOKENS))
            .addDocValueField(layout.segmentField(StoredDocument.START))
            .addDocValueField(layout.segmentField(StoredDocument.END));
        var segments = QueryBuilders
            .nestedQuery(path, QueryBuilders.termsQuery(layout.segmentField(StoredDocument.ORD), it.ords()), ScoreMode.None)
            .innerHit(inner);
        SearchSourceBuilder source = new SearchSourceBuilder().query(
            QueryBuilders.boolQuery().filter(QueryBuilders.idsQuery().addIds(it.doc().id())).filter(segments)
        ).size(1).trackTotalHits(false);
        if (it.sentences()) {
            source.fetchSource(
                new String[]{
                    layout.segmentField(StoredDocument.ORD),
                    layout.segmentField(StoredDocument.TEXT),
                    layout.segmentField(StoredDocument.SENTENCES) + "." + StoredDocument.TEXT},
                null
            );
        } else {
            source.fetchSource(false);
        }
        if (it.summaries() && layout.summaries() == StoreLayout.SummaryAccess.DOC_VALUES) {
            source.ext(List.of(new SummaryFetchExt(path, layout.segmentField(StoredDocument.SUMMARIES))));
        }
        return new SearchRequest(it.doc().index()).source(source);
    }

    /** Reads the responses; a document whose fetch failed or whose segments are missing or corrupt carries an error. */
    public static Result parse(List<Item> items, MultiSearchResponse response) {
        List<Doc> docs = new ArrayList<>(items.size());
        long sourceBytes = 0;
        long summaryBytes = 0;
        MultiSearchResponse.Item[] responses = response.getResponses();
        int at = 0;
        for (Item it : items) {
            RetrievedDoc d = it.doc();
            String path = it.layout().segmentsPath();
            Map<Integer, Segment> segs = new HashMap<>();
            List<String> sentences = new ArrayList<>();
            List<Integer> owner = new ArrayList<>();
            String error = null;
            for (Item chunk : chunks(it)) {
                MultiSearchResponse.Item r = responses[at++];
                if (error != null) {
                    continue;
                }
                if (r.isFailure()) {
                    error = "document " + d.ref() + " could not be fetched: " + reason(r.getFailure());
                    continue;
                }
                SearchHit[] hits = r.getResponse().getHits().getHits();
                if (hits.length == 0) {
                    error = "document " + d.ref() + " is gone (deleted or updated while answering)";
                    continue;
                }
                SearchHit hit = hits[0];
                sourceBytes += sourceLength(hit);
                try {
                    SearchHits inner = hit.getInnerHits() == null ? null : hit.getInnerHits().get(path);
                    for (SearchHit s : inner == null ? new SearchHit[0] : inner.getHits()) {
                        sourceBytes += sourceLength(s);
                        StoredDocument.SegmentMeta meta = StoredDocument.SegmentMeta.read(
                            d.ref(),
                            path,
                            d.header().segmentCount(),
                            RetrievalSearch.values(s, path + ".")
                        );
                        byte[] bytes = null;
                        if (chunk.summaries()) {
                            bytes = summaries(d, it.layout(), meta.ord(), s);
                            StoredDocument.checkSummaries(
                                d.ref(),
                                it.layout().segmentField(StoredDocument.SUMMARIES),
                                meta.ord(),
                                bytes,
                                d.header()
                            );
                            summaryBytes += bytes.length;
                        }
                        segs.put(meta.ord(), new Segment(meta, bytes, chunk.text() ? textOf(d, it.layout(), meta.ord(), s) : null));
                    }
                    for (int ord : chunk.ords()) {
                        if (segs.containsKey(ord) == false) {
                            throw new StoredFormatException(
                                d.ref(),
                                path,
                                "has no segment " + ord + " of the " + d.header().segmentCount() + " it declares"
                            );
                        }
                    }
                    if (chunk.sentences()) {
                        documentSentences(d, hit.getSourceAsMap(), it.layout(), sentences, owner);
                    }
                } catch (StoredFormatException e) {
                    error = e.getMessage();
                }
            }
            docs.add(error == null ? new Doc(d, segs, sentences, owner, null) : new Doc(d, Map.of(), List.of(), List.of(), error));
        }
        return new Result(docs, sourceBytes, summaryBytes);
    }

    /** Why a search failed, from its first shard failure when there is one. */
    static String reason(Exception e) {
        Throwable t = org.opensearch.ExceptionsHelper.unwrapCause(e);
        if (t instanceof org.opensearch.action.search.SearchPhaseExecutionException spe && spe.shardFailures().length > 0) {
            return spe.getMessage() + ": " + spe.shardFailures()[0].reason();
        }
        return String.valueOf(t.getMessage());
    }

    private static long sourceLength(SearchHit hit) {
        return hit.getSourceRef() == null ? 0 : hit.getSourceRef().length();
    }

    private static byte[] summaries(RetrievedDoc d, StoreLayout layout, int ord, SearchHit s) {
        if (layout.summaries() == StoreLayout.SummaryAccess.DOC_VALUES) {
            DocumentField f = s.field(SummaryFetchExt.HIT_FIELD);
            return f == null || f.getValue() instanceof byte[] == false ? null : (byte[]) f.getValue();
        }
        Map<String, Object> src = s.getSourceAsMap();
        return StoredDocument.decodeSummaries(
            d.ref(),
            layout.segmentField(StoredDocument.SUMMARIES),
            ord,
            src == null ? null : src.get(StoredDocument.SUMMARIES)
        );
    }

    private static String textOf(RetrievedDoc d, StoreLayout layout, int ord, SearchHit s) {
        Map<String, Object> src = s.getSourceAsMap();
        return StoredDocument.segmentText(d.ref(), layout.segmentsPath(), ord, src == null ? name -> null : src::get);
    }

    /**
     * The sentences of a document's stored segments ({@code segments[].sentences}, else cut from the text), by segment
     * ordinal, and the ordinal of each; read and checked by {@link StoredDocument#readSourceSegments}.
     */
    static void documentSentences(
        RetrievedDoc d,
        Map<String, Object> source,
        StoreLayout layout,
        List<String> sentences,
        List<Integer> owner
    ) {
        for (StoredDocument.SourceSegment seg : StoredDocument.readSourceSegments(
            d.ref(),
            layout.target(),
            d.header().segmentCount(),
            source
        )) {
            for (String sentence : seg.sentenceTexts()) {
                sentences.add(sentence);
                owner.add(seg.ord());
            }
        }
    }
}
