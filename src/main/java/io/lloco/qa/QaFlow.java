/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.opensearch.ExceptionsHelper;
import org.opensearch.OpenSearchException;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;
import io.lloco.decode.DecodeOptions;
import io.lloco.decode.DecodeRequest;
import io.lloco.decode.DecodeResponse;
import io.lloco.decode.TemplateSource;
import io.lloco.decode.WindowRequest;
import io.lloco.decode.WindowResponse;
import io.lloco.qa.answer.CandidateAnswers;
import io.lloco.qa.answer.ResponseAssembler;
import io.lloco.qa.plan.ReadPlan;
import io.lloco.qa.search.RetrievalSearch;
import io.lloco.qa.search.RetrievedDoc;
import io.lloco.qa.search.SegmentFetch;
import io.lloco.store.StoreLayout;
import io.lloco.store.StoredDocument;

/**
 * One question, step by step: retrieve (small fields only) → window (a {@code lloco} node renders the prompt with the
 * template the precedence picks and says how many summary positions fit after it) → plan (which segments, before anything is fetched; the rest counted) → reserve the
 * memory → fetch exactly those segments → decode on a {@code lloco} node → assemble. With {@code answer_candidates} or
 * {@code answer_beams}, the candidate segments are fetched and decoded round by round instead.
 *
 * <p>A document that cannot be read (missing or malformed fields, other model, wrong dimensions, corrupt or
 * non-finite summaries) is skipped with a warning naming it; the question fails (4xx) only when nothing usable is left.
 * Heavy steps run on the QA pool ({@link QaBackend#fork}); every failure reaches the caller once, with a status.
 */
final class QaFlow {

    private final LlocoQaRequest request;
    private final String template;
    private final TemplateSource templateSource;
    private final String adapter;
    private final Map<String, StoreLayout> layouts;
    private final String fallbackModel;
    private final QaBackend backend;
    private final ActionListener<LlocoQaResponse> listener;
    private final DecodeOptions options;
    private final List<String> warnings = new ArrayList<>();
    /** How many of the warnings are documents without the target field (nothing to read, not unreadable). */
    private int uncompressed;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final ResponseAssembler.Costs costs = new ResponseAssembler.Costs();
    private volatile QaBackend.Releasable reservation = () -> {
    };
    /** The prompt every decode reads: rendered by the {@code lloco} node that answered the window. */
    private volatile String prompt;
    private final long t0;
    private long tRetrieved;
    private long tFetched;

    /**
     * @param template the request's or the target indices' template, or null (the adapter's, else the default: chosen
     *     on the {@code lloco} node)
     * @param templateSource {@link TemplateSource#REQUEST} or {@link TemplateSource#INDEX} with a template, else null
     * @param adapter the adapter to apply (name, the model-default marker, or null for none)
     * @param layouts the stored layout of every target index
     * @param fallbackModel the model that answers {@code no_context} questions when no document matched
     * @param warnings warnings found before the question started (indices that cannot be read)
     */
    QaFlow(
        LlocoQaRequest request,
        String template,
        TemplateSource templateSource,
        String adapter,
        Map<String, StoreLayout> layouts,
        String fallbackModel,
        QaBackend backend,
        List<String> warnings,
        ActionListener<LlocoQaResponse> listener
    ) {
        this.warnings.addAll(warnings);
        this.request = request;
        this.template = template;
        this.templateSource = templateSource;
        this.adapter = adapter;
        this.layouts = layouts;
        this.fallbackModel = fallbackModel;
        this.backend = backend;
        this.listener = listener;
        this.options = request.options();
        this.t0 = backend.nanoTime();
    }

    /** Starts the question. */
    void start() {
        boolean sentences = layouts.isEmpty() == false && layouts.values().stream().allMatch(StoreLayout::sentences);
        backend.search(RetrievalSearch.build(request, sentences), step(r -> onRetrieved(RetrievalSearch.parse(r, request))));
    }

