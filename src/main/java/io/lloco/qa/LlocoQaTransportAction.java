/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.opensearch.action.search.MultiSearchRequest;
import org.opensearch.action.search.MultiSearchResponse;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.breaker.CircuitBreaker;
import org.opensearch.core.indices.breaker.CircuitBreakerService;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;
import org.opensearch.transport.client.Client;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.common.ThreadPools;
import io.lloco.decode.DecodeAction;
import io.lloco.decode.DecodeRequest;
import io.lloco.decode.DecodeResponse;
import io.lloco.decode.DecodeService;
import io.lloco.decode.PromptRenderer;
import io.lloco.decode.TemplateSource;
import io.lloco.decode.WindowAction;
import io.lloco.decode.WindowRequest;
import io.lloco.decode.WindowResponse;
import io.lloco.engine.ModelService;
import io.lloco.routing.InferenceRouter;
import io.lloco.store.StoreLayout;

/**
 * Coordinates {@code _lloco_qa} on the node that receives it: resolves the target indices and their stored layout
 * from the cluster state, the adapter from {@code index.lloco.adapter}, the template from the request or
 * {@code index.lloco.template} (checked at once), then runs the question's steps ({@link QaFlow}) as the calling user,
 * routing the window (where the prompt is rendered, with the adapter's template when neither names one) and the decode
 * to a {@code lloco} node.
 */
public class LlocoQaTransportAction extends HandledTransportAction<LlocoQaRequest, LlocoQaResponse> {

    /** Label of the question's reservations in the {@code request} circuit breaker. */
    static final String BREAKER_LABEL = "lloco_qa";

