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

/** {@code POST /_plugins/lloco/adapters/{name}/_train} ({@link AdapterTrainRequest}). */
public class RestAdapterTrainAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_adapter_train_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, LlocoPaths.ADAPTER_TRAIN));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String name = request.param("name");
        if (request.hasContent() == false) {
            throw new LlocoException("_train needs a body with [source_index] and [examples]", RestStatus.BAD_REQUEST);
        }
        AdapterTrainRequest r;
        try (XContentParser parser = request.contentParser()) {
            r = AdapterTrainRequest.parse(name, parser);
        }
        return channel -> client.execute(AdapterTrainAction.INSTANCE, r, new RestToXContentListener<>(channel));
    }
}
