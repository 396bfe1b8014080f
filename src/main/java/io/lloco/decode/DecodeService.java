/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.ExceptionsHelper;
import org.opensearch.OpenSearchException;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.lifecycle.AbstractLifecycleComponent;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.indices.breaker.CircuitBreakerService;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.threadpool.ThreadPool;

import io.lloco.adapters.LocalAdapters;
import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.common.ThreadPools;
import io.lloco.engine.ModelInfo;
import io.lloco.engine.ModelService;
import io.lloco.runtime.generate.FinishReason;
import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Hypothesis;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.prompt.PromptTemplate;
import io.lloco.store.SummaryBlock;

/**
 * This node's decoder. Questions wait in one bounded queue ({@code plugins.lloco.qa.queue_size} questions, whatever
 * their reads; 429 when full), including while their model loads (elsewhere: the worker never waits for a load). One
 * worker decodes up to {@code plugins.lloco.qa.max_batch} reads of ready questions of one model together, in shared
 * batched decoding steps. The summary bytes a question holds here are accounted in the node's {@code request} circuit
 * breaker from arrival to answer (429 when it trips).
 *
 * <p>Failures stay with the questions they concern: a question that cannot be prepared fails alone; a batch that
 * throws fails its questions with a status-bearing error; the worker always goes on with the next batch. A question
 * whose task is cancelled, or that has waited or run past {@code plugins.lloco.qa.timeout} since its model was ready,
 * is stopped (between decoding steps) and answered with the reason. When the node stops, the questions still queued
 * are answered 503 (the coordinating node retries them on another {@code lloco} node) and the worker stops taking
 * batches.
 */
public class DecodeService extends AbstractLifecycleComponent {

    /** Adapter marker: the model's bundled {@code default} adapter if it has one, else none. */
    public static final String MODEL_DEFAULT_ADAPTER = "_default";

    /** Label of this service's reservations in the circuit breaker. */
    static final String BREAKER_LABEL = "lloco_decode";

    private static final Logger logger = LogManager.getLogger(DecodeService.class);

    /** A question in the queue. */
    private final class Pending {

        final DecodeRequest request;
        final CancellableTask task;
        final ActionListener<DecodeResponse> listener;
        final long enqueued;
        final long reserved;
        final AtomicBoolean done = new AtomicBoolean();
        volatile DecodeModel model;
        volatile long readyAt;

        Pending(DecodeRequest request, CancellableTask task, ActionListener<DecodeResponse> listener, long enqueued, long reserved) {
            this.request = request;
            this.task = task;
            this.listener = listener;
            this.enqueued = enqueued;
            this.reserved = reserved;
        }

        long deadline() {
            return Math.max(enqueued, readyAt) + timeout.get().nanos();
        }

        boolean cancelled() {
            return task != null && task.isCancelled();
        }
    }

    /** One question prepared for decoding: its reads as generation requests, and a result slot per read. */
    private record Prepared(Pending pending, DecodeModel.Adapter adapter, int promptTokens, GenerationRequest[] generations,
        Read[] reads, DecodeResponse.ReadResult[] results, BooleanSupplier stop) {
    }

    /** Facts of one read, fixed before decoding. */
    private record Read(int summaryPositions, int blocksUsed, int contextTokens, int truncatedTokens) {
    }

    /**
     * Watches the queue and may hold the worker: for tests that order concurrent questions deterministically (a latch
     * in {@link #beforeBatch} holds every batch until released). No-ops by default.
     */
    public interface Observer {

        /** A question was queued; {@code questions} are queued now. */
        default void queued(int questions) {
        }

        /** A queued question's model is ready; {@code questions} are ready to decode now. */
        default void ready(int questions) {
        }

        /** The worker is about to pick its next batch (called on the worker thread). */
        default void beforeBatch() {
        }
    }

    private volatile Observer observer = new Observer() {
    };
    private final ModelSource models;
    private final Executor worker;
    private final IntSupplier queueSize;
    private final IntSupplier maxBatch;
    private final Supplier<TimeValue> timeout;
    private final LongSupplier clock;
    private final Supplier<CircuitBreaker> breaker;
    private final String nodeName;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private final PromptRenderer renderer = new PromptRenderer();
    private boolean draining;
    private boolean closed;
    private final AtomicLong decoded = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();

