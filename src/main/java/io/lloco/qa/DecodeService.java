/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.tasks.CancellableTask;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.engine.ModelInfo;
import io.lloco.engine.ModelService;
import io.lloco.engine.RuntimeModel;
import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.prompt.PromptTemplate;

/**
 * This node's decoder: a bounded queue (429 when full) drained by one worker that decodes up to
 * {@code plugins.lloco.qa.max_batch} queued questions of the same model together, in shared batched decoding steps.
 * Cancelled requests are dropped before they decode. One instance per node.
 */
public class DecodeService {

    private static final Logger logger = LogManager.getLogger(DecodeService.class);

    private record Pending(DecodeRequest request, CancellableTask task, ActionListener<DecodeResponse> listener, long enqueued) {
    }

    private record Prepared(Pending pending, GenerationRequest generation, int summaryPositions, int contextTokens, int promptTokens,
        int sourcesUsed, String adapter) {
    }

    private final ModelService models;
    private final Executor executor;
    private final IntSupplier queueSize;
    private final IntSupplier maxBatch;
    private final String nodeName;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private boolean draining;
    private final AtomicLong decoded = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();

    /** A decoder for this node. */
    public DecodeService(ModelService models, Executor executor, IntSupplier queueSize, IntSupplier maxBatch, String nodeName) {
        this.models = models;
        this.executor = executor;
        this.queueSize = queueSize;
        this.maxBatch = maxBatch;
        this.nodeName = nodeName;
    }

    /** Queues a request; 429 when the queue is full. */
    public void submit(DecodeRequest request, CancellableTask task, ActionListener<DecodeResponse> listener) {
        boolean start;
        synchronized (this) {
            if (queue.size() >= queueSize.getAsInt()) {
                rejected.incrementAndGet();
                listener.onFailure(
                    new LlocoException(
                        String.format(
                            Locale.ROOT,
                            "the decode queue of node [%s] is full (%d questions waiting); retry later, add [lloco] nodes, or raise [%s]",
                            nodeName,
                            queue.size(),
                            LlocoSettings.QA_QUEUE_SIZE.getKey()
                        ),
                        RestStatus.TOO_MANY_REQUESTS
                    )
                );
                return;
            }
            queue.add(new Pending(request, task, listener, System.nanoTime()));
            start = draining == false;
            draining = true;
        }
        if (start) {
            try {
                executor.execute(this::drain);
            } catch (Exception e) {
                synchronized (this) {
                    draining = false;
                }
                failAll(e);
            }
        }
    }

    /** Questions waiting now. */
    public synchronized int queued() {
        return queue.size();
    }

    /** Counters: decoded, rejected, batches. */
    public long[] counters() {
        return new long[]{decoded.get(), rejected.get(), batches.get()};
    }

    private void failAll(Exception e) {
        List<Pending> all;
        synchronized (this) {
            all = new ArrayList<>(queue);
            queue.clear();
        }
        all.forEach(p -> p.listener().onFailure(e));
    }

