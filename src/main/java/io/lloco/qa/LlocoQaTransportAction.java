/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.lucene.search.join.ScoreMode;
import org.opensearch.ExceptionsHelper;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.xcontent.support.XContentMapValues;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.query.BoolQueryBuilder;
import org.opensearch.index.query.InnerHitBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchHit;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.search.fetch.subphase.FetchSourceContext;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;
import org.opensearch.transport.TransportService;
import org.opensearch.transport.client.Client;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.ingest.SummaryCodec;
import io.lloco.retrieval.AnswerSupport;
import io.lloco.routing.InferenceRouter;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.runtime.prompt.PromptTemplate;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * Coordinates {@code _lloco_qa}: retrieves documents as the calling user, takes their stored summaries (or text, for
 * the baselines), renders the prompt, resolves the index's adapter, and has a {@code lloco} node decode.
 */
public class LlocoQaTransportAction extends HandledTransportAction<LlocoQaRequest, LlocoQaResponse> {

    /** Adapter marker: the model's bundled {@code default} adapter if it has one, else none. */
    public static final String MODEL_DEFAULT_ADAPTER = "_default";

    private final Client client;
    private final ClusterService clusterService;
    private final IndexNameExpressionResolver resolver;
    private final InferenceRouter router;
    private final DecodeService decoder;
    private final LlocoSettings settings;
    private final PromptTemplates templates = PromptTemplates.defaults();

