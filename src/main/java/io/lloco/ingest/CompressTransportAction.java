/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.Locale;

import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.lease.Releasable;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import io.lloco.common.Admission;
import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;
import io.lloco.common.ThreadPools;
import io.lloco.routing.InferenceRouter;

/**
 * Runs {@link CompressAction}. An unrouted request (from this node's processor) goes through the
 * {@link InferenceRouter}: compressed here on a {@code lloco} node, else sent to a {@code lloco} node (one retry
 * elsewhere), else compressed here when {@code plugins.lloco.ingest.allow_local} is true, else 503 naming it. A routed
 * request (received from another node) is compressed here, on the {@code lloco_compress} pool. The router is the
 * node's shared one (outstanding counts cover QA decode and ingest alike).
 *
 * <p>Admission: at most {@code plugins.lloco.ingest.queue_size} compress requests are queued or running on this node;
 * one more is refused at once with a 429 naming that setting (which the ingest node's router retries once on another
 * {@code lloco} node), so concurrent bulks beyond capacity get answers, not an ever-growing queue.
 */
public class CompressTransportAction extends HandledTransportAction<CompressRequest, CompressResponse> {

    private final RoutedCompressService service;
    private final LlocoSettings settings;
    private final InferenceRouter router;
    private final ThreadPool threadPool;
    private final TransportService transportService;
    private final Admission admission = new Admission();

    /** Built by the node's injector. */
    @Inject
    public CompressTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        InferenceRouter router,
        RoutedCompressService service,
        LlocoSettings settings,
        ThreadPool threadPool
    ) {
        // received on the transport thread: admission is counted before the request waits in the pool's queue
        super(CompressAction.NAME, transportService, actionFilters, CompressRequest::new, ThreadPool.Names.SAME);
        this.service = service;
        this.settings = settings;
        this.router = router;
        this.threadPool = threadPool;
        this.transportService = transportService;
    }

    @Override
    protected void doExecute(Task task, CompressRequest request, ActionListener<CompressResponse> listener) {
        if (request.routed()) {
            runLocally(request, listener);
            return;
        }
        router.route(
            CompressAction.NAME,
            request.asRouted(),
            CompressResponse::new,
            settings.ingestTimeout(),
            l -> runLocally(request, l),
            settings::ingestAllowLocal,
            LlocoSettings.INGEST_ALLOW_LOCAL.getKey(),
            listener
        );
    }

    /** Compress requests queued or running on this node now. */
    int admitted() {
        return admission.admitted();
    }

    private void runLocally(CompressRequest request, ActionListener<CompressResponse> listener) {
        Releasable place;
        try {
            place = admission.admit(
                settings.ingestQueueSize(),
                admitted -> new LlocoException(
                    String.format(
                        Locale.ROOT,
                        "the compress queue of node [%s] is full (%d requests waiting or compressing); retry later, add [lloco] nodes,"
                            + " or raise [%s]",
                        transportService.getLocalNode() == null ? "_local" : transportService.getLocalNode().getName(),
                        admitted,
                        LlocoSettings.INGEST_QUEUE_SIZE.getKey()
                    ),
                    RestStatus.TOO_MANY_REQUESTS
                )
            );
        } catch (LlocoException full) {
            listener.onFailure(full);
            return;
        }
        ActionListener<CompressResponse> done = ActionListener.notifyOnce(ActionListener.runBefore(listener, place::close));
        try {
            threadPool.executor(ThreadPools.COMPRESS).execute(() -> {
                try {
                    service.local().compress(request.job(), ActionListener.map(done, CompressResponse::new));
                } catch (Exception e) {
                    done.onFailure(e);
                }
            });
        } catch (Exception rejected) {
            done.onFailure(rejected); // the pool's own queue (thread_pool.lloco_compress.queue_size) is full: a 429 too
        }
    }
}