    private void onRetrieved(RetrievalSearch.Result result) {
        tRetrieved = backend.nanoTime();
        warnings.addAll(result.warnings());
        uncompressed += result.uncompressed();
        List<RetrievedDoc> docs = new ArrayList<>();
        String model = null;
        for (RetrievedDoc d : result.docs()) {
            if (model == null) {
                model = d.header().model();
            }
            if (model.equals(d.header().model()) == false) {
                warnings.add(
                    "document " + d.ref() + " was compressed with model [" + d.header().model() + "], the question is read with ["
                        + model + "] (the best document's); it was skipped: re-compress it with one model or narrow the query"
                );
                continue;
            }
            docs.add(d);
        }
        if (docs.isEmpty() && options.mode() != DecodeOptions.Mode.NO_CONTEXT) {
            fail(nothingUsable("no compressed document matched in " + java.util.Arrays.toString(request.indices())));
            return;
        }
        String m = model == null ? fallbackModel : model;
        WindowRequest w = new WindowRequest(
            m,
            request.question(),
            adapter,
            template,
            templateSource,
            options,
            request.maxSummaryPositions() == null ? 0 : request.maxSummaryPositions()
        );
        backend.window(w, step(win -> onWindow(m, docs, win)));
    }

    private void onWindow(String model, List<RetrievedDoc> retrieved, WindowResponse window) {
        prompt = window.prompt();
        costs.template = new LlocoQaResponse.Template(window.templateName(), window.templateSource().value());
        warnings.addAll(window.warnings());
        List<RetrievedDoc> docs = new ArrayList<>();
        for (RetrievedDoc d : retrieved) {
            String mismatch = null;
            if (d.header().summaryLength() != window.summaryLength()) {
                mismatch = String.format(
                    Locale.ROOT,
                    "field [%s.%s] declares %d summary vectors per segment, model [%s] makes %d",
                    request.targetField(),
                    StoredDocument.SUMMARY_LENGTH,
                    d.header().summaryLength(),
                    model,
                    window.summaryLength()
                );
            } else if (d.header().hidden() != window.hidden()) {
                mismatch = String.format(
                    Locale.ROOT,
                    "field [%s.%s] declares vectors of %d values, model [%s] reads %d",
                    request.targetField(),
                    StoredDocument.HIDDEN,
                    d.header().hidden(),
                    model,
                    window.hidden()
                );
            }
            if (mismatch != null) {
                warnings.add("document " + d.ref() + ": " + mismatch + "; it was skipped (re-compress it with this model)");
            } else {
                docs.add(d);
            }
        }
        costs.fingerprints.clear();
        docs.forEach(d -> costs.fingerprints.add(d.header().fingerprint()));
        if (docs.isEmpty() && options.mode() != DecodeOptions.Mode.NO_CONTEXT) {
            fail(nothingUsable("no readable compressed document matched in " + java.util.Arrays.toString(request.indices())));
            return;
        }
        if (candidateMode()) {
            List<ReadPlan.Candidate> candidates = ReadPlan.candidates(docs, request.answerCandidatesMax());
            if (window.summaryLength() > window.budget()) {
                fail(windowTooSmall(window, 1));
                return;
            }
            // answer_beams verifies the hypotheses of even one segment read alone; answer_candidates needs two segments to compare
            int needed = request.answerBeams() > 1 ? 1 : 2;
            if (candidates.size() >= needed) {
                candidateRound(model, window, candidates, 0, new ArrayList<>(), new LinkedHashMap<>());
                return;
            }
            String field = request.answerBeams() > 1 ? "[answer_beams]" : "[answer_candidates]";
            warnings.add(
                field + " needs at least " + needed + " matching segment" + (needed > 1 ? "s" : "")
                    + " of documents compressed with [mode] [independent]; found " + candidates.size()
                    + ", so the question was answered from the usual single read"
            );
        }
        if (options.mode() == DecodeOptions.Mode.NO_CONTEXT) {
            tFetched = backend.nanoTime();
            decodeSingle(model, List.of(), new DecodeRequest.Read(List.of(), null));
            return;
        }
        ReadPlan.Plan plan = ReadPlan.single(docs, request.granularity(), window.summaryLength(), window.budget());
        if (plan.truncated() > 0) {
            long needed = (long) plan.planned() * window.summaryLength();
            if (request.truncate() == false) {
                fail(
                    new LlocoException(
                        String.format(
                            Locale.ROOT,
                            "the %d segments selected need %d summary positions, the window leaves %d (model [%s]: %d positions, "
                                + "the prompt %d, the answer %d); lower [size] or [top_segments], raise [max_summary_positions] "
                                + "within the window, or set [truncate] to true to read what fits",
                            plan.planned(),
                            needed,
                            window.budget(),
                            model,
                            window.maxPositions(),
                            window.promptTokens(),
                            options.maxNewTokens()
                        ),
                        RestStatus.BAD_REQUEST
                    )
                );
                return;
            }
            costs.truncatedSegments = plan.truncated();
            warnings.add(
                String.format(
                    Locale.ROOT,
                    "%d of %d selected segments did not fit the window (%d summary positions) and were not read; "
                        + "to read them, lower [size] or [top_segments] or raise [max_summary_positions] (usage.truncated_segments)",
                    plan.truncated(),
                    plan.planned(),
                    window.budget()
                )
            );
        }
        if (plan.docs().isEmpty()) {
            fail(windowTooSmall(window, plan.planned()));
            return;
        }
        boolean lloco = options.mode() == DecodeOptions.Mode.LLOCO;
        List<SegmentFetch.Item> items = new ArrayList<>();
        long bytes = 0;
        for (ReadPlan.DocRead r : plan.docs()) {
            items.add(
                new SegmentFetch.Item(r.doc(), layouts.get(r.doc().index()), r.ords(), lloco, lloco == false, false)
            );
            bytes += lloco ? r.ords().size() * r.doc().header().blockBytes() : 0;
        }
        reserveThenFetch(bytes, items, fetched -> {
            List<DecodeRequest.Block> blocks = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            List<ResponseAssembler.ReadSegment> order = new ArrayList<>();
            for (SegmentFetch.Doc d : fetched.docs()) {
                if (d.error() != null) {
                    warnings.add(d.error() + "; the document was skipped");
                    continue;
                }
                StringBuilder docText = new StringBuilder();
                for (int ord : ordsOf(plan, d.doc())) {
                    SegmentFetch.Segment s = d.segments().get(ord);
                    if (lloco) {
                        blocks.add(new DecodeRequest.Block(d.doc().header().dtype(), s.summaries()));
                    } else {
                        docText.append(s.text());
                    }
                    order.add(new ResponseAssembler.ReadSegment(d.doc(), s));
                }
                if (lloco == false) {
                    if (text.length() > 0) {
                        text.append("\n\n");
                    }
                    text.append(docText);
                }
            }
            if (order.isEmpty()) {
                fail(nothingUsable("no readable compressed document matched in " + java.util.Arrays.toString(request.indices())));
                return;
            }
            decodeSingle(model, order, new DecodeRequest.Read(blocks, lloco ? null : text.toString()));
        });
    }