    private final Client client;
    private final ClusterService clusterService;
    private final IndexNameExpressionResolver resolver;
    private final InferenceRouter router;
    private final DecodeService decoder;
    private final LlocoSettings settings;
    private final ThreadPool threadPool;
    private final CircuitBreakerService breakers;
    private final PromptRenderer renderer = new PromptRenderer();

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
        LlocoSettings settings,
        ThreadPool threadPool,
        CircuitBreakerService breakers
    ) {
        super(LlocoQaAction.NAME, transportService, actionFilters, LlocoQaRequest::new);
        this.client = client;
        this.clusterService = clusterService;
        this.resolver = resolver;
        this.router = router;
        this.decoder = decoder;
        this.settings = settings;
        this.threadPool = threadPool;
        this.breakers = breakers;
    }

    @Override
    protected void doExecute(Task task, LlocoQaRequest request, ActionListener<LlocoQaResponse> listener) {
        run(task, request, new Backend(task), listener);
    }

    /**
     * Plans {@code request} exactly as {@code _lloco_qa} would answer it (the same retrieval, segments, window, template
     * and budget) and hands over the decode request it would send instead of decoding it: what adapter training reads.
     * Questions that would need several decodes (candidate answers) are planned by their first.
     */
    public void plan(Task task, LlocoQaRequest request, ActionListener<DecodeRequest> planned) {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Backend real = new Backend(task);
        QaBackend capturing = new QaBackend() {

            @Override
            public void search(SearchRequest r, ActionListener<SearchResponse> l) {
                real.search(r, l);
            }

            @Override
            public void multiSearch(MultiSearchRequest r, ActionListener<MultiSearchResponse> l) {
                real.multiSearch(r, l);
            }

            @Override
            public void window(WindowRequest r, ActionListener<WindowResponse> l) {
                real.window(r, l);
            }

            @Override
            public void decode(DecodeRequest r, ActionListener<DecodeResponse> l) {
                if (done.compareAndSet(false, true)) {
                    planned.onResponse(r);
                }
                l.onFailure(new PlannedOnly());
            }

            @Override
            public void fork(Runnable step) {
                real.fork(step);
            }

            @Override
            public Releasable reserve(long bytes) {
                return real.reserve(bytes);
            }
        };
        run(task, request, capturing, ActionListener.wrap(r -> {
            if (done.compareAndSet(false, true)) {
                planned.onFailure(
                    new LlocoException("the question was answered without a decode: nothing to train on", RestStatus.BAD_REQUEST)
                );
            }
        }, e -> {
            if (e instanceof PlannedOnly == false && done.compareAndSet(false, true)) {
                planned.onFailure(e);
            }
        }));
    }

    /** Ends a planned-only question once its decode request is known. */
    private static final class PlannedOnly extends RuntimeException {

        PlannedOnly() {
            super("planned only", null, false, false);
        }
    }

    private void run(Task task, LlocoQaRequest request, QaBackend backend, ActionListener<LlocoQaResponse> listener) {
        QaFlow flow;
        try {
            ClusterState state = clusterService.state();
            String[] concrete = resolver.concreteIndexNames(state, request);
            Map<String, StoreLayout> layouts = new LinkedHashMap<>();
            List<LlocoException> refused = new ArrayList<>();
            for (String index : concrete) {
                IndexMetadata md = state.metadata().index(index);
                if (md == null) {
                    continue;
                }
                try {
                    layouts.put(index, StoreLayout.of(md, request.targetField()));
                } catch (LlocoException e) {
                    refused.add(e);
                }
            }
            if (layouts.isEmpty() && refused.isEmpty() == false) {
                throw refused.get(0);
            }
            // a pattern may also match indices without compressed documents: they are searched too (alias filters and
            // security stay those of the request) but can only yield warnings
            List<String> warnings = new ArrayList<>();
            refused.forEach(e -> warnings.add(e.getMessage()));
            String adapter = resolveAdapter(request, state, concrete);
            PromptRenderer.Declared template = resolveTemplate(request, state, concrete);
            if (template != null) {
                // checked here, before any search: a bad template is a 400 at once; an index template that does not
                // fit the question is passed over (with a warning) for the adapter's or the default
                PromptRenderer.Rendered r = renderer.render(request.question(), request.options(), List.of(template), warnings);
                template = r.source() == TemplateSource.DEFAULT ? null : template;
            }
            flow = new QaFlow(
                request,
                template == null ? null : template.value(),
                template == null ? null : template.source(),
                adapter,
                layouts,
                ModelService.EMBEDDED_MODEL,
                backend,
                warnings,
                listener
            );
        } catch (Exception e) {
            listener.onFailure(e);
            return;
        }
        flow.start();
    }

    /**
     * The adapter of a question: the request's ({@code none}: no adapter), else the one all target indices set in
     * {@code index.lloco.adapter}, else the model's default.
     */
    private String resolveAdapter(LlocoQaRequest request, ClusterState state, String[] concrete) {
        String a = request.options().adapter();
        if (a != null) {
            return "none".equals(a) ? null : a;
        }
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
            return DecodeService.MODEL_DEFAULT_ADAPTER;
        }
        return "none".equals(v) ? null : v;
    }

    /**
     * The template the coordinating node chooses: the request's, else the one all target indices set in
     * {@code index.lloco.template} (400 when they differ), else null. The {@code lloco} node that holds the adapter's
     * files ranks the adapter's template between the request's and the indices' (DecodeService#window).
     */
    static PromptRenderer.Declared resolveTemplate(LlocoQaRequest request, ClusterState state, String[] concrete) {
        String t = request.options().template();
        if (t != null) {
            return PromptRenderer.Declared.request(t);
        }
        TreeMap<String, List<String>> chosen = new TreeMap<>();
        for (String index : concrete) {
            IndexMetadata md = state.metadata().index(index);
            chosen.computeIfAbsent(md == null ? "" : LlocoSettings.INDEX_TEMPLATE.get(md.getSettings()), v -> new ArrayList<>()).add(index);
        }
        if (chosen.size() > 1) {
            List<String> where = new ArrayList<>();
            chosen.forEach((v, indices) -> where.add((v.isEmpty() ? "not set" : "[" + v + "]") + " on " + indices));
            throw new LlocoException(
                "the target indices set different [" + LlocoSettings.INDEX_TEMPLATE.getKey() + "] values (" + String.join(", ", where)
                    + "); ask one index at a time or pass [template]",
                RestStatus.BAD_REQUEST
            );
        }
        String v = chosen.isEmpty() ? "" : chosen.firstKey();
        return v.isEmpty() ? null : PromptRenderer.Declared.index(v);
    }

    /** The node's services, bound to one question's task and thread context. */
    private final class Backend implements QaBackend {

        private final Task task;
        private final Supplier<ThreadContext.StoredContext> context;

        Backend(Task task) {
            this.task = task;
            this.context = threadPool.getThreadContext().newRestorableContext(false);
        }

        private TaskId parent() {
            return task == null ? TaskId.EMPTY_TASK_ID : new TaskId(clusterService.localNode().getId(), task.getId());
        }

        private CancellableTask cancellable() {
            return task instanceof CancellableTask c ? c : null;
        }

        @Override
        public void search(SearchRequest request, ActionListener<SearchResponse> listener) {
            request.setParentTask(parent());
            client.search(request, listener);
        }

        /**
         * The searches of {@code request} sent one by one, in parallel, and gathered into one response: a
         * {@code _msearch} would need the cluster permission {@code indices:data/read/msearch} under the security
         * plugin, while asking needs only read access to the index (docs/security.md).
         */
        @Override
        public void multiSearch(MultiSearchRequest request, ActionListener<MultiSearchResponse> listener) {
            List<SearchRequest> requests = request.requests();
            MultiSearchResponse.Item[] items = new MultiSearchResponse.Item[requests.size()];
            if (items.length == 0) {
                listener.onResponse(new MultiSearchResponse(items, 0));
                return;
            }
            long start = System.nanoTime();
            java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger(items.length);
            java.util.function.BiConsumer<Integer, MultiSearchResponse.Item> done = (at, item) -> {
                items[at] = item;
                if (pending.decrementAndGet() == 0) {
                    listener.onResponse(new MultiSearchResponse(items, (System.nanoTime() - start) / 1_000_000));
                }
            };
            for (int i = 0; i < items.length; i++) {
                int at = i;
                SearchRequest r = requests.get(i);
                r.setParentTask(parent());
                client.search(
                    r,
                    ActionListener.wrap(
                        resp -> done.accept(at, new MultiSearchResponse.Item(resp, null)),
                        e -> done.accept(at, new MultiSearchResponse.Item(null, e))
                    )
                );
            }
        }

        @Override
        public void window(WindowRequest request, ActionListener<WindowResponse> listener) {
            request.setParentTask(parent());
            router.route(
                WindowAction.NAME,
                request.markRouted(),
                WindowResponse::new,
                null,
                l -> decoder.window(request, l),
                settings::qaAllowLocal,
                LlocoSettings.QA_ALLOW_LOCAL.getKey(),
                listener
            );
        }

        @Override
        public void decode(DecodeRequest request, ActionListener<DecodeResponse> listener) {
            // a child of the _lloco_qa task: cancelling the question cancels the decode on the lloco node too
            request.setParentTask(parent());
            router.route(
                DecodeAction.NAME,
                request.markRouted(),
                DecodeResponse::new,
                null,
                l -> decoder.submit(request, cancellable(), l),
                settings::qaAllowLocal,
                LlocoSettings.QA_ALLOW_LOCAL.getKey(),
                listener
            );
        }

        @Override
        public void fork(Runnable step) {
            threadPool.executor(ThreadPools.QA).execute(() -> {
                try (ThreadContext.StoredContext ignored = context.get()) {
                    step.run();
                }
            });
        }

        @Override
        public Releasable reserve(long bytes) {
            if (bytes <= 0) {
                return () -> {
                };
            }
            CircuitBreaker breaker = breakers.getBreaker(CircuitBreaker.REQUEST);
            breaker.addEstimateBytesAndMaybeBreak(bytes, BREAKER_LABEL);
            AtomicBoolean released = new AtomicBoolean();
            return () -> {
                if (released.compareAndSet(false, true)) {
                    breaker.addWithoutBreaking(-bytes);
                }
            };
        }
    }
}
