/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import static org.opensearch.rest.RestRequest.Method.POST;

import java.util.List;

import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestStatusToXContentListener;
import org.opensearch.tasks.Task;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.EarlyFailureListener;
import io.lloco.common.LlocoPaths;
import io.lloco.common.RestRequests;
import io.lloco.common.TaskStartedResponse;

/**
 * {@code POST /_plugins/lloco/models/{model_id}/_load[?nodes=...][&wait_for_completion=false][&timeout=...]}: loads a
 * model on the addressed nodes (default every {@code lloco} node). With {@code wait_for_completion=false} answers at
 * once with the task id ({@code GET _tasks/<id>} shows the progress of each node's load).
 */
public class RestModelLoadAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_model_load_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, LlocoPaths.MODEL_LOAD));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        RestModelsParams.refuseBody(request);
        boolean wait = RestRequests.flag(request, "wait_for_completion", true);
        ModelsLoadRequest load = new ModelsLoadRequest(
            request.param("model_id"),
            RestModelsParams.nodes(request, RestModelsParams.LLOCO_NODES)
        );
        load.timeout(request.param("timeout"));
        if (wait) {
            return channel -> client.execute(ModelsLoadAction.INSTANCE, load, new RestStatusToXContentListener<>(channel));
        }
        // as OpenSearch's own background APIs (_reindex): a bad request is the answer, not a task that fails unseen
        ActionRequestValidationException invalid = load.validate();
        if (invalid != null) {
            throw invalid;
        }
        return channel -> {
            EarlyFailureListener<ModelsResponse> listener = new EarlyFailureListener<>("load of model [" + load.modelId() + "]");
            Task task = client.executeLocally(ModelsLoadAction.INSTANCE, load, listener);
            Exception failed = listener.started();
            if (failed != null) {
                channel.sendResponse(new BytesRestResponse(channel, failed));
                return;
            }
            TaskStartedResponse started = new TaskStartedResponse(new TaskId(client.getLocalNodeId(), task.getId()));
            channel.sendResponse(new BytesRestResponse(RestStatus.OK, started.toXContent(channel.newBuilder(), request)));
        };
    }
}