    private void drain() {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            synchronized (this) {
                if (queue.isEmpty()) {
                    draining = false;
                    return;
                }
                String model = queue.peekFirst().request().model();
                Iterator<Pending> it = queue.iterator();
                while (it.hasNext() && batch.size() < maxBatch.getAsInt()) {
                    Pending p = it.next();
                    if (p.request().model().equals(model)) {
                        batch.add(p);
                        it.remove();
                    }
                }
            }
            runBatch(batch);
        }
    }

    private void runBatch(List<Pending> batch) {
        long start = System.nanoTime();
        List<Prepared> prepared = new ArrayList<>();
        RuntimeModel model = null;
        for (Pending p : batch) {
            if (p.task() != null && p.task().isCancelled()) {
                p.listener().onFailure(new TaskCancelledException("question cancelled before decoding: " + p.task().getReasonCancelled()));
                continue;
            }
            try {
                model = runtimeModel(p.request().model());
                prepared.add(prepare(model, p));
            } catch (Exception e) {
                p.listener().onFailure(e);
            }
        }
        if (prepared.isEmpty()) {
            return;
        }
        ModelInfo info = model.info();
        List<Prepared> generated = new ArrayList<>();
        for (Prepared p : prepared) {
            QaOptions o = p.pending().request().options();
            if (o.choiceMode() != QaOptions.ChoiceMode.GENERATE && o.choices().isEmpty() == false) {
                rank(model, p, start, info);
            } else if (o.beams() > 1) {
                beamSearch(model, p, start, info);
            } else {
                generated.add(p);
            }
        }
        if (generated.isEmpty()) {
            return;
        }
        List<GenerationResult> results;
        try {
            List<java.util.function.BooleanSupplier> cancelled = new ArrayList<>();
            for (Prepared p : generated) {
                CancellableTask t = p.pending().task();
                cancelled.add(t == null ? null : t::isCancelled);
            }
            results = model.generate(generated.stream().map(Prepared::generation).toList(), cancelled);
        } catch (Exception e) {
            logger.warn("decoding a batch of " + generated.size() + " failed", e);
            generated.forEach(p -> p.pending().listener().onFailure(e));
            return;
        }
        batches.incrementAndGet();
        for (int i = 0; i < generated.size(); i++) {
            Prepared p = generated.get(i);
            GenerationResult r = results.get(i);
            if (r.finishReason() == io.lloco.runtime.generate.FinishReason.CANCELLED) {
                p.pending()
                    .listener()
                    .onFailure(new TaskCancelledException("question cancelled while decoding: " + p.pending().task().getReasonCancelled()));
                continue;
            }
            decoded.incrementAndGet();
            p.pending()
                .listener()
                .onResponse(
                    response(
                        p,
                        r.text() == null ? "" : r.text().strip(),
                        r.finishReason().name().toLowerCase(Locale.ROOT),
                        r.generatedTokens(),
                        start,
                        r.prefillNanos(),
                        r.decodeNanos(),
                        info,
                        generated.size(),
                        null,
                        null
                    )
                );
        }
    }

    /** Answers a multiple-choice question by the likelihood of each option's target ({@code choice_mode: rank}). */
    private void rank(RuntimeModel model, Prepared p, long start, ModelInfo info) {
        List<String> choices = p.pending().request().options().choices();
        List<String> targets = rankTargets(p.pending().request().options());
        double[] scores;
        long t0 = System.nanoTime();
        try {
            GenerationRequest g = p.generation();
            scores = model.rank(g.prefix(), g.promptIds(), targets, g.adapter());
        } catch (Exception e) {
            logger.warn("ranking the options of a question failed", e);
            p.pending().listener().onFailure(e);
            return;
        }
        long nanos = System.nanoTime() - t0;
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            best = scores[i] > scores[best] ? i : best;
        }
        batches.incrementAndGet();
        decoded.incrementAndGet();
        String answer = PromptTemplate.letter(best) + ". " + choices.get(best);
        p.pending().listener().onResponse(response(p, answer, "ranked", 0, start, nanos, 0, info, 1, scores, null));
    }

    /** Decodes a question with a beam search ({@code answer_beams}): the best hypothesis answers, all are returned. */
    private void beamSearch(RuntimeModel model, Prepared p, long start, ModelInfo info) {
        CancellableTask task = p.pending().task();
        List<io.lloco.runtime.generate.Hypothesis> beams;
        long t0 = System.nanoTime();
        try {
            beams = model.beamSearch(p.generation(), p.pending().request().options().beams(), task == null ? null : task::isCancelled);
        } catch (Exception e) {
            logger.warn("the beam search of a question failed", e);
            p.pending().listener().onFailure(e);
            return;
        }
        long nanos = System.nanoTime() - t0;
        batches.incrementAndGet();
        io.lloco.runtime.generate.Hypothesis best = beams.get(0);
        if (best.finishReason() == io.lloco.runtime.generate.FinishReason.CANCELLED) {
            p.pending().listener().onFailure(new TaskCancelledException("question cancelled while decoding: " + task.getReasonCancelled()));
            return;
        }
        decoded.incrementAndGet();
        String answer = best.text() == null ? "" : best.text().strip();
        String finish = best.finishReason().name().toLowerCase(Locale.ROOT);
        p.pending().listener().onResponse(response(p, answer, finish, best.ids().length, start, 0, nanos, info, 1, null, beams));
    }

    /** What is scored per option: "{letter}. {option}" ({@code rank}) or the option's own text ({@code cloze}). */
    private static List<String> rankTargets(QaOptions o) {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < o.choices().size(); i++) {
            targets.add(
                o.choiceMode() == QaOptions.ChoiceMode.CLOZE ? o.choices().get(i) : PromptTemplate.letter(i) + ". " + o.choices().get(i)
            );
        }
        return targets;
    }

    private DecodeResponse response(
        Prepared p,
        String answer,
        String finish,
        int generatedTokens,
        long start,
        long prefillNanos,
        long decodeNanos,
        ModelInfo info,
        int batchSize,
        double[] optionLogProbs,
        List<io.lloco.runtime.generate.Hypothesis> beams
    ) {
        return new DecodeResponse(
            answer,
            finish,
            p.summaryPositions(),
            p.contextTokens(),
            p.promptTokens(),
            generatedTokens,
            p.sourcesUsed(),
            start - p.pending().enqueued(),
            prefillNanos,
            decodeNanos,
            nodeName,
            p.adapter(),
            info.fingerprint(),
            batchSize,
            p.generation().prefixRows() + p.generation().promptIds().length,
            optionLogProbs,
            beams == null ? null : beams.stream().map(h -> h.text() == null ? "" : h.text().strip()).toList(),
            beams == null ? null : beams.stream().mapToDouble(io.lloco.runtime.generate.Hypothesis::logProb).toArray()
        );
    }

    private RuntimeModel runtimeModel(String id) {
        ModelService.LoadedModel m = models.get(id);
        if (m instanceof RuntimeModel rm) {
            return rm;
        }
        throw new LlocoException("model [" + id + "] cannot decode on this node", RestStatus.BAD_REQUEST);
    }

    private Prepared prepare(RuntimeModel model, Pending p) {
        DecodeRequest req = p.request();
        QaOptions o = req.options();
        ModelInfo info = model.info();
        String adapterUsed = req.adapter();
        if (LlocoQaTransportAction.MODEL_DEFAULT_ADAPTER.equals(adapterUsed)) {
            adapterUsed = models.hasModelAdapter(req.model(), "default") ? "default" : null;
        }
        LoraWeights adapter = adapterUsed == null ? null : model.adapter(models.adapterDir(req.model(), adapterUsed));
        int[] promptIds = model.tokenize(req.prompt());
        // positions kept free after the prompt: the answer to generate, or the longest option target when ranking
        int reserve = o.maxNewTokens();
        if (o.choiceMode() != QaOptions.ChoiceMode.GENERATE) {
            for (String target : rankTargets(o)) {
                reserve = Math.max(reserve, model.tokenize(target).length + 1);
            }
        }
        int budget = info.maxPositions() - promptIds.length - reserve;
        if (budget < 0) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "the prompt (%d tokens) plus [max_new_tokens] or the longest option (%d) exceed the window of model [%s] (%d positions); shorten the question or the options, or lower [max_new_tokens]",
                    promptIds.length,
                    reserve,
                    info.id(),
                    info.maxPositions()
                ),
                RestStatus.BAD_REQUEST
            );
        }
        if (req.maxSummaryPositions() > 0) {
            budget = Math.min(budget, req.maxSummaryPositions());
        }
        GenerationParams params = new GenerationParams(o.maxNewTokens(), o.temperature(), o.topP(), o.seed(), o.stop(), null);
        int hidden = info.hidden();
        final String adapterName = adapterUsed;
        switch (o.mode()) {
            case LLOCO : {
                List<float[]> parts = new ArrayList<>();
                int rows = 0;
                int used = 0;
                for (DecodeRequest.Source s : req.sources()) {
                    int take = Math.min(s.rows(), budget - rows);
                    take -= take % Math.max(1, info.summaryLength()); // whole segments: a contiguous prefix
                    if (take <= 0) {
                        break;
                    }
                    float[] block = s.summaries();
                    if (take < s.rows()) {
                        block = java.util.Arrays.copyOf(block, take * hidden);
                    }
                    parts.add(block);
                    rows += take;
                    used++;
                    if (take < s.rows()) {
                        break;
                    }
                }
                float[] data = new float[rows * hidden];
                int at = 0;
                for (float[] b : parts) {
                    System.arraycopy(b, 0, data, at, b.length);
                    at += b.length;
                }
                GenerationRequest g = new GenerationRequest(new Embeddings(rows, hidden, data), promptIds, adapter, params);
                return new Prepared(p, g, rows, 0, promptIds.length, used, adapterName);
            }
            case FULL_CONTEXT : {
                StringBuilder text = new StringBuilder();
                int used = 0;
                for (DecodeRequest.Source s : req.sources()) {
                    if (s.text() != null) {
                        if (text.length() > 0) {
                            text.append("\n\n");
                        }
                        text.append(s.text());
                        used++;
                    }
                }
                int[] ctx = model.tokenize(text.toString());
                int[] sep = model.tokenize("\n\n");
                int keep = Math.max(0, Math.min(ctx.length, budget - sep.length));
                int[] ids = new int[keep + sep.length + promptIds.length];
                System.arraycopy(ctx, 0, ids, 0, keep);
                System.arraycopy(sep, 0, ids, keep, sep.length);
                System.arraycopy(promptIds, 0, ids, keep + sep.length, promptIds.length);
                GenerationRequest g = new GenerationRequest(Embeddings.empty(hidden), ids, adapter, params);
                return new Prepared(p, g, 0, keep, promptIds.length, used, adapterName);
            }
            default : {
                GenerationRequest g = new GenerationRequest(Embeddings.empty(hidden), promptIds, adapter, params);
                return new Prepared(p, g, 0, 0, promptIds.length, 0, adapterName);
            }
        }
    }
}
