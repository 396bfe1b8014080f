/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import org.opensearch.action.support.ActionFilters;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import io.lloco.engine.ModelService;

/**
 * Unloads a model on each addressed node: it leaves the node's registry at once; its memory is freed when the
 * questions or compressions using it finish ({@code result: unloading} meanwhile).
 */
public class ModelsUnloadTransportAction extends ModelsNodesAction<ModelsUnloadRequest, ModelsNodeRequest> {

    private final ModelService models;

    /** Injected by the node. */
    @Inject
    public ModelsUnloadTransportAction(
        ThreadPool threadPool,
        ClusterService clusterService,
        TransportService transportService,
        ActionFilters actionFilters,
        ModelService models
    ) {
        super(
            ModelsUnloadAction.NAME,
            threadPool,
            clusterService,
            transportService,
            actionFilters,
            ModelsUnloadRequest::new,
            ModelsNodeRequest::new,
            ThreadPool.Names.MANAGEMENT,
            true
        );
        this.models = models;
    }

    @Override
    protected ModelsNodeRequest newNodeRequest(ModelsUnloadRequest request) {
        return new ModelsNodeRequest(request.modelId());
    }

    @Override
    protected ModelsNodeResponse nodeOperation(ModelsNodeRequest request) {
        ModelService.UnloadResult r = models.unload(request.modelId());
        ModelsNodeResponse.Unloaded body = new ModelsNodeResponse.Unloaded(r.model(), r.result(), r.users());
        return new ModelsNodeResponse(clusterService.localNode(), body);
    }
}
