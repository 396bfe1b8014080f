/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.opensearch.action.ActionRunnable;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.HandledTransportAction;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import io.lloco.common.LlocoException;

/** Reads the registry (on the generic pool) and adds each adapter's bound indices from the cluster state. */
public class AdaptersGetTransportAction extends HandledTransportAction<AdaptersGetRequest, AdaptersGetResponse> {

    private final AdapterStore store;
    private final ClusterService clusterService;
    private final ThreadPool threadPool;

    /** Injected. */
    @Inject
    public AdaptersGetTransportAction(
        TransportService transportService,
        ActionFilters actionFilters,
        AdapterRegistrar registrar,
        ClusterService clusterService,
        ThreadPool threadPool
    ) {
        super(AdaptersGetAction.NAME, transportService, actionFilters, AdaptersGetRequest::new, ThreadPool.Names.GENERIC);
        this.store = registrar.store();
        this.clusterService = clusterService;
        this.threadPool = threadPool;
    }

    @Override
    protected void doExecute(Task task, AdaptersGetRequest request, ActionListener<AdaptersGetResponse> listener) {
        // blocking reads and writes of the registry index: never on the caller's (transport or REST) thread
        threadPool.generic().execute(ActionRunnable.wrap(listener, l -> respond(request, l)));
    }

    private void respond(AdaptersGetRequest request, ActionListener<AdaptersGetResponse> listener) {
        try {
            ClusterState state = clusterService.state();
            List<Map<String, Object>> out = new ArrayList<>();
            if (request.name() != null) {
                AdapterMeta m = store.get(request.name());
                if (m == null) {
                    throw new LlocoException(
                        "adapter [" + request.name() + "] is not registered (GET /_plugins/lloco/adapters lists the registered ones)",
                        RestStatus.NOT_FOUND
                    );
                }
                out.add(m.toApiMap(Bindings.boundIndices(state, m.name())));
            } else {
                for (AdapterMeta m : store.list()) {
                    out.add(m.toApiMap(Bindings.boundIndices(state, m.name())));
                }
            }
            listener.onResponse(new AdaptersGetResponse(out));
        } catch (Exception e) {
            listener.onFailure(e);
        }
    }
}