    private static List<Integer> ordsOf(ReadPlan.Plan plan, RetrievedDoc doc) {
        for (ReadPlan.DocRead r : plan.docs()) {
            if (r.doc() == doc) {
                return r.ords();
            }
        }
        return List.of();
    }

    private void decodeSingle(String model, List<ResponseAssembler.ReadSegment> order, DecodeRequest.Read read) {
        tFetched = backend.nanoTime();
        DecodeRequest decode = new DecodeRequest(
            model,
            adapter,
            prompt,
            options,
            List.of(read),
            request.maxSummaryPositions() == null ? 0 : request.maxSummaryPositions()
        );
        backend.decode(decode, step(d -> {
            DecodeResponse.ReadResult r = d.reads().get(0);
            List<ResponseAssembler.ReadSegment> used = order;
            if (options.mode() == DecodeOptions.Mode.LLOCO && r.blocksUsed() < order.size()) {
                used = order.subList(0, r.blocksUsed());
                costs.truncatedSegments += order.size() - r.blocksUsed();
            }
            if (options.mode() == DecodeOptions.Mode.NO_CONTEXT) {
                used = List.of();
            }
            finish(ResponseAssembler.single(request, model, d, ResponseAssembler.sources(used), costs, timings(), warnings));
        }));
    }

