/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import static org.opensearch.rest.RestRequest.Method.PUT;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestToXContentListener;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoPaths;
import io.lloco.common.LlocoSettings;

/**
 * {@code PUT /_plugins/lloco/adapters/{name}}: registers an adapter from a directory of the node's config
 * ({@code {"path": ...}}) or from an upload ({@code {"adapter_config": {...}, "weights": "<base64>"}}). A body larger
 * than {@code plugins.lloco.adapters.max_upload_size} is refused (400 naming the setting) before it is parsed.
 */
public class RestAdapterPutAction extends BaseRestHandler {

    private final Supplier<LlocoSettings> settings;

    /** With the node's live settings. */
    public RestAdapterPutAction(Supplier<LlocoSettings> settings) {
        this.settings = settings;
    }

    @Override
    public String getName() {
        return "lloco_adapter_put_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(PUT, LlocoPaths.ADAPTER));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        String name = request.param("name");
        LlocoSettings s = settings.get();
        long limit = s == null
            ? LlocoSettings.ADAPTERS_MAX_UPLOAD_SIZE.getDefault(org.opensearch.common.settings.Settings.EMPTY).getBytes()
            : s.adaptersMaxUploadSize().getBytes();
        if (request.hasContent() == false) {
            throw new LlocoException(
                "PUT /_plugins/lloco/adapters/" + name + " needs a body: {\"path\": ...} or an upload", RestStatus.BAD_REQUEST
            );
        }
        long length = request.content().length();
        if (length > limit) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "the adapter upload is %d bytes, more than [%s] = %d bytes; raise the setting or register the adapter from a "
                        + "directory under the node's config ([path])",
                    length,
                    LlocoSettings.ADAPTERS_MAX_UPLOAD_SIZE.getKey(),
                    limit
                ),
                RestStatus.BAD_REQUEST
            );
        }
        AdapterPutRequest put;
        try (XContentParser parser = request.contentParser()) {
            put = AdapterPutRequest.parse(name, parser);
        }
        return channel -> client.execute(AdapterPutAction.INSTANCE, put, new RestToXContentListener<>(channel));
    }
}
