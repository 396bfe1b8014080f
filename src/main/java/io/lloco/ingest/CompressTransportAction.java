/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.tasks.Task;
import org.opensearch.transport.TransportService;

import io.lloco.common.LlocoSettings;
import io.lloco.common.ThreadPools;
import io.lloco.routing.InferenceRouter;

/**
 * Runs {@link CompressAction}. An unrouted request (from this node's processor) goes through the
 * {@link InferenceRouter}: compressed here on a {@code lloco} node, else sent to a {@code lloco} node (one retry
 * elsewhere), else compressed here when {@code plugins.lloco.ingest.allow_local} is true, else 503 naming it. A routed
 * request (received from another node) is compressed here, on the {@code lloco_compress} pool. The router is the
 * node's shared one (outstanding counts cover QA decode and ingest alike).
 */
public class CompressTransportAction extends HandledTransportAction<CompressRequest, CompressResponse> {

    private final RoutedCompressService service;
    private final LlocoSettings settings;
    private final InferenceRouter router;

    /** Built by the node's injector. */
    @Inject
    public CompressTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        InferenceRouter router,
        RoutedCompressService service,
        LlocoSettings settings
    ) {
        super(CompressAction.NAME, transportService, actionFilters, CompressRequest::new, ThreadPools.COMPRESS);
        this.service = service;
        this.settings = settings;
        this.router = router;
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

    private void runLocally(CompressRequest request, ActionListener<CompressResponse> listener) {
        service.local().compress(request.job(), ActionListener.map(listener, CompressResponse::new));
    }
}
