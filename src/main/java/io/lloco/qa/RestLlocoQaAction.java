/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import static org.opensearch.rest.RestRequest.Method.GET;
import static org.opensearch.rest.RestRequest.Method.POST;

import java.io.IOException;
import java.util.List;

import org.opensearch.core.common.Strings;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestCancellableNodeClient;
import org.opensearch.rest.action.RestToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoPaths;

/** {@code POST|GET /{index}/_lloco_qa}: answers a question over the index's compressed documents. */
public class RestLlocoQaAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "lloco_qa_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, LlocoPaths.QA), new Route(GET, LlocoPaths.QA));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String[] indices = Strings.splitStringByCommaToArray(request.param("index"));
        if (request.hasContentOrSourceParam() == false) {
            throw new LlocoException(
                "a request body is required, e.g. {\"question\": \"...\"}",
                org.opensearch.core.rest.RestStatus.BAD_REQUEST
            );
        }
        LlocoQaRequest qa;
        try (XContentParser parser = request.contentOrSourceParamParser()) {
            qa = LlocoQaRequest.parse(parser, indices);
        }
        return channel -> new RestCancellableNodeClient(client, request.getHttpChannel()).execute(
            LlocoQaAction.INSTANCE,
            qa,
            new RestToXContentListener<>(channel)
        );
    }
}
