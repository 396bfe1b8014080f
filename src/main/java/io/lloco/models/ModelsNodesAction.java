/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.nodes.TransportNodesAction;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.TransportRequest;
import org.opensearch.transport.TransportService;

import io.lloco.common.LlocoException;

/**
 * What the models nodes actions share: each node answers a {@link ModelsNodeResponse}, gathered into a
 * {@link ModelsResponse}; the actions that change nodes ({@code _load}, {@code _unload}) answer 400 naming the selection
 * when it resolves to no node, rather than an empty success.
 */
abstract class ModelsNodesAction<R extends ModelsRequest<R>, N extends TransportRequest> extends TransportNodesAction<R, ModelsResponse, N, ModelsNodeResponse> {

    private final boolean requireNodes;

    ModelsNodesAction(
        String name,
        ThreadPool threadPool,
        ClusterService clusterService,
        TransportService transportService,
        ActionFilters actionFilters,
        Writeable.Reader<R> request,
        Writeable.Reader<N> nodeRequest,
        String executor,
        boolean requireNodes
    ) {
        super(name, threadPool, clusterService, transportService, actionFilters, request, nodeRequest, executor, ModelsNodeResponse.class);
        this.requireNodes = requireNodes;
    }

    @Override
    protected void resolveRequest(R request, ClusterState clusterState) {
        super.resolveRequest(request, clusterState);
        if (requireNodes && (request.concreteNodes() == null || request.concreteNodes().length == 0)) {
            throw new LlocoException(
                "no node matches [nodes] = "
                    + Arrays.toString(request.nodesIds())
                    + " (by default the nodes with the [lloco] role); name the nodes with ?nodes=<ids, names or filters>",
                RestStatus.BAD_REQUEST
            );
        }
    }

    @Override
    protected ModelsResponse newResponse(R request, List<ModelsNodeResponse> responses, List<FailedNodeException> failures) {
        return new ModelsResponse(clusterService.getClusterName(), responses, failures);
    }

    @Override
    protected ModelsNodeResponse newNodeResponse(StreamInput in) throws IOException {
        return new ModelsNodeResponse(in);
    }
}
