/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import static org.opensearch.rest.RestRequest.Method.GET;

import java.util.List;
import java.util.Map;

import org.opensearch.core.common.Strings;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoPaths;
import io.lloco.common.RestRequests;

/**
 * {@code GET /_plugins/lloco} (this node) and {@code GET /_plugins/lloco/_nodes[/{node_id}]} (every or selected
 * nodes).
 */
public class RestLlocoInfoAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_info_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(
            new Route(GET, LlocoPaths.INFO),
            new Route(GET, LlocoPaths.NODES_INFO),
            new Route(GET, LlocoPaths.NODES_INFO_FILTERED)
        );
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        RestRequests.refuseBody(request, "timeout");
        boolean single = request.path().endsWith("/_nodes") == false && request.hasParam("node_id") == false;
        String[] nodes = single ? new String[]{"_local"} : Strings.splitStringByCommaToArray(request.param("node_id", "_all"));
        LlocoInfoRequest infoRequest = new LlocoInfoRequest(nodes);
        infoRequest.timeout(request.param("timeout"));
        return channel -> client.execute(LlocoInfoAction.INSTANCE, infoRequest, new RestToXContentListener<>(channel) {

            @Override
            public org.opensearch.rest.RestResponse buildResponse(
                LlocoInfoResponse response,
                org.opensearch.core.xcontent.XContentBuilder builder
            )
                throws Exception {
                ToXContent.Params params = new ToXContent.DelegatingMapParams(
                    Map.of(LlocoInfoResponse.SINGLE_PARAM, Boolean.toString(single)),
                    channel.request()
                );
                response.toXContent(builder, params);
                return new org.opensearch.rest.BytesRestResponse(org.opensearch.core.rest.RestStatus.OK, builder);
            }
        });
    }
}