    /**
     * @param models where loaded models come from (loads happen there, not on {@code worker})
     * @param worker the single-threaded executor that decodes
     * @param breaker the circuit breaker accounting the questions' summary bytes ({@code request}); null: none
     * @param clock {@link System#nanoTime} (tests pass their own)
     */
    public DecodeService(
        ModelSource models,
        Executor worker,
        IntSupplier queueSize,
        IntSupplier maxBatch,
        Supplier<TimeValue> timeout,
        LongSupplier clock,
        Supplier<CircuitBreaker> breaker,
        String nodeName
    ) {
        this.models = models;
        this.worker = worker;
        this.queueSize = queueSize;
        this.maxBatch = maxBatch;
        this.timeout = timeout;
        this.clock = clock;
        this.breaker = breaker;
        this.nodeName = nodeName;
    }

    /** The node's decoder, built by the node's injector (one per node). */
    @Inject
    public DecodeService(
        ModelService models,
        LocalAdapters adapters,
        ThreadPool threadPool,
        LlocoSettings settings,
        ClusterService clusterService,
        CircuitBreakerService breakers
    ) {
        this(
            RuntimeDecodeModel.source(models, adapters),
            threadPool.executor(ThreadPools.DECODE),
            settings::qaQueueSize,
            settings::qaMaxBatch,
            settings::qaTimeout,
            System::nanoTime,
            () -> breakers.getBreaker(CircuitBreaker.REQUEST),
            clusterService.getNodeName()
        );
    }

    /**
     * Bytes a question holds on this node while queued and decoded: its summary bytes, and the float32 values they
     * become for one read at a time.
     */
    static long memoryOf(DecodeRequest request) {
        long bytes = request.summaryBytes();
        long widest = 0;
        for (DecodeRequest.Read r : request.reads()) {
            long values = 0;
            for (DecodeRequest.Block b : r.blocks()) {
                values += b.bytes().length / b.dtype().bytes();
            }
            widest = Math.max(widest, values * Float.BYTES);
        }
        return bytes + widest;
    }

    /** Queues a question; 429 when the queue is full or its memory does not fit the circuit breaker. */
    public void submit(DecodeRequest request, CancellableTask task, ActionListener<DecodeResponse> listener) {
        long bytes = memoryOf(request);
        CircuitBreaker cb = breaker == null ? null : breaker.get();
        Pending p = null;
        Exception rejection = null;
        synchronized (this) {
            if (closed) {
                rejection = shuttingDown();
            } else if (queue.size() >= queueSize.getAsInt()) {
                rejection = new LlocoException(
                    String.format(
                        Locale.ROOT,
                        "the decode queue of node [%s] is full (%d questions waiting or decoding); retry later, add [lloco] nodes, or raise [%s]",
                        nodeName,
                        queue.size(),
                        LlocoSettings.QA_QUEUE_SIZE.getKey()
                    ),
                    RestStatus.TOO_MANY_REQUESTS
                );
            } else {
                try {
                    if (cb != null) {
                        cb.addEstimateBytesAndMaybeBreak(bytes, BREAKER_LABEL);
                    }
                    p = new Pending(request, task, listener, clock.getAsLong(), cb == null ? 0 : bytes);
                    queue.add(p);
                } catch (Exception e) {
                    rejection = e; // CircuitBreakingException: 429, the router may try another node
                }
            }
        }
        if (rejection != null) {
            rejected.incrementAndGet();
            listener.onFailure(rejection);
            return;
        }
        final Pending pending = p;
        observer.queued(queued());
        try {
            models.acquire(request.model(), request.adapter(), ActionListener.wrap(m -> {
                pending.readyAt = clock.getAsLong();
                pending.model = m;
                observer.ready(readyCount());
                schedule();
            }, e -> complete(pending, null, statusOf(e))));
        } catch (Exception e) {
            complete(pending, null, statusOf(e));
        }
    }

