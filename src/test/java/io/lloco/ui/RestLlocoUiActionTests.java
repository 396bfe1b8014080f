/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ui;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.RestResponse;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.test.rest.FakeRestChannel;
import org.opensearch.test.rest.FakeRestRequest;

import io.lloco.common.LlocoException;
import io.lloco.common.LlocoPaths;
import io.lloco.common.LlocoSettings;

public class RestLlocoUiActionTests extends OpenSearchTestCase {

    private static final Map<String, String> FILES = Map
        .of(
            "index.html",
            "<!doctype html><script src=\"ui/lloco-ui.js\"></script>",
            "lloco-ui.js",
            "console.log('lloco')",
            "lloco-ui.css",
            ".x{}",
            "secret.txt",
            "never served"
        );

    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicBoolean enabled = new AtomicBoolean(true);

    private RestLlocoUiAction handler(Map<String, String> files) {
        UiAssets assets = new UiAssets(name -> {
            opened.incrementAndGet();
            String s = files.get(name);
            return s == null ? null : new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
        });
        return new RestLlocoUiAction(assets, enabled::get);
    }

    private RestResponse get(RestLlocoUiAction handler, String file, Map<String, List<String>> headers) throws Exception {
        Map<String, String> params = new HashMap<>();
        if (file != null) {
            params.put("file", file);
        }
        RestRequest request = new FakeRestRequest.Builder(xContentRegistry()).withMethod(RestRequest.Method.GET)
            .withPath(file == null ? LlocoPaths.UI : LlocoPaths.UI + "/" + file)
            .withParams(params)
            .withHeaders(headers)
            .build();
        FakeRestChannel channel = new FakeRestChannel(request, true, 1);
        handler.handleRequest(request, channel, null);
        assertEquals("one response", 1, channel.responses().get() + channel.errors().get());
        return channel.capturedResponse();
    }

    public void testServesThePageWithItsContentTypeAndSecurityHeaders() throws Exception {
        RestResponse r = get(handler(FILES), null, Map.of());
        assertEquals(RestStatus.OK, r.status());
        assertEquals("text/html; charset=UTF-8", r.contentType());
        assertEquals(FILES.get("index.html"), r.content().utf8ToString());
        String csp = r.getHeaders().get("Content-Security-Policy").get(0);
        assertEquals(RestLlocoUiAction.CONTENT_SECURITY_POLICY, csp);
        assertTrue(csp, csp.contains("script-src 'self';"));
        assertFalse(csp, csp.contains("unsafe-eval"));
        assertTrue(csp, csp.contains("frame-ancestors 'none'"));
        assertEquals("nosniff", r.getHeaders().get("X-Content-Type-Options").get(0));
        assertNotNull(r.getHeaders().get("ETag"));
    }

    public void testATrailingSlashIsSentToThePage() throws Exception {
        RestRequest request = new FakeRestRequest.Builder(xContentRegistry()).withMethod(RestRequest.Method.GET)
            .withPath(LlocoPaths.UI + "/")
            .build();
        FakeRestChannel channel = new FakeRestChannel(request, true, 1);
        handler(FILES).handleRequest(request, channel, null);
        assertEquals(RestStatus.FOUND, channel.capturedResponse().status());
        assertEquals(List.of("../ui"), channel.capturedResponse().getHeaders().get("Location"));
    }

    public void testServesTheScriptAndStyleSheetWithTheirContentTypes() throws Exception {
        RestLlocoUiAction h = handler(FILES);
        RestResponse js = get(h, "lloco-ui.js", Map.of());
        assertEquals(RestStatus.OK, js.status());
        assertEquals("text/javascript; charset=UTF-8", js.contentType());
        assertEquals(FILES.get("lloco-ui.js"), js.content().utf8ToString());
        assertNotNull(js.getHeaders().get("Content-Security-Policy"));
        RestResponse css = get(h, "lloco-ui.css", Map.of());
        assertEquals("text/css; charset=UTF-8", css.contentType());
    }

    public void testOnlyWhitelistedNamesAreEverLookedUp() throws Exception {
        RestLlocoUiAction h = handler(FILES);
        for (String name : List.of("secret.txt", "..", "../lloco.properties", "%2e%2e", "LLOCO-UI.JS", "lloco-ui.js.map", "index.html")) {
            LlocoException e = expectThrows(LlocoException.class, () -> get(h, name, Map.of()));
            assertEquals(name, RestStatus.NOT_FOUND, e.status());
            assertTrue(e.getMessage(), e.getMessage().contains("no file [" + name + "] in the LLoCO page; open /_plugins/lloco/ui"));
        }
        assertEquals("no resource was opened for a name outside the whitelist", 0, opened.get());
    }

    public void testEachFileIsReadOnce() throws Exception {
        RestLlocoUiAction h = handler(FILES);
        get(h, "lloco-ui.js", Map.of());
        get(h, "lloco-ui.js", Map.of());
        assertEquals(1, opened.get());
    }

    public void testAnUnchangedFileIsNotSentAgain() throws Exception {
        RestLlocoUiAction h = handler(FILES);
        String etag = get(h, "lloco-ui.js", Map.of()).getHeaders().get("ETag").get(0);
        RestResponse again = get(h, "lloco-ui.js", Map.of("If-None-Match", List.of(etag)));
        assertEquals(RestStatus.NOT_MODIFIED, again.status());
        assertEquals(0, again.content().length());
        RestResponse stale = get(h, "lloco-ui.js", Map.of("If-None-Match", List.of("\"0123\"")));
        assertEquals(RestStatus.OK, stale.status());
    }

    public void testTurnedOffNamesTheSetting() throws Exception {
        RestLlocoUiAction h = handler(FILES);
        enabled.set(false);
        for (String file : new String[]{null, "lloco-ui.js"}) {
            LlocoException e = expectThrows(LlocoException.class, () -> get(h, file, Map.of()));
            assertEquals(RestStatus.NOT_FOUND, e.status());
            assertTrue(e.getMessage(), e.getMessage().contains("[" + LlocoSettings.UI_ENABLED.getKey() + "] to true"));
        }
        enabled.set(true);
        assertEquals(RestStatus.OK, get(h, null, Map.of()).status());
    }

    public void testABuildWithoutThePageSaysSo() throws Exception {
        LlocoException e = expectThrows(LlocoException.class, () -> get(handler(Map.of()), null, Map.of()));
        assertEquals(RestStatus.NOT_FOUND, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("-Dlloco.ui.skip=true"));
    }

    public void testTheSettingIsDynamicAndOnByDefault() {
        assertTrue(LlocoSettings.UI_ENABLED.getDefault(org.opensearch.common.settings.Settings.EMPTY));
        assertTrue(LlocoSettings.UI_ENABLED.isDynamic());
        assertTrue(LlocoSettings.all().contains(LlocoSettings.UI_ENABLED));
    }
}
