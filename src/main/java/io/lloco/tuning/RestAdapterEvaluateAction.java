/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import static org.opensearch.rest.RestRequest.Method.POST;

import java.io.IOException;
import java.util.List;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoPaths;
import io.lloco.common.RestRequests;

/**
 * {@code POST /_plugins/lloco/adapters/{name}/_evaluate[?wait_for_completion=false]} ({@link AdapterEvaluateRequest}).
 * With {@code wait_for_completion=false} answers with {@code {"task": "node:id"}} as soon as the evaluation has begun
 * ({@link BackgroundEvaluate}); its response is stored for {@code GET _tasks/<id>}.
 */
public class RestAdapterEvaluateAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_adapter_evaluate_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, LlocoPaths.ADAPTER_EVALUATE));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String name = request.param("name");
        boolean wait = RestRequests.flag(request, "wait_for_completion", true);
        if (request.hasContent() == false) {
            throw new LlocoException("_evaluate needs a body with [source_index] and [examples]", RestStatus.BAD_REQUEST);
        }
        AdapterEvaluateRequest r;
        try (XContentParser parser = request.contentParser()) {
            r = AdapterEvaluateRequest.parse(name, parser);
        }
        if (wait) {
            return channel -> client.execute(AdapterEvaluateAction.INSTANCE, r, new RestToXContentListener<>(channel));
        }
        return channel -> BackgroundEvaluate.start(client, r, new RestToXContentListener<>(channel));
    }
}