    /** Injected. */
    @Inject
    public LlocoQaTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        Client client,
        ClusterService clusterService,
        IndexNameExpressionResolver resolver,
        InferenceRouter router,
        DecodeService decoder,
        LlocoSettings settings
    ) {
        super(LlocoQaAction.NAME, transportService, actionFilters, LlocoQaRequest::new);
        this.client = client;
        this.clusterService = clusterService;
        this.resolver = resolver;
        this.router = router;
        this.decoder = decoder;
        this.settings = settings;
    }

    @Override
    protected void doExecute(Task task, LlocoQaRequest request, ActionListener<LlocoQaResponse> listener) {
        long t0 = System.nanoTime();
        final String prompt;
        final String adapter;
        try {
            prompt = renderPrompt(request);
            adapter = resolveAdapter(request);
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        if (request.options().mode() == QaOptions.Mode.NO_CONTEXT && request.docIds().isEmpty() && request.query() == null) {
            // baseline without context still reports which documents the lloco path would have used
        }
        search(task, request, prompt, adapter, t0, true, request.sentenceBoost() > 0, listener);
    }

    /**
     * Searches with the nested segment match (and the sentence match when {@code sentences}); an index that maps
     * {@code segments.sentences} as plain objects is searched again without the sentence match, one that maps
     * {@code segments} as plain objects without segment-level hits.
     */
    private void search(
        Task task,
        LlocoQaRequest request,
        String prompt,
        String adapter,
        long t0,
        boolean nested,
        boolean sentences,
        ActionListener<LlocoQaResponse> listener
    ) {
        SearchRequest search = searchRequest(request, nested, sentences);
        if (task != null) {
            search.setParentTask(clusterService.localNode().getId(), task.getId());
        }
        client.search(search, ActionListener.wrap(r -> onHits(task, request, prompt, adapter, r, t0, listener), e -> {
            Throwable cause = ExceptionsHelper.unwrapCause(e);
            String msg = String.valueOf(cause.getMessage()) + " " + ExceptionsHelper.detailedMessage(e);
            boolean segmentMatch = request.query() == null && request.docIds().isEmpty()
                || request.granularity() == LlocoQaRequest.Granularity.SEGMENT;
            if (sentences && msg.contains(".sentences")) {
                // segments.sentences is not a nested field (an older mapping, or index_sentences: false with dynamic objects)
                search(task, request, prompt, adapter, t0, nested, false, listener);
            } else if (nested && segmentMatch && msg.contains("nested")) {
                // the index maps segments as plain objects: match over them without segment-level hits
                search(task, request, prompt, adapter, t0, false, false, listener);
            } else {
                listener.onFailure(e);
            }
        }));
    }

    private SearchRequest searchRequest(LlocoQaRequest request, boolean nested, boolean sentences) {
        String path = request.targetField() + ".segments";
        QueryBuilder q;
        int size = request.size();
        boolean segments = request.granularity() == LlocoQaRequest.Granularity.SEGMENT;
        QueryBuilder textMatch = QueryBuilders.matchQuery(path + ".text", request.matchText());
        if (sentences) {
            // a segment's score: its text match + sentence_boost x its best sentence's match (words of the question
            // meeting in one sentence); segments written without sentences keep the text match alone
            textMatch = QueryBuilders
                .boolQuery()
                .should(textMatch)
                .should(
                    QueryBuilders
                        .nestedQuery(
                            path + ".sentences",
                            sentenceMatch(path + ".sentences.text", request.matchText()),
                            ScoreMode.Max
                        )
                        .ignoreUnmapped(true)
                        .boost((float) request.sentenceBoost())
                );
        }
        QueryBuilder segmentMatch = QueryBuilders
            .nestedQuery(path, textMatch, ScoreMode.Max)
            .innerHit(
                new InnerHitBuilder().setSize(
                    segments ? Math.max(request.topSegments(), request.answerCandidatesMax()) : LlocoQaRequest.MAX_TOP_SEGMENTS
                )
                    .setFetchSourceContext(new FetchSourceContext(false))
            );
        if (request.docIds().isEmpty() == false) {
            q = QueryBuilders.idsQuery().addIds(request.docIds().toArray(String[]::new));
            size = request.docIds().size();
            if (segments && nested) {
                // the listed documents, with the question matched against their segments for the inner hits
                q = QueryBuilders.boolQuery().filter(q).should(segmentMatch);
            }
        } else if (request.query() != null) {
            q = request.query();
            if (segments && nested) {
                q = QueryBuilders.boolQuery().must(q).should(segmentMatch);
            }
        } else if (nested) {
            q = segmentMatch;
        } else {
            q = QueryBuilders.matchQuery(path + ".text", request.matchText());
        }
        SearchSourceBuilder source = new SearchSourceBuilder().query(q).size(size).trackTotalHits(false);
        return new SearchRequest(request.indices()).indicesOptions(request.indicesOptions()).source(source);
    }

    /**
     * A sentence's match of the question ({@link io.lloco.train.SegmentRetriever#sentenceScores} offline): its words,
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

    private String renderPrompt(LlocoQaRequest request) {
        QaOptions o = request.options();
        String name = o.template();
        boolean cloze = o.choiceMode() == QaOptions.ChoiceMode.CLOZE;
        PromptTemplate t;
        if (name == null) {
            t = templates.get(o.choices().isEmpty() || cloze ? "narrativeqa" : "quality");
        } else if (name.contains(PromptTemplate.QUESTION)) {
            t = name.contains(PromptTemplate.CHOICES)
                ? PromptTemplate.multipleChoice("custom", name, o.choices().size())
                : PromptTemplate.freeForm("custom", name);
        } else if (templates.contains(name)) {
            t = templates.get(name);
        } else {
            throw new LlocoException(
                "Field [template]: unknown template [" + name + "]; use one of " + templates.names()
                    + " or a custom string with {question}",
                RestStatus.BAD_REQUEST
            );
        }
        if (cloze && t.kind() == PromptTemplate.Kind.MULTIPLE_CHOICE) {
            throw new LlocoException(
                "Field [template]: [choice_mode] [cloze] scores each option as the answer to the question alone and needs a free-form "
                    + "template (with {question} and no {choices}); got the multiple-choice template ["
                    + t.name()
                    + "]",
                RestStatus.BAD_REQUEST
            );
        }
        try {
            return cloze ? t.render(request.question()) : t.render(request.question(), o.choices());
        } catch (IllegalArgumentException e) {
            throw new LlocoException("Field [template]/[choices]: " + e.getMessage(), RestStatus.BAD_REQUEST);
        }
    }

    private String resolveAdapter(LlocoQaRequest request) {
        String a = request.options().adapter();
        if (a != null) {
            return "none".equals(a) ? null : a;
        }
        ClusterState state = clusterService.state();
        String[] concrete = resolver.concreteIndexNames(state, request);
        TreeSet<String> chosen = new TreeSet<>();
        for (String index : concrete) {
            IndexMetadata md = state.metadata().index(index);
            chosen.add(md == null ? "" : LlocoSettings.INDEX_ADAPTER.get(md.getSettings()));
        }
        if (chosen.size() > 1) {
            throw new LlocoException(
                "the target indices set different [" + LlocoSettings.INDEX_ADAPTER.getKey() + "] values " + chosen
                    + "; ask one index at a time or pass [adapter]",
                RestStatus.BAD_REQUEST
            );
        }
        String v = chosen.isEmpty() ? "" : chosen.first();
        if (v.isEmpty()) {
            return MODEL_DEFAULT_ADAPTER;
        }
        return "none".equals(v) ? null : v;
    }

    @SuppressWarnings("unchecked")
    private void onHits(
        Task task,
        LlocoQaRequest request,
        String prompt,
        String adapter,
        SearchResponse response,
        long t0,
        ActionListener<LlocoQaResponse> listener
    ) {
        long tRetrieved = System.nanoTime();
        String path = request.targetField() + ".segments";
        List<DecodeRequest.Source> sources = new ArrayList<>();
        List<Map<String, Object>> described = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String model = null;
        TreeSet<String> fingerprints = new TreeSet<>();
        long fullContextTokens = 0;
        boolean candidateMode = (request.answerCandidatesMax() > 1 || request.answerBeams() > 1)
            && request.granularity() == LlocoQaRequest.Granularity.SEGMENT
            && request.options().mode() != QaOptions.Mode.NO_CONTEXT;
        List<Candidate> candidates = new ArrayList<>();
        try {
            List<SearchHit> hits = new ArrayList<>(List.of(response.getHits().getHits()));
            if (request.docIds().isEmpty() == false) {
                // doc_ids: in the listed order, whatever the scores of the segment match
                hits.sort(java.util.Comparator.comparingInt(h -> request.docIds().indexOf(h.getId())));
            }
            for (SearchHit hit : hits) {
                Map<String, Object> src = hit.getSourceAsMap();
                Object raw = src == null ? null : XContentMapValues.extractValue(request.targetField(), src);
                if (raw instanceof Map == false) {
                    warnings.add(
                        "document [" + hit.getId() + "] in [" + hit.getIndex() + "] has no [" + request.targetField()
                            + "] field: index it through a lloco_compress pipeline"
                    );
                    continue;
                }
                Map<String, Object> lloco = (Map<String, Object>) raw;
                String m = String.valueOf(lloco.get("model"));
                if (model == null) {
                    model = m;
                } else if (model.equals(m) == false) {
                    throw new LlocoException(
                        "the selected documents were compressed with different models [" + model + "] and [" + m
                            + "]; re-compress them with one model (_reindex through the pipeline) or narrow the query",
                        RestStatus.BAD_REQUEST
                    );
                }
                fingerprints.add(String.valueOf(lloco.get("fingerprint")));
                List<Map<String, Object>> segs = new ArrayList<>((List<Map<String, Object>>) lloco.getOrDefault("segments", List.of()));
                segs.sort((a, b) -> Integer.compare(((Number) a.get("ord")).intValue(), ((Number) b.get("ord")).intValue()));
                List<Map<String, Object>> chosen = segs;
                if (candidateMode && "independent".equals(lloco.get("mode")) && hit.getInnerHits() != null
                    && hit.getInnerHits().get(path) != null) {
                    // answer_candidates / answer_beams: the best-matching segments of every document, each to be read alone
                    List<String> sentences = new ArrayList<>();
                    List<Integer> owner = new ArrayList<>();
                    documentSentences(segs, sentences, owner);
                    SummaryCodec.Dtype dt = SummaryCodec.Dtype.parse(String.valueOf(lloco.getOrDefault("dtype", "float16")));
                    int rowsPer = ((Number) lloco.get("summary_length")).intValue();
                    for (SearchHit inner : hit.getInnerHits().get(path).getHits()) {
                        int off = inner.getNestedIdentity().getOffset();
                        if (off >= segs.size()) {
                            continue;
                        }
                        Map<String, Object> seg = segs.get(off);
                        Map<String, Object> segDesc = new LinkedHashMap<>();
                        segDesc.put("ord", seg.get("ord"));
                        segDesc.put("start", seg.get("start"));
                        segDesc.put("end", seg.get("end"));
                        Map<String, Object> desc = new LinkedHashMap<>();
                        desc.put("_index", hit.getIndex());
                        desc.put("_id", hit.getId());
                        desc.put("_score", Float.isNaN(hit.getScore()) ? null : hit.getScore());
                        desc.put("tokens", ((Number) seg.get("tokens")).longValue());
                        desc.put("segments", List.of(segDesc));
                        candidates.add(
                            new Candidate(
                                hit.getIndex(),
                                hit.getId(),
                                seg.get("ord"),
                                inner.getScore(),
                                off,
                                seg,
                                dt,
                                rowsPer,
                                sentences,
                                owner,
                                desc
                            )
                        );
                    }
                }
                if (request.granularity() == LlocoQaRequest.Granularity.SEGMENT && hit.getInnerHits() != null
                    && hit.getInnerHits().get(path) != null) {
                    TreeSet<Integer> matched = new TreeSet<>();
                    for (SearchHit inner : hit.getInnerHits().get(path).getHits()) {
                        matched.add(inner.getNestedIdentity().getOffset());
                    }
                    if (matched.isEmpty() == false) {
                        if ("independent".equals(lloco.get("mode"))) {
                            chosen = matched.stream().filter(i -> i < segs.size()).map(segs::get).toList();
                        } else {
                            chosen = segs.subList(0, Math.min(segs.size(), matched.last() + 1)); // contiguous prefix
                        }
                    }
                }
                SummaryCodec.Dtype dtype = SummaryCodec.Dtype.parse(String.valueOf(lloco.getOrDefault("dtype", "float16")));
                int hidden = ((Number) lloco.get("hidden")).intValue();
                int l = ((Number) lloco.get("summary_length")).intValue();
                float[] data = new float[chosen.size() * l * hidden];
                int at = 0;
                List<Map<String, Object>> segDesc = new ArrayList<>();
                long tokens = 0;
                StringBuilder text = new StringBuilder();
                for (Map<String, Object> s : chosen) {
                    float[] block = SummaryCodec.fromBytes(Base64.getDecoder().decode((String) s.get("summaries")), dtype);
                    if (block.length != l * hidden) {
                        throw new LlocoException(
                            String.format(
                                Locale.ROOT,
                                "document [%s]: segment %s holds %d values, expected %d x %d",
                                hit.getId(),
                                s.get("ord"),
                                block.length,
                                l,
                                hidden
                            ),
                            RestStatus.INTERNAL_SERVER_ERROR
                        );
                    }
                    System.arraycopy(block, 0, data, at, block.length);
                    at += block.length;
                    tokens += ((Number) s.get("tokens")).longValue();
                    text.append(s.getOrDefault("text", ""));
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("ord", s.get("ord"));
                    d.put("start", s.get("start"));
                    d.put("end", s.get("end"));
                    segDesc.add(d);
                }
                fullContextTokens += tokens;
                sources.add(new DecodeRequest.Source(chosen.size() * l, data, text.toString()));
                Map<String, Object> desc = new LinkedHashMap<>();
                desc.put("_index", hit.getIndex());
                desc.put("_id", hit.getId());
                desc.put("_score", Float.isNaN(hit.getScore()) ? null : hit.getScore());
                desc.put("tokens", tokens);
                desc.put("segments", segDesc);
                described.add(desc);
            }
            // the best-scoring segments over all documents, best first (stable: document order among equals)
            candidates.sort((a, b) -> Float.compare(b.score(), a.score()));
            if (candidates.size() > request.answerCandidatesMax()) {
                candidates.subList(request.answerCandidatesMax(), candidates.size()).clear();
            }
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        if (model == null) {
            if (request.options().mode() != QaOptions.Mode.NO_CONTEXT) {
                listener.onFailure(
                    new LlocoException(
                        "no compressed document matched in " + java.util.Arrays.toString(request.indices())
                            + (warnings.isEmpty() ? "" : ": " + warnings.get(0)),
                        RestStatus.NOT_FOUND
                    )
                );
                return;
            }
            model = io.lloco.engine.ModelService.EMBEDDED_MODEL;
        }
        long tFetched = System.nanoTime();
        final String modelId = model;
        final long fct = fullContextTokens;
        if (task instanceof CancellableTask c && c.isCancelled()) {
            listener.onFailure(new org.opensearch.core.tasks.TaskCancelledException("cancelled: " + c.getReasonCancelled()));
            return;
        }
        // answer_beams verifies the hypotheses of even one segment read alone; answer_candidates needs two segments to compare
        int needed = request.answerBeams() > 1 ? 1 : 2;
        if (candidateMode && candidates.size() < needed) {
            String field = request.answerBeams() > 1 ? "[answer_beams]" : "[answer_candidates]";
            warnings.add(
                field + " needs at least " + needed + " matching segment" + (needed > 1 ? "s" : "")
                    + " of documents compressed with [mode] [independent]; found "
                    + candidates.size()
                    + ", so the question was answered from the usual single read"
            );
        }
        if (candidateMode && candidates.size() >= needed) {
            // the first round of candidate reads; later rounds (answer_candidates_max) start from the answers of this one
            askCandidates(
                task,
                request,
                prompt,
                adapter,
                modelId,
                candidates,
                0,
                new DecodeResponse[candidates.size()],
                t0,
                tRetrieved,
                tFetched,
                warnings,
                fingerprints,
                listener
            );
            return;
        }
        DecodeRequest decode = new DecodeRequest(
            model,
            adapter,
            prompt,
            sources,
            request.options(),
            request.maxSummaryPositions() == null ? 0 : request.maxSummaryPositions()
        );
        route(task, decode, ActionListener.wrap(d -> {
            int n = Math.min(described.size(), request.options().mode() == QaOptions.Mode.NO_CONTEXT ? 0 : d.sourcesUsed());
            List<Map<String, Object>> used = new ArrayList<>(described.subList(0, n));
            Map<String, Object> body = body(request, modelId, d, used, fct, t0, tRetrieved, tFetched, warnings, fingerprints);
            listener.onResponse(new LlocoQaResponse(body));
        }, listener::onFailure));
    }

    /** Decodes on a lloco node (or locally, as configured), as a child of the question's task. */
    private void route(Task task, DecodeRequest decode, ActionListener<DecodeResponse> listener) {
        if (task != null) {
            // a child of the _lloco_qa task: cancelling the question cancels the decode on the lloco node too
            decode.setParentTask(clusterService.localNode().getId(), task.getId());
        }
        router.route(
            DecodeAction.NAME,
            decode.markRouted(),
            DecodeResponse::new,
            settings.qaTimeout(),
            l -> decoder.submit(decode, task instanceof CancellableTask c ? c : null, l),
            settings::qaAllowLocal,
            LlocoSettings.QA_ALLOW_LOCAL.getKey(),
            listener
        );
    }

    /**
     * {@code answer_candidates} / {@code answer_beams}: candidate segments are read alone, {@code answer_candidates} per
     * round from {@code from} (one decode each, batched on the lloco node; with beams, every hypothesis of each read),
     * and the answer kept is the one its own segment supports best ({@link AnswerSupport}: a sentence of that segment
     * states it, holding the most of the question's names, then matching the question best). While no answer of the
     * reads so far is confirmed (stated in a sentence holding all the question's names, {@link AnswerSupport#confirms})
     * and candidates remain ({@code answer_candidates_max}), another round is read; usage adds
     * up every read.
     */
    private void askCandidates(
        Task task,
        LlocoQaRequest request,
        String prompt,
        String adapter,
        String modelId,
        List<Candidate> candidates,
        int from,
        DecodeResponse[] got,
        long t0,
        long tRetrieved,
        long tFetched,
        List<String> warnings,
        TreeSet<String> fingerprints,
        ActionListener<LlocoQaResponse> listener
    ) {
        // this round: the next answer_candidates segments (the first round with answer_beams alone: the best one)
        int k = Math.min(candidates.size(), from + Math.max(1, request.answerCandidates()));
        AtomicInteger left = new AtomicInteger(k - from);
        AtomicBoolean failed = new AtomicBoolean();
        for (int c = from; c < k; c++) {
            final int ci = c;
            DecodeRequest decode = new DecodeRequest(
                modelId,
                adapter,
                prompt,
                List.of(candidates.get(c).source()),
                request.options(),
                request.maxSummaryPositions() == null ? 0 : request.maxSummaryPositions()
            );
            route(task, decode, ActionListener.wrap(d -> {
                got[ci] = d;
                if (left.decrementAndGet() > 0) {
                    return;
                }
                // every answer read: each segment's hypotheses (one without answer_beams), best first
                List<String> answers = new ArrayList<>();
                List<Integer> answerOf = new ArrayList<>();
                List<Double> answerLogProb = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    List<String> hyps = got[i].hypotheses().isEmpty() ? List.of(got[i].answer()) : got[i].hypotheses();
                    for (int j = 0; j < hyps.size(); j++) {
                        answers.add(hyps.get(j).trim());
                        answerOf.add(i);
                        answerLogProb.add(got[i].hypotheses().isEmpty() ? null : got[i].hypothesisLogProbs()[j]);
                    }
                }
                List<AnswerSupport.Support> support = new ArrayList<>();
                // one checker per document (its sentences scored once), whatever the number of answers read from it
                Map<List<String>, AnswerSupport.Checker> checkers = new java.util.IdentityHashMap<>();
                for (int a = 0; a < answers.size(); a++) {
                    Candidate cand = candidates.get(answerOf.get(a));
                    AnswerSupport.Checker checker = checkers
                        .computeIfAbsent(cand.sentences(), sentences -> AnswerSupport.checker(request.question(), sentences, cand.owner()));
                    support.add(checker.support(answers.get(a), cand.segment()));
                }
                int questionNames = AnswerSupport.names(request.question()).size();
                if (k < candidates.size() && support.stream().noneMatch(s -> AnswerSupport.confirms(s, questionNames))) {
                    // answer_candidates_max: no answer read so far is stated by its segment in a sentence that names
                    // everyone the question names: read the next ones
                    askCandidates(
                        task,
                        request,
                        prompt,
                        adapter,
                        modelId,
                        candidates,
                        k,
                        got,
                        t0,
                        tRetrieved,
                        tFetched,
                        warnings,
                        fingerprints,
                        listener
                    );
                    return;
                }
                // what the segments read cost uncompressed
                long fct = 0;
                for (int i = 0; i < k; i++) {
                    fct += ((Number) candidates.get(i).described().get("tokens")).longValue();
                }
                int chosenAnswer = AnswerSupport.choose(support);
                int best = answerOf.get(chosenAnswer);
                DecodeResponse b = got[best];
                int summary = 0;
                int context = 0;
                int promptTokens = 0;
                int generated = 0;
                int positions = 0;
                int batch = 0;
                long queue = 0;
                long prefill = 0;
                long decodeNanos = 0;
                List<Map<String, Object>> described = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    DecodeResponse r = got[i];
                    summary += r.summaryPositions();
                    context += r.contextTokens();
                    promptTokens += r.promptTokens();
                    generated += r.generatedTokens();
                    positions += r.decoderPositions();
                    batch = Math.max(batch, r.batchSize());
                    queue = Math.max(queue, r.queueNanos());
                    prefill += r.prefillNanos();
                    decodeNanos += r.decodeNanos();
                    Candidate cand = candidates.get(i);
                    // this segment's answer: its best-supported hypothesis (the first among equals)
                    int mine = -1;
                    List<Map<String, Object>> hypotheses = new ArrayList<>();
                    for (int a = 0; a < answers.size(); a++) {
                        if (answerOf.get(a) != i) {
                            continue;
                        }
                        if (mine < 0 || support.get(a).betterThan(support.get(mine))) {
                            mine = a;
                        }
                        Map<String, Object> h = new LinkedHashMap<>();
                        h.put("answer", answers.get(a));
                        h.put("log_prob", answerLogProb.get(a) == null ? null : Math.round(answerLogProb.get(a) * 1000.0) / 1000.0);
                        putSupport(h, support.get(a));
                        h.put("chosen", a == chosenAnswer);
                        hypotheses.add(h);
                    }
                    Map<String, Object> desc = new LinkedHashMap<>();
                    desc.put("_index", cand.index());
                    desc.put("_id", cand.id());
                    desc.put("ord", cand.ord());
                    desc.put("answer", answers.get(mine));
                    putSupport(desc, support.get(mine));
                    desc.put("chosen", i == best);
                    if (request.answerBeams() > 1) {
                        desc.put("hypotheses", hypotheses);
                    }
                    described.add(desc);
                }
                DecodeResponse merged = new DecodeResponse(
                    answers.get(chosenAnswer),
                    b.finishReason(),
                    summary,
                    context,
                    promptTokens,
                    generated,
                    1,
                    queue,
                    prefill,
                    decodeNanos,
                    b.node(),
                    b.adapter(),
                    b.modelFingerprint(),
                    batch,
                    positions,
                    null,
                    null,
                    null
                );
                List<Map<String, Object>> used = request.options().mode() == QaOptions.Mode.NO_CONTEXT
                    ? List.of()
                    : List.of(candidates.get(best).described());
                Map<String, Object> body = body(
                    request,
                    modelId,
                    merged,
                    new ArrayList<>(used),
                    fct,
                    t0,
                    tRetrieved,
                    tFetched,
                    warnings,
                    fingerprints
                );
                body.put("candidates", described);
                listener.onResponse(new LlocoQaResponse(body));
            }, e -> {
                if (failed.compareAndSet(false, true)) {
                    listener.onFailure(e);
                }
            }));
        }
    }

    /** {@code support}: the supporting sentence's match of the question (null: not stated), and {@code names} it holds. */
    private static void putSupport(Map<String, Object> into, AnswerSupport.Support s) {
        into.put("support", s.stated() ? Math.round(s.score() * 1000.0) / 1000.0 : null);
        if (s.stated()) {
            into.put("names", s.names());
        }
    }

    /** One segment read alone for a candidate answer ({@code answer_candidates}). */
    private record Candidate(
        String index,
        String id,
        Object ord,
        float score,
        int segment,
        Map<String, Object> stored,
        SummaryCodec.Dtype dtype,
        int rows,
        List<String> sentences,
        List<Integer> owner,
        Map<String, Object> described) {

        /** The segment's summaries and text, decoded only for the candidates kept. */
        DecodeRequest.Source source() {
            float[] block = SummaryCodec.fromBytes(Base64.getDecoder().decode((String) stored.get("summaries")), dtype);
            return new DecodeRequest.Source(rows, block, String.valueOf(stored.getOrDefault("text", "")));
        }
    }

    /** The sentences of a document's stored segments ({@code segments[].sentences}, else cut from the text) and their segment. */
    @SuppressWarnings("unchecked")
    private static void documentSentences(List<Map<String, Object>> segs, List<String> sentences, List<Integer> owner) {
        for (int i = 0; i < segs.size(); i++) {
            Object stored = segs.get(i).get("sentences");
            if (stored instanceof List<?> list && list.isEmpty() == false) {
                for (Object o : list) {
                    if (o instanceof Map<?, ?> m && m.get("text") != null) {
                        sentences.add(String.valueOf(m.get("text")));
                        owner.add(i);
                    }
                }
            } else {
                String text = String.valueOf(segs.get(i).getOrDefault("text", ""));
                for (int[] span : Segmentation.sentences(text)) {
                    sentences.add(text.substring(span[0], span[1]));
                    owner.add(i);
                }
            }
        }
    }

    private Map<String, Object> body(
        LlocoQaRequest request,
        String modelId,
        DecodeResponse d,
        List<Map<String, Object>> used,
        long fct,
        long t0,
        long tRetrieved,
        long tFetched,
        List<String> warnings,
        TreeSet<String> fingerprints
    ) {
        long tEnd = System.nanoTime();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("answer", d.answer());
        body.put("mode", request.options().mode().value());
        body.put("model", modelId);
        body.put("adapter", d.adapter());
        body.put("node", d.node());
        body.put("finish_reason", d.finishReason());
        if (d.optionLogProbs().length > 0) {
            body.put("choice_scores", choiceScores(request.options().choices(), d.optionLogProbs()));
        }
        body.put("sources", request.options().mode() == QaOptions.Mode.NO_CONTEXT ? List.of() : used);
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("summary_positions", d.summaryPositions());
        usage.put("context_tokens", d.contextTokens());
        usage.put("prompt_tokens", d.promptTokens());
        usage.put("generated_tokens", d.generatedTokens());
        usage.put("decoder_positions", d.decoderPositions());
        usage.put("full_context_tokens", fct);
        usage.put("compression_ratio", d.summaryPositions() == 0 ? null : Math.round(100.0 * fct / d.summaryPositions()) / 100.0);
        usage.put("batch_size", d.batchSize());
        body.put("usage", usage);
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("retrieve_ms", ms(tRetrieved - t0));
        timings.put("fetch_ms", ms(tFetched - tRetrieved));
        timings.put("queue_ms", ms(d.queueNanos()));
        timings.put("prefill_ms", ms(d.prefillNanos()));
        timings.put("decode_ms", ms(d.decodeNanos()));
        timings.put("total_ms", ms(tEnd - t0));
        body.put("timings", timings);
        List<String> all = new ArrayList<>(warnings);
        if (fingerprints.size() > 0 && fingerprints.contains(d.modelFingerprint()) == false) {
            all.add(
                "the documents were compressed by model [" + modelId + "] " + fingerprints + " but it is now " + d.modelFingerprint()
                    + ": re-compress them (_update_by_query through the pipeline)"
            );
        }
        if (all.isEmpty() == false) {
            body.put("warnings", all);
        }
        return body;
    }

    /** Per option: letter, text, log-likelihood of its target, and its share of the options' probability mass. */
    static List<Map<String, Object>> choiceScores(List<String> choices, double[] logProbs) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logProbs) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : logProbs) {
            sum += Math.exp(v - max);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < logProbs.length; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("letter", PromptTemplate.letter(i));
            m.put("option", choices.get(i));
            m.put("logprob", Math.round(logProbs[i] * 10000) / 10000.0);
            m.put("probability", Math.round(Math.exp(logProbs[i] - max) / sum * 10000) / 10000.0);
            out.add(m);
        }
        return out;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
