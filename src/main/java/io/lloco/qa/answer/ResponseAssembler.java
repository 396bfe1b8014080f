/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.answer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.lloco.decode.DecodeResponse;
import io.lloco.qa.LlocoQaRequest;
import io.lloco.qa.LlocoQaResponse;
import io.lloco.qa.search.RetrievedDoc;
import io.lloco.qa.search.SegmentFetch;
import io.lloco.runtime.prompt.PromptTemplate;

/** Builds the typed {@link LlocoQaResponse} of a question from what its steps produced. */
public final class ResponseAssembler {

    private ResponseAssembler() {
    }

    /** A segment read, with the document it belongs to. */
    public record ReadSegment(RetrievedDoc doc, SegmentFetch.Segment segment) {
    }

    /** Clock readings of the question's steps (nanoseconds). */
    public record Timings(long start, long retrieved, long fetched, long end) {
    }

    /** What the question cost so far, added up over its decodes. */
    public static final class Costs {

        /** Fingerprints of the documents read (a stale one is warned about). */
        public final TreeSet<String> fingerprints = new TreeSet<>();
        /** Segments that did not fit the window. */
        public int truncatedSegments;
        /** {@code _source} bytes the searches returned. */
        public long sourceBytes;
        /** Summary bytes read. */
        public long summaryBytes;
        /** The prompt template, as the window reported it. */
        public LlocoQaResponse.Template template;
        /** Candidate segments read, in read order. */
        public final List<ReadSegment> candidateSegments = new ArrayList<>();
        int summaryPositions;
        int contextTokens;
        int truncatedTokens;
        int promptTokens;
        int generatedTokens;
        int decoderPositions;
        int batchSize;
        long queueNanos;
        long prefillNanos;
        long decodeNanos;
        String node;
        String adapter;
        String fingerprint;

        /** Adds a decode's reads. */
        public void add(DecodeResponse d) {
            for (DecodeResponse.ReadResult r : d.reads()) {
                summaryPositions += r.summaryPositions();
                contextTokens += r.contextTokens();
                truncatedTokens += r.truncatedTokens();
                promptTokens += d.promptTokens();
                generatedTokens += r.generatedTokens();
                decoderPositions += r.decoderPositions();
                prefillNanos += r.prefillNanos();
                decodeNanos += r.decodeNanos();
            }
            batchSize = Math.max(batchSize, d.batchSize());
            queueNanos = Math.max(queueNanos, d.queueNanos());
            node = d.node();
            adapter = d.adapter();
            fingerprint = d.modelFingerprint();
        }
    }

    /** The sources of segments read: one per document, in read order, with the segments read from it. */
    public static List<LlocoQaResponse.Source> sources(List<ReadSegment> read) {
        Map<RetrievedDoc, List<SegmentFetch.Segment>> byDoc = new LinkedHashMap<>();
        for (ReadSegment s : read) {
            byDoc.computeIfAbsent(s.doc(), d -> new ArrayList<>()).add(s.segment());
        }
        List<LlocoQaResponse.Source> out = new ArrayList<>();
        for (Map.Entry<RetrievedDoc, List<SegmentFetch.Segment>> e : byDoc.entrySet()) {
            RetrievedDoc d = e.getKey();
            long tokens = 0;
            List<LlocoQaResponse.Segment> segs = new ArrayList<>();
            for (SegmentFetch.Segment s : e.getValue()) {
                tokens += s.meta().tokens();
                segs.add(new LlocoQaResponse.Segment(s.meta().ord(), s.meta().start(), s.meta().end()));
            }
            out.add(new LlocoQaResponse.Source(d.index(), d.id(), Float.isNaN(d.score()) ? null : d.score(), tokens, segs));
        }
        return out;
    }

