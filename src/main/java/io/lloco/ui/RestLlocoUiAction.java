/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ui;

import static org.opensearch.rest.RestRequest.Method.GET;

import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoPaths;
import io.lloco.common.LlocoSettings;

/**
 * {@code GET /_plugins/lloco/ui} (the page) and {@code GET /_plugins/lloco/ui/{file}} (its script and style sheet):
 * whitelisted files from the plugin jar, their own content types, a Content-Security-Policy that lets the page load only
 * its own files and talk only to this cluster, and an entity tag so browsers revalidate instead of downloading again.
 * Turned off by {@code plugins.lloco.ui.enabled}.
 */
public class RestLlocoUiAction extends BaseRestHandler {

    /**
     * Only this origin: the page's own script and style sheet, requests to the cluster it came from; no inline script,
     * no framing. Inline styles are allowed (OUI components set some), images only inline SVG data (OUI's form icons).
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final UiAssets assets;
    private final BooleanSupplier enabled;

    /** Serves {@code assets} while {@code enabled} says so (the live value of {@code plugins.lloco.ui.enabled}). */
    public RestLlocoUiAction(UiAssets assets, BooleanSupplier enabled) {
        this.assets = assets;
        this.enabled = enabled;
    }

    @Override
    public String getName() {
        return "lloco_ui_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, LlocoPaths.UI), new Route(GET, LlocoPaths.UI_FILE));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        String name = request.param("file", UiAssets.INDEX);
        if (enabled.getAsBoolean() == false) {
            throw new LlocoException(
                "the LLoCO page is turned off on this node; set [" + LlocoSettings.UI_ENABLED.getKey() + "] to true to serve it",
                RestStatus.NOT_FOUND
            );
        }
        if (UiAssets.allowed(name) == false || (request.hasParam("file") && UiAssets.INDEX.equals(name))) {
            throw new LlocoException(
                String.format(
                    Locale.ROOT,
                    "no file [%s] in the LLoCO page; open %s (its files: %s)",
                    name,
                    LlocoPaths.UI,
                    String.join(", ", UiAssets.FILES.keySet().stream().filter(f -> f.equals(UiAssets.INDEX) == false).toList())
                ),
                RestStatus.NOT_FOUND
            );
        }
        UiAssets.Asset asset = assets.get(name)
            .orElseThrow(
                () -> new LlocoException(
                    "this build of the plugin has no LLoCO page (it was built with -Dlloco.ui.skip=true); rebuild it with Node.js and npm",
                    RestStatus.NOT_FOUND
                )
            );
        if (request.hasParam("file") == false && request.rawPath().endsWith("/")) {
            // the page's files are relative to /_plugins/lloco/ui: send /_plugins/lloco/ui/ there (relative, so a
            // reverse proxy's prefix is kept)
            return channel -> {
                BytesRestResponse redirect = new BytesRestResponse(RestStatus.FOUND, "text/plain; charset=UTF-8", "see ../ui");
                redirect.addHeader("Location", "../ui");
                channel.sendResponse(redirect);
            };
        }
        String ifNoneMatch = request.header("If-None-Match");
        return channel -> {
            BytesRestResponse response;
            if (ifNoneMatch != null && ifNoneMatch.contains(asset.etag())) {
                response = new BytesRestResponse(RestStatus.NOT_MODIFIED, asset.contentType(), BytesArray.EMPTY);
            } else {
                response = new BytesRestResponse(RestStatus.OK, asset.contentType(), new BytesArray(asset.bytes()));
            }
            response.addHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            response.addHeader("X-Content-Type-Options", "nosniff");
            response.addHeader("X-Frame-Options", "DENY");
            response.addHeader("Referrer-Policy", "no-referrer");
            response.addHeader("Cache-Control", "no-cache");
            response.addHeader("ETag", asset.etag());
            channel.sendResponse(response);
        };
    }
}