    /**
     * One round of candidate reads: the next {@code answer_candidates} segments (the first round with
     * {@code answer_beams} alone: the best one), fetched and decoded together, each read alone.
     */
    private void candidateRound(
        String model,
        WindowResponse window,
        List<ReadPlan.Candidate> candidates,
        int from,
        List<CandidateAnswers.Read> done,
        Map<RetrievedDoc, SegmentFetch.Doc> fetchedDocs
    ) {
        int k = Math.min(candidates.size(), from + Math.max(1, request.answerCandidates()));
        boolean lloco = options.mode() == DecodeOptions.Mode.LLOCO;
        Map<RetrievedDoc, List<Integer>> byDoc = new LinkedHashMap<>();
        for (int c = from; c < k; c++) {
            byDoc.computeIfAbsent(candidates.get(c).doc(), x -> new ArrayList<>()).add(candidates.get(c).ord());
        }
        List<SegmentFetch.Item> items = new ArrayList<>();
        long bytes = 0;
        for (Map.Entry<RetrievedDoc, List<Integer>> e : byDoc.entrySet()) {
            RetrievedDoc d = e.getKey();
            items.add(
                new SegmentFetch.Item(d, layouts.get(d.index()), e.getValue(), lloco, lloco == false, fetchedDocs.containsKey(d) == false)
            );
            bytes += lloco ? e.getValue().size() * d.header().blockBytes() : 0;
        }
        reservation.release();
        reserveThenFetch(bytes, items, fetched -> {
            for (SegmentFetch.Doc d : fetched.docs()) {
                if (d.error() != null) {
                    warnings.add(d.error() + "; its candidate segments were skipped");
                } else if (fetchedDocs.containsKey(d.doc()) == false) {
                    fetchedDocs.put(d.doc(), d);
                }
            }
            List<ReadPlan.Candidate> round = new ArrayList<>();
            List<SegmentFetch.Segment> roundSegments = new ArrayList<>();
            List<DecodeRequest.Read> reads = new ArrayList<>();
            for (int c = from; c < k; c++) {
                ReadPlan.Candidate cand = candidates.get(c);
                SegmentFetch.Doc d = fetched.docs().stream().filter(x -> x.doc() == cand.doc()).findFirst().orElse(null);
                if (d == null || d.error() != null) {
                    continue;
                }
                SegmentFetch.Segment s = d.segments().get(cand.ord());
                round.add(cand);
                roundSegments.add(s);
                reads.add(
                    lloco
                        ? new DecodeRequest.Read(List.of(new DecodeRequest.Block(cand.doc().header().dtype(), s.summaries())), null)
                        : new DecodeRequest.Read(List.of(), s.text())
                );
            }
            if (reads.isEmpty()) {
                if (k < candidates.size()) {
                    candidateRound(model, window, candidates, k, done, fetchedDocs);
                } else if (done.isEmpty()) {
                    fail(nothingUsable("no readable candidate segment in " + java.util.Arrays.toString(request.indices())));
                } else {
                    finishCandidates(model, done, fetchedDocs);
                }
                return;
            }
            tFetched = backend.nanoTime();
            DecodeRequest decode = new DecodeRequest(model, adapter, prompt, options, reads, 0);
            backend.decode(decode, step(resp -> {
                costs.add(resp);
                for (int i = 0; i < round.size(); i++) {
                    ReadPlan.Candidate cand = round.get(i);
                    SegmentFetch.Doc d = fetchedDocs.get(cand.doc());
                    done.add(
                        new CandidateAnswers.Read(
                            cand.doc().index(),
                            cand.doc().id(),
                            cand.ord(),
                            d.sentences(),
                            d.owner(),
                            resp.reads().get(i)
                        )
                    );
                    // the segment read in this round (the document's sentences come from its first fetch)
                    costs.candidateSegments.add(new ResponseAssembler.ReadSegment(cand.doc(), roundSegments.get(i)));
                }
                CandidateAnswers.Outcome o = CandidateAnswers.choose(request.question(), done, request.answerBeams() > 1);
                if (k < candidates.size() && o.confirmed() == false) {
                    // answer_candidates_max: no answer read so far is confirmed by its segment; read the next ones
                    candidateRound(model, window, candidates, k, done, fetchedDocs);
                    return;
                }
                finishCandidates(model, done, fetchedDocs);
            }));
        });
    }

