/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import static org.opensearch.rest.RestRequest.Method.POST;

import java.util.List;

import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestStatusToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoPaths;

/** {@code POST /_plugins/lloco/models/{model_id}/_unload[?nodes=...]}: unloads a model (default on every {@code lloco} node). */
public class RestModelUnloadAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_model_unload_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, LlocoPaths.MODEL_UNLOAD));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        RestModelsParams.refuseBody(request);
        ModelsUnloadRequest unload = new ModelsUnloadRequest(
            request.param("model_id"),
            RestModelsParams.nodes(request, RestModelsParams.LLOCO_NODES)
        );
        unload.timeout(request.param("timeout"));
        return channel -> client.execute(ModelsUnloadAction.INSTANCE, unload, new RestStatusToXContentListener<>(channel));
    }
}
