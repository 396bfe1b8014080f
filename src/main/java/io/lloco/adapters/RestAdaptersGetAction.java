/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import static org.opensearch.rest.RestRequest.Method.GET;

import java.util.List;

import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoPaths;
import io.lloco.common.RestRequests;

/** {@code GET /_plugins/lloco/adapters[/{name}]}: the registered adapters, with the indices bound to each. */
public class RestAdaptersGetAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_adapters_get_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, LlocoPaths.ADAPTERS), new Route(GET, LlocoPaths.ADAPTER));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        RestRequests.refuseBody(request, "");
        AdaptersGetRequest get = new AdaptersGetRequest(request.param("name"));
        return channel -> client.execute(AdaptersGetAction.INSTANCE, get, new RestToXContentListener<>(channel));
    }
}