    /** The answer of a single read. */
    public static LlocoQaResponse single(
        LlocoQaRequest request,
        String model,
        DecodeResponse d,
        List<LlocoQaResponse.Source> sources,
        Costs costs,
        Timings timings,
        List<String> warnings
    ) {
        costs.add(d);
        DecodeResponse.ReadResult r = d.reads().get(0);
        List<LlocoQaResponse.ChoiceScore> scores = r.optionLogProbs() != null && r.optionLogProbs().length > 0
            ? choiceScores(request.options().choices(), r.optionLogProbs())
            : null;
        long fct = sources.stream().mapToLong(LlocoQaResponse.Source::tokens).sum();
        return build(request, model, r.answer(), r.finishReason(), scores, null, sources, fct, costs, timings, warnings);
    }

    /** The answer chosen among candidate reads. */
    public static LlocoQaResponse candidates(
        LlocoQaRequest request,
        String model,
        CandidateAnswers.Outcome outcome,
        List<CandidateAnswers.Read> reads,
        ReadSegment best,
        Costs costs,
        Timings timings,
        List<String> warnings
    ) {
        long fct = 0;
        for (ReadSegment s : costs.candidateSegments) {
            fct += s.segment().meta().tokens();
        }
        DecodeResponse.ReadResult chosen = reads.get(outcome.chosenRead()).result();
        return build(
            request,
            model,
            outcome.answer(),
            chosen.finishReason(),
            null,
            outcome.candidates(),
            sources(List.of(best)),
            fct,
            costs,
            timings,
            warnings
        );
    }

    private static LlocoQaResponse build(
        LlocoQaRequest request,
        String model,
        String answer,
        String finishReason,
        List<LlocoQaResponse.ChoiceScore> scores,
        List<LlocoQaResponse.Candidate> candidates,
        List<LlocoQaResponse.Source> sources,
        long fullContextTokens,
        Costs c,
        Timings t,
        List<String> warnings
    ) {
        List<String> all = new ArrayList<>(warnings);
        if (c.fingerprints.isEmpty() == false && c.fingerprint != null && c.fingerprints.contains(c.fingerprint) == false) {
            all.add(
                "the documents were compressed by model [" + model + "] " + c.fingerprints + " but it is now " + c.fingerprint
                    + ": re-compress them (_update_by_query through the pipeline)"
            );
        }
        LlocoQaResponse.Usage usage = new LlocoQaResponse.Usage(
            c.summaryPositions,
            c.contextTokens,
            c.promptTokens,
            c.generatedTokens,
            c.decoderPositions,
            fullContextTokens,
            c.summaryPositions == 0 ? null : Math.round(100.0 * fullContextTokens / c.summaryPositions) / 100.0,
            c.batchSize,
            c.truncatedSegments,
            c.truncatedTokens,
            c.sourceBytes,
            c.summaryBytes
        );
        LlocoQaResponse.Timings timings = new LlocoQaResponse.Timings(
            ms(t.retrieved() - t.start()),
            ms(t.fetched() - t.retrieved()),
            ms(c.queueNanos),
            ms(c.prefillNanos),
            ms(c.decodeNanos),
            ms(t.end() - t.start())
        );
        return new LlocoQaResponse(
            answer,
            request.options().mode().value(),
            model,
            c.adapter,
            c.template,
            c.node,
            finishReason,
            scores,
            candidates,
            sources,
            usage,
            timings,
            all
        );
    }

    /** Per option: letter, text, log-likelihood of its target, and its share of the options' probability mass. */
    public static List<LlocoQaResponse.ChoiceScore> choiceScores(List<String> choices, double[] logProbs) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logProbs) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : logProbs) {
            sum += Math.exp(v - max);
        }
        List<LlocoQaResponse.ChoiceScore> out = new ArrayList<>();
        for (int i = 0; i < logProbs.length; i++) {
            out.add(
                new LlocoQaResponse.ChoiceScore(
                    PromptTemplate.letter(i),
                    choices.get(i),
                    Math.round(logProbs[i] * 10000) / 10000.0,
                    Math.round(Math.exp(logProbs[i] - max) / sum * 10000) / 10000.0
                )
            );
        }
        return out;
    }

    private static double ms(long nanos) {
        return Math.max(0, Math.round(nanos / 10_000.0) / 100.0);
    }
}
