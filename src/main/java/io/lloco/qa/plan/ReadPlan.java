/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import io.lloco.qa.LlocoQaRequest;
import io.lloco.qa.search.RetrievedDoc;
import io.lloco.store.CompressionMode;

/**
 * Which segments a question reads, decided before anything is fetched: per document in rank order, the segments its
 * granularity selects, then whole segments while they fit the window ({@code budget} summary positions); what does
 * not fit is counted, never silently dropped.
 *
 * <ul>
 *   <li>{@code granularity: document}: every segment of each document, in order.</li>
 *   <li>{@code granularity: segment}, documents compressed {@code independent}: the matched segments, in document
 *   order; {@code accumulate}: the contiguous prefix through the last matched one (accumulated summaries only make
 *   sense after their predecessors). A document without matched segments is read whole.</li>
 * </ul>
 */
public final class ReadPlan {

    /** Segments of one document to read, in order. */
    public record DocRead(RetrievedDoc doc, List<Integer> ords) {
    }

    /**
     * The plan of a single read.
     *
     * @param docs what fits, in rank order
     * @param planned segments selected before the window was applied
     * @param truncated segments that did not fit
     */
    public record Plan(List<DocRead> docs, int planned, int truncated) {

        /** Segments that fit. */
        public int segments() {
            return planned - truncated;
        }
    }

    private ReadPlan() {
    }

    /** The segments {@code doc} would be read with, before the window. */
    static List<Integer> selected(RetrievedDoc doc, LlocoQaRequest.Granularity granularity) {
        int n = doc.header().segmentCount();
        List<Integer> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        if (granularity != LlocoQaRequest.Granularity.SEGMENT || doc.matched().isEmpty()) {
            return all;
        }
        TreeSet<Integer> matched = new TreeSet<>();
        doc.matched().forEach(m -> matched.add(m.ord()));
        if (doc.header().mode() == CompressionMode.INDEPENDENT) {
            return new ArrayList<>(matched);
        }
        return all.subList(0, matched.last() + 1); // contiguous prefix
    }

    /**
     * One read over {@code docs}: whole segments of {@code summaryLength} positions each while they fit
     * {@code budget}; the first that does not fit ends the read.
     */
    public static Plan single(List<RetrievedDoc> docs, LlocoQaRequest.Granularity granularity, int summaryLength, int budget) {
        List<DocRead> out = new ArrayList<>();
        int planned = 0;
        int taken = 0;
        long used = 0;
        boolean full = false;
        for (RetrievedDoc d : docs) {
            List<Integer> ords = selected(d, granularity);
            planned += ords.size();
            if (full) {
                continue;
            }
            List<Integer> fit = new ArrayList<>();
            for (int ord : ords) {
                if (used + summaryLength > budget) {
                    full = true;
                    break;
                }
                fit.add(ord);
                used += summaryLength;
            }
            taken += fit.size();
            if (fit.isEmpty() == false) {
                out.add(new DocRead(d, fit));
            }
        }
        return new Plan(out, planned, planned - taken);
    }

    /** A segment read alone for a candidate answer. */
    public record Candidate(RetrievedDoc doc, int ord, float score) {
    }

    /**
     * The candidate segments ({@code answer_candidates}): the matched segments of documents compressed
     * {@code independent} (each readable alone), best first over all documents (document order among equals), at most
     * {@code max}.
     */
    public static List<Candidate> candidates(List<RetrievedDoc> docs, int max) {
        List<Candidate> out = new ArrayList<>();
        for (RetrievedDoc d : docs) {
            if (d.header().mode() != CompressionMode.INDEPENDENT) {
                continue;
            }
            for (RetrievedDoc.MatchedSegment m : d.matched()) {
                out.add(new Candidate(d, m.ord(), m.score()));
            }
        }
        out.sort((a, b) -> Float.compare(b.score(), a.score()));
        return out.size() > max ? new ArrayList<>(out.subList(0, max)) : out;
    }
}
