/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.join.ScoreMode;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.common.document.DocumentField;
import org.opensearch.index.query.BoolQueryBuilder;
import org.opensearch.index.query.InnerHitBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchHits;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.search.fetch.subphase.FetchSourceContext;

import io.lloco.qa.LlocoQaRequest;
import io.lloco.retrieval.AnswerSupport;
import io.lloco.store.StoredDocument;
import io.lloco.store.StoredFormatException;

/**
 * The retrieval search of a question, run as the calling user: finds the documents (and, with
 * {@code granularity: segment}, their best segments) and reads only their small stored fields, from doc values. No
 * {@code _source}, no text, no summaries: those are fetched afterwards, only for the segments that fit the window
 * ({@link SegmentFetch}).
 *
 * <p>A segment's score is its text match plus {@code sentence_boost} times its best sentence's match (the words of the
 * question meeting in one sentence, their adjacent pairs, and the question's names once more); see
 * {@link #sentenceMatch}.
 */
public final class RetrievalSearch {

    private static final List<String> HEADER = List.of(
        StoredDocument.MODEL,
        StoredDocument.FINGERPRINT,
        StoredDocument.MODE,
        StoredDocument.DTYPE,
        StoredDocument.SUMMARY_LENGTH,
        StoredDocument.HIDDEN,
        StoredDocument.SEGMENT_COUNT,
        StoredDocument.TOKENS
    );

    private RetrievalSearch() {
    }

    /**
     * Words of the matched text kept for a search limited to {@code maxClauseCount} clauses: each word can become four
     * (the segment text, the sentence text, a sentence word pair, a name), and the query's structure takes a few more.
     */
    public static int maxMatchWords(int maxClauseCount) {
        return Math.max(8, (maxClauseCount - 32) / 4);
    }

    /**
     * The text matched against the segments ({@link LlocoQaRequest#matchText()}), cut after its first
     * {@link #maxMatchWords} words so that a long question (or long options with {@code match_choices}) never makes a
     * query over {@code indices.query.bool.max_clause_count} (Lucene's {@code maxClauseCount}: was a 500 for a
     * 4,000-character question of short words). A word is a run of letters and digits, each ideograph a word of its own
     * (as the standard tokenizer splits them), so the count never falls short of the analyzer's terms.
     */
    public static String matchText(LlocoQaRequest r, int maxClauseCount) {
        return firstWords(r.matchText(), maxMatchWords(maxClauseCount));
    }

