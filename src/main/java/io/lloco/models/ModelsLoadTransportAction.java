/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.tasks.Task;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import io.lloco.engine.LoadProgress;
import io.lloco.engine.ModelService;

/**
 * Loads a model on each addressed node and waits for it (the node operation waits on the generic pool; the load
 * itself runs on the node's {@code lloco_load} pool, shared with any question or ingest waiting for the same model).
 */
public class ModelsLoadTransportAction extends ModelsNodesAction<ModelsLoadRequest, ModelsLoadNodeRequest> {

    private final ModelService models;

    /** Injected by the node. */
    @Inject
    public ModelsLoadTransportAction(
        ThreadPool threadPool,
        ClusterService clusterService,
        TransportService transportService,
        ActionFilters actionFilters,
        ModelService models
    ) {
        super(
            ModelsLoadAction.NAME,
            threadPool,
            clusterService,
            transportService,
            actionFilters,
            ModelsLoadRequest::new,
            ModelsLoadNodeRequest::new,
            ThreadPool.Names.GENERIC,
            true
        );
        this.models = models;
    }

    @Override
    protected ModelsLoadNodeRequest newNodeRequest(ModelsLoadRequest request) {
        return new ModelsLoadNodeRequest(request.modelId());
    }

    @Override
    protected ModelsNodeResponse nodeOperation(ModelsLoadNodeRequest request) {
        return nodeOperation(request, null);
    }

    @Override
    protected ModelsNodeResponse nodeOperation(ModelsLoadNodeRequest request, Task task) {
        String id = request.modelId();
        PlainActionFuture<ModelService.LoadedModel> loaded = new PlainActionFuture<>();
        models.whenLoaded(id, loaded);
        LoadProgress progress = models.progress(id);
        if (task instanceof ModelLoadTask t && progress != null) {
            t.track(progress);
        }
        loaded.actionGet();
        ModelsNodeResponse.Loaded body = new ModelsNodeResponse.Loaded(id, models.status(id));
        return new ModelsNodeResponse(clusterService.localNode(), body);
    }
}