    private void finishCandidates(String model, List<CandidateAnswers.Read> done, Map<RetrievedDoc, SegmentFetch.Doc> fetchedDocs) {
        CandidateAnswers.Outcome o = CandidateAnswers.choose(request.question(), done, request.answerBeams() > 1);
        ResponseAssembler.ReadSegment best = costs.candidateSegments.get(o.chosenRead());
        finish(ResponseAssembler.candidates(request, model, o, done, best, costs, timings(), warnings));
    }

    private void reserveThenFetch(long summaryBytes, List<SegmentFetch.Item> items, java.util.function.Consumer<SegmentFetch.Result> then) {
        try {
            // the fetched bytes live twice on this node: in the search response, and in the decode request
            reservation = backend.reserve(2 * summaryBytes);
        } catch (Exception e) {
            fail(e);
            return;
        }
        backend.multiSearch(SegmentFetch.build(items), step(r -> {
            SegmentFetch.Result fetched = SegmentFetch.parse(items, r);
            costs.sourceBytes += fetched.sourceBytes();
            costs.summaryBytes += fetched.summaryBytes();
            then.accept(fetched);
        }));
    }

    private ResponseAssembler.Timings timings() {
        return new ResponseAssembler.Timings(t0, tRetrieved, tFetched, backend.nanoTime());
    }

    private boolean candidateMode() {
        return (request.answerCandidatesMax() > 1 || request.answerBeams() > 1)
            && request.granularity() == LlocoQaRequest.Granularity.SEGMENT
            && options.mode() != DecodeOptions.Mode.NO_CONTEXT;
    }

    private LlocoException windowTooSmall(WindowResponse window, int segments) {
        return new LlocoException(
            String.format(
                Locale.ROOT,
                "not one of the %d selected segments (%d summary positions each) fits the window: %d positions are left after the "
                    + "prompt (%d tokens) and the answer; raise [max_summary_positions], lower [max_new_tokens] or shorten the question",
                segments,
                window.summaryLength(),
                window.budget(),
                window.promptTokens()
            ),
            RestStatus.BAD_REQUEST
        );
    }

    /**
     * 404 when nothing compressed matched (no hit, or hits without the target field: never compressed, or hidden by
     * field-level security); 400 when compressed documents matched but none could be read (the warnings say why).
     */
    private LlocoException nothingUsable(String what) {
        if (warnings.isEmpty()) {
            return new LlocoException(what, RestStatus.NOT_FOUND);
        }
        if (warnings.size() == uncompressed) {
            return new LlocoException(what + ": " + String.join("; ", warnings), RestStatus.NOT_FOUND);
        }
        return new LlocoException(what + ": " + String.join("; ", warnings), RestStatus.BAD_REQUEST);
    }

    /** A listener that runs {@code onResponse} as a step on the QA pool and fails the question on any error. */
    private <T> ActionListener<T> step(CheckedStep<T> onResponse) {
        return ActionListener.wrap(r -> backend.fork(() -> {
            if (finished.get()) {
                return;
            }
            try {
                onResponse.accept(r);
            } catch (Exception e) {
                fail(e);
            }
        }), this::fail);
    }

    /** A step that may throw. */
    @FunctionalInterface
    private interface CheckedStep<T> {

        void accept(T t) throws Exception;
    }

    private void finish(LlocoQaResponse response) {
        if (finished.compareAndSet(false, true)) {
            reservation.release();
            listener.onResponse(response);
        }
    }

    private void fail(Exception e) {
        if (finished.compareAndSet(false, true)) {
            reservation.release();
            listener.onFailure(statusOf(e));
        }
    }

    /** {@code e} with an HTTP status (unchanged when it has one). */
    static Exception statusOf(Exception e) {
        Throwable cause = ExceptionsHelper.unwrapCause(e);
        if (cause instanceof OpenSearchException || cause instanceof IllegalArgumentException) {
            return e;
        }
        return new LlocoException("answering failed: " + cause, RestStatus.INTERNAL_SERVER_ERROR, e);
    }
}