    /**
     * The window of a question: its prompt, its model's facts and the summary positions it may read. The adapter is
     * resolved here, where its files are (an unknown or unfit adapter fails the question before anything is fetched),
     * and the prompt rendered with the template the precedence picks: the request's, else the adapter's (its
     * {@code lloco.json}, or a registry adapter's stored template), else the indices' {@code index.lloco.template}
     * (the request's and the indices' come from the coordinating node), else the default. Waits for the model like a question
     * does; tokenizes where the model hands out (never on the caller's thread).
     */
    public void window(WindowRequest request, ActionListener<WindowResponse> listener) {
        models.acquire(request.model(), request.adapter(), ActionListener.wrap(m -> {
            ModelInfo info = m.info();
            DecodeModel.Adapter adapter = m.adapter(request.adapter());
            try {
                window(request, m, info, adapter, listener);
            } finally {
                adapter.release();
            }
        }, e -> listener.onFailure(statusOf(e))));
    }

    private void window(
        WindowRequest request,
        DecodeModel m,
        ModelInfo info,
        DecodeModel.Adapter adapter,
        ActionListener<WindowResponse> listener
    ) {
        // the request's > the adapter's (an adapter is asked with the template it was trained with) > the indices'
        List<PromptRenderer.Declared> declared = new ArrayList<>();
        boolean requested = request.template() != null && request.templateSource() == TemplateSource.REQUEST;
        if (requested) {
            declared.add(PromptRenderer.Declared.of(request.template(), request.templateSource()));
        }
        if (adapter.template() != null) {
            declared.add(PromptRenderer.Declared.adapter(adapter.template(), adapter.name(), adapter.manifest()));
        }
        if (request.template() != null && requested == false) {
            declared.add(PromptRenderer.Declared.of(request.template(), request.templateSource()));
        }
        List<String> warnings = new ArrayList<>();
        PromptRenderer.Rendered rendered = renderer.render(request.question(), request.options(), declared, warnings);
        int prompt = m.tokenize(rendered.prompt()).length;
        int budget = budget(info, prompt, reserve(m, request.options()), request.maxSummaryPositions());
        listener.onResponse(
            new WindowResponse(
                info.fingerprint(),
                info.summaryLength(),
                info.hidden(),
                info.maxPositions(),
                prompt,
                budget,
                rendered.prompt(),
                rendered.template(),
                rendered.source(),
                warnings
            )
        );
    }

    private LlocoException shuttingDown() {
        return new LlocoException(
            "node [" + nodeName + "] is shutting down and decodes no more questions; ask again (another [lloco] node answers)",
            RestStatus.SERVICE_UNAVAILABLE
        );
    }

    @Override
    protected void doStart() {
    }