    /** {@code text} up to the end of its {@code maxWords}-th word, or whole when it has no more. */
    static String firstWords(String text, int maxWords) {
        int words = 0;
        int lastEnd = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length();) {
            int cp = text.codePointAt(i);
            Character.UnicodeScript script = Character.UnicodeScript.of(cp);
            boolean ideograph = Character.isIdeographic(cp) || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA || script == Character.UnicodeScript.THAI;
            boolean letter = Character.isLetterOrDigit(cp);
            if (ideograph || (letter && inWord == false)) {
                if (words == maxWords) {
                    return text.substring(0, lastEnd);
                }
                words++;
            }
            inWord = letter && ideograph == false;
            i += Character.charCount(cp);
            if (letter || ideograph) {
                lastEnd = i;
            }
        }
        return text;
    }

    /** Segments returned per document with {@code granularity: segment}. */
    static int innerHitSize(LlocoQaRequest r) {
        return Math.max(r.topSegments(), r.answerCandidatesMax());
    }

    /**
     * The search.
     *
     * @param sentences whether every target index nests {@code segments.sentences} (the sentence match is added)
     */
    public static SearchRequest build(LlocoQaRequest r, boolean sentences) {
        String target = r.targetField();
        String path = target + "." + StoredDocument.SEGMENTS;
        boolean segments = r.granularity() == LlocoQaRequest.Granularity.SEGMENT;
        String matchText = matchText(r, IndexSearcher.getMaxClauseCount());
        QueryBuilder textMatch = QueryBuilders.matchQuery(path + "." + StoredDocument.TEXT, matchText);
        if (sentences && r.sentenceBoost() > 0) {
            textMatch = QueryBuilders
                .boolQuery()
                .should(textMatch)
                .should(
                    QueryBuilders
                        .nestedQuery(
                            path + "." + StoredDocument.SENTENCES,
                            sentenceMatch(path + ".sentences.text", matchText),
                            ScoreMode.Max
                        )
                        .ignoreUnmapped(true)
                        .boost((float) r.sentenceBoost())
                );
        }
        var segmentMatch = QueryBuilders.nestedQuery(path, textMatch, ScoreMode.Max).ignoreUnmapped(true);
        if (segments) {
            segmentMatch.innerHit(
                new InnerHitBuilder().setSize(innerHitSize(r))
                    .setFetchSourceContext(new FetchSourceContext(false))
                    .addDocValueField(path + "." + StoredDocument.ORD)
                    .addDocValueField(path + "." + StoredDocument.TOKENS)
            );
        }
        QueryBuilder q;
        int size = r.size();
        if (r.docIds().isEmpty() == false) {
            q = QueryBuilders.idsQuery().addIds(r.docIds().toArray(String[]::new));
            size = r.docIds().size();
            if (segments) {
                // the listed documents, with the question matched against their segments for the segment hits
                q = QueryBuilders.boolQuery().filter(q).should(segmentMatch);
            }
        } else if (r.query() != null) {
            q = segments ? QueryBuilders.boolQuery().must(r.query()).should(segmentMatch) : r.query();
        } else {
            q = segmentMatch;
        }
        SearchSourceBuilder source = new SearchSourceBuilder().query(q).size(size).trackTotalHits(false).fetchSource(false);
        for (String f : HEADER) {
            source.docValueField(target + "." + f);
        }
        return new SearchRequest(r.indices()).indicesOptions(r.indicesOptions()).source(source);
    }

    /**
     * A sentence's match of the question (io.lloco.train.SegmentRetriever#sentenceScores offline, a development tool): its words,
     * their adjacent pairs where the mapping has {@code text.pairs} ({@code lloco_pairs}), and the question's names
     * ({@link AnswerSupport#names}) once more, so a sentence naming the person asked about outranks another person's
     * statement in the question's own pattern.
     */
    static QueryBuilder sentenceMatch(String field, String text) {
        BoolQueryBuilder q = QueryBuilders
            .boolQuery()
            .should(QueryBuilders.matchQuery(field, text))
            .should(QueryBuilders.matchQuery(field + ".pairs", text));
        List<String> names = AnswerSupport.names(text);
        if (names.isEmpty() == false) {
            q.should(QueryBuilders.matchQuery(field, String.join(" ", names)));
        }
        return q;
    }

    /**
     * The documents found, in the order they are read, and why some cannot be (warnings).
     *
     * @param uncompressed how many of the warnings are hits without the target field at all (never compressed, or
     *     hidden by field-level security): nothing to read rather than something unreadable
     */
    public record Result(List<RetrievedDoc> docs, List<String> warnings, int uncompressed) {
    }

    /** Reads the hits: headers validated, segment hits best first; unreadable documents become warnings. */
    public static Result parse(SearchResponse response, LlocoQaRequest r) {
        String target = r.targetField();
        String path = target + "." + StoredDocument.SEGMENTS;
        List<SearchHit> hits = new ArrayList<>(List.of(response.getHits().getHits()));
        if (r.docIds().isEmpty() == false) {
            // doc_ids: in the listed order, whatever the scores of the segment match
            hits.sort(Comparator.comparingInt(h -> r.docIds().indexOf(h.getId())));
        }
        List<RetrievedDoc> docs = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        int uncompressed = 0;
        for (SearchHit hit : hits) {
            String ref = RetrievedDoc.ref(hit.getIndex(), hit.getId());
            if (present(hit, target + "." + StoredDocument.MODEL) == false
                && present(hit, target + "." + StoredDocument.SEGMENT_COUNT) == false) {
                uncompressed++;
                warnings.add(
                    "document " + ref + " has no [" + target + "] field: index it through a lloco_compress pipeline (or, if it was, "
                        + "field-level security hides it from the asking user)"
                );
                continue;
            }
            try {
                StoredDocument.Header header = StoredDocument.Header.read(ref, target, values(hit, target + "."));
                List<RetrievedDoc.MatchedSegment> matched = new ArrayList<>();
                SearchHits inner = hit.getInnerHits() == null ? null : hit.getInnerHits().get(path);
                if (inner != null) {
                    for (SearchHit s : inner.getHits()) {
                        StoredDocument.SegmentMeta meta = StoredDocument.SegmentMeta.read(
                            ref,
                            path,
                            header.segmentCount(),
                            values(s, path + ".")
                        );
                        matched.add(new RetrievedDoc.MatchedSegment(meta.ord(), s.getScore(), meta.tokens()));
                    }
                }
                docs.add(new RetrievedDoc(hit.getIndex(), hit.getId(), hit.getScore(), header, matched));
            } catch (StoredFormatException e) {
                warnings.add(e.getMessage() + "; the document was skipped (re-index it through the pipeline)");
            }
        }
        return new Result(docs, warnings, uncompressed);
    }

    /** Whether the hit carries a value of {@code field} (the doc-values phase adds requested fields even when empty). */
    static boolean present(SearchHit hit, String field) {
        DocumentField f = hit.field(field);
        return f != null && f.getValues().isEmpty() == false;
    }

    /** A hit's doc-value fields by their name under {@code prefix}. */
    static Function<String, Object> values(SearchHit hit, String prefix) {
        return name -> {
            DocumentField f = hit.field(prefix + name);
            return f == null ? null : f.getValues();
        };
    }
}
