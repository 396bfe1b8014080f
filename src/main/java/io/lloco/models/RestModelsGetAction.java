/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import static org.opensearch.rest.RestRequest.Method.GET;

import java.util.List;

import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestStatusToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoPaths;
import io.lloco.common.RestRequests;

/**
 * {@code GET /_plugins/lloco/models[/{model_id}][?nodes=...]}: what each node (default every node) has loaded, is
 * loading or failed to load, the models it could load, and its memory budget.
 */
public class RestModelsGetAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_models_get_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, LlocoPaths.MODELS), new Route(GET, LlocoPaths.MODEL));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        RestRequests.refuseBody(request, "nodes, timeout");
        ModelsGetRequest get = new ModelsGetRequest(request.param("model_id"), RestModelsParams.nodes(request, "_all"));
        get.timeout(request.param("timeout"));
        return channel -> client.execute(ModelsGetAction.INSTANCE, get, new RestStatusToXContentListener<>(channel));
    }
}
