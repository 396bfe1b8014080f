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

import io.lloco.engine.EngineService;
import io.lloco.engine.ModelService;
import io.lloco.routing.LlocoNodeRole;

/**
 * Per node: the models it has (id, state, device, dtype, parameters, bytes, fingerprint, adapters, progress of a
 * load, error of a failed one), the models it could load ({@code available}) and its memory budget.
 */
public class ModelsGetTransportAction extends ModelsNodesAction<ModelsGetRequest, ModelsNodeRequest> {

    private final ModelService models;
    private final EngineService engine;

    /** Injected by the node. */
    @Inject
    public ModelsGetTransportAction(
        ThreadPool threadPool,
        ClusterService clusterService,
        TransportService transportService,
        ActionFilters actionFilters,
        ModelService models,
        EngineService engine
    ) {
        super(
            ModelsGetAction.NAME,
            threadPool,
            clusterService,
            transportService,
            actionFilters,
            ModelsGetRequest::new,
            ModelsNodeRequest::new,
            ThreadPool.Names.MANAGEMENT,
            false
        );
        this.models = models;
        this.engine = engine;
    }

    @Override
    protected ModelsNodeRequest newNodeRequest(ModelsGetRequest request) {
        return new ModelsNodeRequest(request.modelId());
    }

    @Override
    protected ModelsNodeResponse nodeOperation(ModelsNodeRequest request) {
        String id = request.modelId();
        boolean started = engine.started();
        ModelsNodeResponse.Listing body = new ModelsNodeResponse.Listing(
            LlocoNodeRole.has(clusterService.localNode()),
            started,
            started ? null : engine.failure(),
            id == null ? models.status() : models.status(id),
            models.knownModels(),
            models.memory()
        );
        return new ModelsNodeResponse(clusterService.localNode(), body);
    }
}
