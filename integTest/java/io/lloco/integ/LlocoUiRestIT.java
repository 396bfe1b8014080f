/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.integ;

import java.nio.charset.StandardCharsets;

import org.opensearch.client.Request;
import org.opensearch.client.RequestOptions;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.test.rest.OpenSearchRestTestCase;

/**
 * The page the plugin serves, from the jar installed in real nodes: its files, content types and security headers,
 * nothing outside the whitelist, and {@code plugins.lloco.ui.enabled} turning it off (the UI itself is tested in
 * chromium by dashboards/e2e on the same nodes).
 */
public class LlocoUiRestIT extends OpenSearchRestTestCase {

    private static String body(Response r) throws Exception {
        return new String(r.getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
    }

    public void testThePageAndItsFilesComeFromTheJar() throws Exception {
        Response page = client().performRequest(new Request("GET", "/_plugins/lloco/ui"));
        assertEquals("text/html; charset=UTF-8", page.getHeader("Content-Type"));
        String html = body(page);
        assertTrue(html, html.contains("<script src=\"ui/lloco-ui.js\"></script>"));
        assertTrue(html, html.contains("href=\"ui/lloco-ui.css\""));
        String csp = page.getHeader("Content-Security-Policy");
        assertNotNull(csp);
        assertTrue(csp, csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"));
        assertEquals("nosniff", page.getHeader("X-Content-Type-Options"));

        Response js = client().performRequest(new Request("GET", "/_plugins/lloco/ui/lloco-ui.js"));
        assertEquals("text/javascript; charset=UTF-8", js.getHeader("Content-Type"));
        assertTrue("the bundle holds the pages", body(js).contains("_lloco_qa"));
        Response css = client().performRequest(new Request("GET", "/_plugins/lloco/ui/lloco-ui.css"));
        assertEquals("text/css; charset=UTF-8", css.getHeader("Content-Type"));

        // unchanged: not sent again (the low-level client reports a 304 as an exception)
        Request again = new Request("GET", "/_plugins/lloco/ui/lloco-ui.js");
        again.setOptions(RequestOptions.DEFAULT.toBuilder().addHeader("If-None-Match", js.getHeader("ETag")));
        ResponseException notModified = expectThrows(ResponseException.class, () -> client().performRequest(again));
        assertEquals(304, notModified.getResponse().getStatusLine().getStatusCode());
    }

    public void testNothingOutsideTheWhitelist() throws Exception {
        for (String file : new String[]{"index.html", "lloco.properties", "..%2Flloco.properties", "UiAssets.class", "lloco-ui.js.map"}) {
            ResponseException e = expectThrows(
                ResponseException.class,
                () -> client().performRequest(new Request("GET", "/_plugins/lloco/ui/" + file))
            );
            assertEquals(file, 404, e.getResponse().getStatusLine().getStatusCode());
            assertTrue(body(e.getResponse()), body(e.getResponse()).contains("in the LLoCO page; open /_plugins/lloco/ui"));
        }
    }

    public void testTurnedOffBySettingAndBackOn() throws Exception {
        Request off = new Request("PUT", "/_cluster/settings");
        off.setJsonEntity("{\"transient\": {\"plugins.lloco.ui.enabled\": false}}");
        client().performRequest(off);
        try {
            ResponseException e = expectThrows(
                ResponseException.class,
                () -> client().performRequest(new Request("GET", "/_plugins/lloco/ui"))
            );
            assertEquals(404, e.getResponse().getStatusLine().getStatusCode());
            assertTrue(body(e.getResponse()), body(e.getResponse()).contains("[plugins.lloco.ui.enabled] to true"));
            // the APIs the page calls are not affected
            assertEquals(200, client().performRequest(new Request("GET", "/_plugins/lloco")).getStatusLine().getStatusCode());
        } finally {
            Request on = new Request("PUT", "/_cluster/settings");
            on.setJsonEntity("{\"transient\": {\"plugins.lloco.ui.enabled\": null}}");
            client().performRequest(on);
        }
        assertEquals(200, client().performRequest(new Request("GET", "/_plugins/lloco/ui")).getStatusLine().getStatusCode());
    }
}
