/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.util.List;

import org.opensearch.action.ActionRunnable;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoSettings;

/**
 * Deletes an adapter from the registry (metadata and chunks). Refused with 409 while an index binds it
 * ({@code index.lloco.adapter}) unless {@code force=true}; questions over an index still bound to a deleted adapter
 * answer 404 until another adapter is bound. Nodes drop their copy when a question next asks for it.
 */
public class AdapterDeleteTransportAction extends HandledTransportAction<AdapterDeleteRequest, AdapterResponse> {

    private final AdapterStore store;
    private final ClusterService clusterService;
    private final ThreadPool threadPool;

    /** Injected. */
    @Inject
    public AdapterDeleteTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        AdapterRegistrar registrar,
        ClusterService clusterService,
        ThreadPool threadPool
    ) {
        super(AdapterDeleteAction.NAME, transportService, actionFilters, AdapterDeleteRequest::new, ThreadPool.Names.GENERIC);
        this.store = registrar.store();
        this.clusterService = clusterService;
        this.threadPool = threadPool;
    }

    @Override
    protected void doExecute(Task task, AdapterDeleteRequest request, ActionListener<AdapterResponse> listener) {
        // blocking reads and writes of the registry index: never on the caller's (transport or REST) thread
        threadPool.generic().execute(ActionRunnable.wrap(listener, l -> respond(request, l)));
    }

    private void respond(AdapterDeleteRequest request, ActionListener<AdapterResponse> listener) {
        try {
            AdapterMeta meta = store.get(request.name());
            if (meta == null) {
                throw new LlocoException("adapter [" + request.name() + "] is not registered", RestStatus.NOT_FOUND);
            }
            List<String> bound = Bindings.boundIndices(clusterService.state(), request.name());
            if (bound.isEmpty() == false && request.force() == false) {
                throw new LlocoException(
                    "adapter [" + request.name() + "] is bound to " + bound + " by [" + LlocoSettings.INDEX_ADAPTER.getKey()
                        + "]; bind another adapter (or none) to them first, or delete with force=true (their questions then fail "
                        + "until another adapter is bound)",
                    RestStatus.CONFLICT
                );
            }
            if (store.delete(request.name()) == false) {
                throw new LlocoException("adapter [" + request.name() + "] is not registered", RestStatus.NOT_FOUND);
            }
            listener.onResponse(new AdapterResponse("deleted", meta, bound));
        } catch (Exception e) {
            listener.onFailure(e);
        }
    }
}
