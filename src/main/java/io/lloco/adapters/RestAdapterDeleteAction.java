/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import static org.opensearch.rest.RestRequest.Method.DELETE;

import java.util.List;

import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoPaths;
import io.lloco.common.RestRequests;

/** {@code DELETE /_plugins/lloco/adapters/{name}[?force=true]}: 409 while an index binds it, unless {@code force}. */
public class RestAdapterDeleteAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_adapter_delete_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(DELETE, LlocoPaths.ADAPTER));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        RestRequests.refuseBody(request, "force");
        AdapterDeleteRequest del = new AdapterDeleteRequest(request.param("name"), request.paramAsBoolean("force", false));
        return channel -> client.execute(AdapterDeleteAction.INSTANCE, del, new RestToXContentListener<>(channel));
    }
}