    /** Answers every question still queued with a 503 (retried elsewhere) and stops taking batches. */
    @Override
    protected void doStop() {
        List<Pending> left;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(queue);
        }
        LlocoException e = shuttingDown();
        left.forEach(p -> complete(p, null, e));
    }

    @Override
    protected void doClose() {
    }

    /** Sets the observer (tests). */
    public void observer(Observer o) {
        this.observer = o == null ? new Observer() {
        } : o;
    }

    private synchronized int readyCount() {
        int n = 0;
        for (Pending p : queue) {
            n += p.model != null && p.done.get() == false ? 1 : 0;
        }
        return n;
    }

    /** Questions queued now (waiting for their model, waiting, or decoding). */
    public synchronized int queued() {
        return queue.size();
    }

    /** Counters: decoded, rejected, failed, batches. */
    public long[] counters() {
        return new long[]{decoded.get(), rejected.get(), failed.get(), batches.get()};
    }

    /** Answers a question once: removes it from the queue, releases its memory, calls its listener. */
    private void complete(Pending p, DecodeResponse response, Exception failure) {
        if (p.done.compareAndSet(false, true) == false) {
            return;
        }
        synchronized (this) {
            queue.remove(p);
        }
        if (p.reserved > 0) {
            breaker.get().addWithoutBreaking(-p.reserved);
        }
        if (failure != null) {
            failed.incrementAndGet();
            p.listener.onFailure(failure);
        } else {
            decoded.incrementAndGet();
            p.listener.onResponse(response);
        }
    }

    private void schedule() {
        synchronized (this) {
            if (draining) {
                return;
            }
            draining = true;
        }
        try {
            worker.execute(this::drain);
        } catch (Exception e) {
            synchronized (this) {
                draining = false;
            }
            logger.warn("cannot start the decode worker", e);
            failReady(statusOf(e));
        }
    }

    private void failReady(Exception e) {
        List<Pending> ready;
        synchronized (this) {
            ready = queue.stream().filter(p -> p.model != null).toList();
        }
        ready.forEach(p -> complete(p, null, e));
    }

    /** The worker: batch after batch until no ready question is left. Never leaves the queue without a worker. */
    private void drain() {
        boolean clean = false;
        try {
            while (true) {
                observer.beforeBatch();
                List<Pending> batch = nextBatch();
                if (batch.isEmpty()) {
                    clean = true;
                    return;
                }
                try {
                    runBatch(batch);
                } catch (Exception e) {
                    logger.warn("a decode batch of " + batch.size() + " question(s) failed", e);
                    Exception failure = statusOf(e);
                    batch.forEach(p -> complete(p, null, failure));
                }
            }
        } finally {
            if (clean == false) {
                // an Error escaped a batch: let the next arrival (or this) start a new worker for what is left
                synchronized (this) {
                    draining = false;
                }
            }
        }
    }

    /** The next batch: ready questions of the first ready question's model, up to max_batch reads. Empty ends the worker. */
    private synchronized List<Pending> nextBatch() {
        List<Pending> batch = new ArrayList<>();
        if (closed) {
            draining = false;
            return batch;
        }
        String model = null;
        int reads = 0;
        int limit = Math.max(1, maxBatch.getAsInt());
        Iterator<Pending> it = queue.iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (p.model == null || p.done.get()) {
                continue;
            }
            if (model == null) {
                model = p.request.model();
            } else if (model.equals(p.request.model()) == false || reads + p.request.reads().size() > limit) {
                continue;
            }
            batch.add(p);
            reads += p.request.reads().size();
            if (reads >= limit) {
                break;
            }
        }
        if (batch.isEmpty()) {
            draining = false;
        }
        return batch;
    }

    private void runBatch(List<Pending> batch) {
        List<Prepared> prepared = new ArrayList<>();
        try {
            runBatch(batch, prepared);
        } finally {
            // the adapters' leases: an adapter evicted from the node's cache meanwhile is freed now
            prepared.forEach(q -> q.adapter().release());
        }
    }

    private void runBatch(List<Pending> batch, List<Prepared> prepared) {
        long start = clock.getAsLong();
        DecodeModel model = batch.get(0).model;
        for (Pending p : batch) {
            if (p.cancelled()) {
                complete(p, null, new TaskCancelledException("question cancelled before decoding: " + p.task.getReasonCancelled()));
                continue;
            }
            if (start > p.deadline()) {
                complete(p, null, timedOut(p, "waiting in the queue"));
                continue;
            }
            try {
                prepared.add(prepare(model, p));
            } catch (Exception e) {
                complete(p, null, statusOf(e));
            }
        }
        batches.incrementAndGet();
        // reads that rank options or search beams run one at a time; the others share batched decoding steps
        List<Prepared> owners = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (Prepared q : prepared) {
            DecodeOptions o = q.pending().request.options();
            for (int r = 0; r < q.generations().length && q.pending().done.get() == false; r++) {
                try {
                    if (o.ranks()) {
                        q.results()[r] = rank(model, q, r);
                    } else if (o.beams() > 1) {
                        q.results()[r] = beamSearch(model, q, r);
                    } else {
                        owners.add(q);
                        slots.add(r);
                    }
                } catch (Exception e) {
                    complete(q.pending(), null, statusOf(e));
                }
            }
        }
        if (owners.isEmpty() == false) {
            List<GenerationRequest> requests = new ArrayList<>();
            List<BooleanSupplier> stops = new ArrayList<>();
            for (int i = 0; i < owners.size(); i++) {
                requests.add(owners.get(i).generations()[slots.get(i)]);
                stops.add(owners.get(i).stop());
            }
            List<GenerationResult> results;
            try {
                results = model.generate(requests, stops);
            } catch (Exception e) {
                logger.warn("decoding a batch of " + requests.size() + " read(s) failed", e);
                Exception failure = statusOf(e);
                owners.forEach(q -> complete(q.pending(), null, failure));
                results = null;
            }
            for (int i = 0; results != null && i < owners.size(); i++) {
                Prepared q = owners.get(i);
                GenerationResult g = results.get(i);
                if (g.finishReason() == FinishReason.CANCELLED) {
                    complete(q.pending(), null, stopped(q.pending(), "while decoding"));
                    continue;
                }
                int r = slots.get(i);
                Read facts = q.reads()[r];
                q.results()[r] = new DecodeResponse.ReadResult(
                    g.text() == null ? "" : g.text().strip(),
                    g.finishReason().name().toLowerCase(Locale.ROOT),
                    facts.summaryPositions(),
                    facts.blocksUsed(),
                    facts.contextTokens(),
                    facts.truncatedTokens(),
                    g.generatedTokens(),
                    positions(q.generations()[r]),
                    g.prefillNanos(),
                    g.decodeNanos(),
                    new double[0],
                    null,
                    null
                );
            }
        }
        for (Prepared q : prepared) {
            if (q.pending().done.get()) {
                continue;
            }
            if (Arrays.stream(q.results()).anyMatch(r -> r == null)) {
                complete(q.pending(), null, new LlocoException("a read of the question was not decoded", RestStatus.INTERNAL_SERVER_ERROR));
                continue;
            }
            ModelInfo info = model.info();
            complete(
                q.pending(),
                new DecodeResponse(
                    nodeName,
                    q.adapter().name(),
                    info.fingerprint(),
                    q.promptTokens(),
                    start - q.pending().enqueued,
                    prepared.size(),
                    List.of(q.results())
                ),
                null
            );
        }
    }

    /** Answers a multiple-choice read by the likelihood of each option's target ({@code choice_mode: rank|cloze}). */
    private DecodeResponse.ReadResult rank(DecodeModel model, Prepared q, int r) {
        DecodeOptions o = q.pending().request.options();
        List<String> targets = rankTargets(o);
        GenerationRequest g = q.generations()[r];
        long t0 = clock.getAsLong();
        double[] scores = model.rank(g.prefix(), g.promptIds(), targets, g.adapter());
        long nanos = clock.getAsLong() - t0;
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            best = scores[i] > scores[best] ? i : best;
        }
        Read facts = q.reads()[r];
        String answer = PromptTemplate.letter(best) + ". " + o.choices().get(best);
        return new DecodeResponse.ReadResult(
            answer,
            "ranked",
            facts.summaryPositions(),
            facts.blocksUsed(),
            facts.contextTokens(),
            facts.truncatedTokens(),
            0,
            positions(g),
            nanos,
            0,
            scores,
            null,
            null
        );
    }

    /** Decodes a read with a beam search ({@code answer_beams}): the best hypothesis answers, all are returned. */
    private DecodeResponse.ReadResult beamSearch(DecodeModel model, Prepared q, int r) {
        GenerationRequest g = q.generations()[r];
        long t0 = clock.getAsLong();
        List<Hypothesis> beams = model.beamSearch(g, q.pending().request.options().beams(), q.stop());
        long nanos = clock.getAsLong() - t0;
        Hypothesis best = beams.get(0);
        if (best.finishReason() == FinishReason.CANCELLED) {
            throw stopped(q.pending(), "while decoding");
        }
        Read facts = q.reads()[r];
        return new DecodeResponse.ReadResult(
            best.text() == null ? "" : best.text().strip(),
            best.finishReason().name().toLowerCase(Locale.ROOT),
            facts.summaryPositions(),
            facts.blocksUsed(),
            facts.contextTokens(),
            facts.truncatedTokens(),
            best.ids().length,
            positions(g),
            0,
            nanos,
            new double[0],
            beams.stream().map(h -> h.text() == null ? "" : h.text().strip()).toList(),
            beams.stream().mapToDouble(Hypothesis::logProb).toArray()
        );
    }

    private static int positions(GenerationRequest g) {
        return g.prefixRows() + g.promptIds().length;
    }

    /** What is scored per option: "{letter}. {option}" ({@code rank}) or the option's own text ({@code cloze}). */
    static List<String> rankTargets(DecodeOptions o) {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < o.choices().size(); i++) {
            targets.add(
                o.choiceMode() == DecodeOptions.ChoiceMode.CLOZE ? o.choices().get(i) : PromptTemplate.letter(i) + ". " + o.choices().get(i)
            );
        }
        return targets;
    }

    /**
     * What a question reads before its prompt in {@code lloco} mode: the stored summary blocks in order, whole segments
     * only, as many as {@code budget} positions hold.
     *
     * @param blocks the segments used (a prefix of the planned ones)
     */
    public record SummaryPrefix(Embeddings embeddings, int blocks) {
    }

    /** The prefix a question of {@code model} reads from {@code blocks} within {@code budget} positions (400 for a block of another shape). */
    public static SummaryPrefix summaryPrefix(ModelInfo info, List<DecodeRequest.Block> blocks, int budget) {
        int l = info.summaryLength();
        int h = info.hidden();
        List<byte[]> taken = new ArrayList<>();
        int rows = 0;
        for (DecodeRequest.Block b : blocks) {
            long expected = (long) l * h * b.dtype().bytes();
            if (b.bytes().length != expected) {
                throw new LlocoException(
                    String.format(
                        Locale.ROOT,
                        "a summary block of %d bytes does not fit model [%s] (%d x %d %s values = %d bytes): re-compress the documents with this model",
                        b.bytes().length,
                        info.id(),
                        l,
                        h,
                        b.dtype().value(),
                        expected
                    ),
                    RestStatus.BAD_REQUEST
                );
            }
            if (rows + l > budget) {
                break; // whole segments only: a prefix of the planned ones
            }
            taken.add(b.bytes());
            rows += l;
        }
        float[] data = new float[rows * h];
        int at = 0;
        for (int i = 0; i < taken.size(); i++) {
            float[] v = SummaryBlock.toFloats(taken.get(i), blocks.get(i).dtype());
            System.arraycopy(v, 0, data, at, v.length);
            at += v.length;
        }
        return new SummaryPrefix(new Embeddings(rows, h, data), taken.size());
    }

    /**
     * The summary prefix a planned question ({@code request}, one read) puts before its {@code promptTokens}-token prompt
     * on {@code model}: the same segments and budget a decode of it uses (for training on what questions will read).
     */
    public static SummaryPrefix plannedPrefix(DecodeModel model, DecodeRequest request, int promptTokens) {
        int budget = budget(model.info(), promptTokens, reserve(model, request.options()), request.maxSummaryPositions());
        return summaryPrefix(model.info(), request.reads().get(0).blocks(), budget);
    }

    /**
     * Positions kept free after the prompt: the answer to generate, or the longest option target when ranking. Shared
     * with the window plan of the coordinating node.
     */
    static int reserve(DecodeModel model, DecodeOptions o) {
        int reserve = o.maxNewTokens();
        if (o.ranks()) {
            for (String target : rankTargets(o)) {
                reserve = Math.max(reserve, model.tokenize(target).length + 1);
            }
        }
        return reserve;
    }

    /** The summary positions a question may read: window - prompt - reserve, at most {@code max_summary_positions}. */
    static int budget(ModelInfo info, int promptTokens, int reserve, int maxSummaryPositions) {
        int budget = info.maxPositions() - promptTokens - reserve;
        if (budget < 0) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "the prompt (%d tokens) plus [max_new_tokens] or the longest option (%d) exceed the window of model [%s] (%d positions); "
                        + "shorten the question or the options, or lower [max_new_tokens]",
                    promptTokens,
                    reserve,
                    info.id(),
                    info.maxPositions()
                ),
                RestStatus.BAD_REQUEST
            );
        }
        return maxSummaryPositions > 0 ? Math.min(budget, maxSummaryPositions) : budget;
    }

    private Prepared prepare(DecodeModel model, Pending p) {
        DecodeModel.Adapter adapter = model.adapter(p.request.adapter());
        try {
            return prepare(model, p, adapter);
        } catch (RuntimeException e) {
            adapter.release();
            throw e;
        }
    }

    private Prepared prepare(DecodeModel model, Pending p, DecodeModel.Adapter adapter) {
        DecodeRequest req = p.request;
        DecodeOptions o = req.options();
        ModelInfo info = model.info();
        int[] promptIds = model.tokenize(req.prompt());
        int budget = budget(info, promptIds.length, reserve(model, o), req.maxSummaryPositions());
        GenerationParams params = new GenerationParams(o.maxNewTokens(), o.temperature(), o.topP(), o.seed(), o.stop(), null);
        int n = req.reads().size();
        GenerationRequest[] gens = new GenerationRequest[n];
        Read[] reads = new Read[n];
        for (int r = 0; r < n; r++) {
            DecodeRequest.Read read = req.reads().get(r);
            switch (o.mode()) {
                case LLOCO -> {
                    SummaryPrefix sp = summaryPrefix(info, read.blocks(), budget);
                    gens[r] = new GenerationRequest(sp.embeddings(), promptIds, adapter.weights(), params);
                    reads[r] = new Read(sp.embeddings().rows(), sp.blocks(), 0, 0);
                }
                case FULL_CONTEXT -> {
                    int[] ctx = model.tokenize(read.text() == null ? "" : read.text());
                    int[] sep = model.tokenize("\n\n");
                    int keep = Math.max(0, Math.min(ctx.length, budget - sep.length));
                    int[] ids = new int[keep + sep.length + promptIds.length];
                    System.arraycopy(ctx, 0, ids, 0, keep);
                    System.arraycopy(sep, 0, ids, keep, sep.length);
                    System.arraycopy(promptIds, 0, ids, keep + sep.length, promptIds.length);
                    gens[r] = new GenerationRequest(Embeddings.empty(info.hidden()), ids, adapter.weights(), params);
                    reads[r] = new Read(0, 0, keep, ctx.length - keep);
                }
                default -> {
                    gens[r] = new GenerationRequest(Embeddings.empty(info.hidden()), promptIds, adapter.weights(), params);
                    reads[r] = new Read(0, 0, 0, 0);
                }
            }
        }
        long deadline = p.deadline();
        BooleanSupplier stop = () -> p.cancelled() || clock.getAsLong() > deadline;
        return new Prepared(p, adapter, promptIds.length, gens, reads, new DecodeResponse.ReadResult[n], stop);
    }

    /** Why a question stopped: its task was cancelled, or it ran past the timeout. */
    private RuntimeException stopped(Pending p, String when) {
        if (p.cancelled()) {
            return new TaskCancelledException("question cancelled " + when + ": " + p.task.getReasonCancelled());
        }
        return timedOut(p, when);
    }

    private LlocoException timedOut(Pending p, String when) {
        return new LlocoException(
            String.format(
                Locale.ROOT,
                "the question ran past [%s] (%s) on node [%s], %s; raise the setting, lower [max_new_tokens], or add [lloco] nodes",
                LlocoSettings.QA_TIMEOUT.getKey(),
                timeout.get(),
                nodeName,
                when
            ),
            RestStatus.GATEWAY_TIMEOUT
        );
    }

    /** {@code e} with an HTTP status: kept when it has one; 400 for an illegal argument; else a 500 naming this node. */
    static Exception statusOf(Exception e) {
        Throwable cause = ExceptionsHelper.unwrapCause(e);
        if (cause instanceof OpenSearchException || cause instanceof TaskCancelledException) {
            return (Exception) cause;
        }
        if (cause instanceof IllegalArgumentException) {
            return new LlocoException(cause.getMessage(), RestStatus.BAD_REQUEST, cause);
        }
        return new LlocoException("decoding failed: " + cause, RestStatus.INTERNAL_SERVER_ERROR, cause);
    }
}
