/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import java.io.IOException;
import java.util.List;

import org.opensearch.Version;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.nodes.TransportNodesAction;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.node.DiscoveryNodeRole;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportService;

import io.lloco.common.LlocoSettings;
import io.lloco.common.PluginInfo;
import io.lloco.engine.EngineService;
import io.lloco.engine.ModelService;
import io.lloco.routing.LlocoNodeRole;

/** Collects {@link LlocoInfoNodeResponse}s from the addressed nodes. */
public class LlocoInfoTransportAction extends TransportNodesAction<LlocoInfoRequest, LlocoInfoResponse, LlocoInfoNodeRequest, LlocoInfoNodeResponse> {

    private final EngineService engine;
    private final ModelService models;
    private final LlocoSettings settings;

    /** Injected by the node. */
    @Inject
    public LlocoInfoTransportAction(
        ThreadPool threadPool,
        ClusterService clusterService,
        TransportService transportService,
        ActionFilters actionFilters,
        EngineService engine,
        ModelService models,
        LlocoSettings settings
    ) {
        super(
            LlocoInfoAction.NAME,
            threadPool,
            clusterService,
            transportService,
            actionFilters,
            LlocoInfoRequest::new,
            LlocoInfoNodeRequest::new,
            ThreadPool.Names.MANAGEMENT,
            LlocoInfoNodeResponse.class
        );
        this.engine = engine;
        this.models = models;
        this.settings = settings;
    }

    @Override
    protected LlocoInfoResponse newResponse(
        LlocoInfoRequest request,
        List<LlocoInfoNodeResponse> responses,
        List<FailedNodeException> failures
    ) {
        return new LlocoInfoResponse(clusterService.getClusterName(), responses, failures);
    }

    @Override
    protected LlocoInfoNodeRequest newNodeRequest(LlocoInfoRequest request) {
        return new LlocoInfoNodeRequest();
    }

    @Override
    protected LlocoInfoNodeResponse newNodeResponse(StreamInput in) throws IOException {
        return new LlocoInfoNodeResponse(in);
    }

    @Override
    protected LlocoInfoNodeResponse nodeOperation(LlocoInfoNodeRequest request) {
        DiscoveryNode node = clusterService.localNode();
        LlocoInfoNodeResponse.Info info = new LlocoInfoNodeResponse.Info(
            node.getName(),
            node.getId(),
            node.getRoles().stream().map(DiscoveryNodeRole::roleName).sorted().toList(),
            LlocoNodeRole.has(node),
            PluginInfo.NAME,
            PluginInfo.version(),
            Version.CURRENT.toString(),
            engine.describe(settings.infoSelfTest()),
            models.loadedSummary(),
            models.adapterSummary(),
            models.memory()
        );
        return new LlocoInfoNodeResponse(node, info);
    }
}
