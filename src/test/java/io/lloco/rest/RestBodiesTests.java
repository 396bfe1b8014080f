/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.rest;

import java.util.HashMap;
import java.util.Map;

import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.rest.RestRequest;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.test.rest.FakeRestRequest;

import io.lloco.common.LlocoException;

/** The APIs that take no body refuse one with 400 naming the API, instead of ignoring it. */
public class RestBodiesTests extends OpenSearchTestCase {

    private RestRequest request(RestRequest.Method method, String path, Map<String, String> params, String body) {
        FakeRestRequest.Builder b = new FakeRestRequest.Builder(xContentRegistry()).withMethod(method)
            .withPath(path)
            .withParams(new HashMap<>(params));
        if (body != null) {
            b.withContent(new BytesArray(body), XContentType.JSON);
        }
        return b.build();
    }

    /** A handler's {@code prepareRequest} (protected; reachable here through the handler's own class). */
    private interface Prepare {

        Object apply(RestRequest request) throws Exception;
    }

    private void assertRefused(Prepare handler, RestRequest.Method method, String path, Map<String, String> params) throws Exception {
        RestRequest withBody = request(method, path, params, "{\"force\": true}");
        LlocoException e = expectThrows(LlocoException.class, () -> handler.apply(withBody));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("[" + method + " " + path + "] takes no request body"));
        // without a body the same request is prepared (the client is only used when the consumer runs)
        assertNotNull(handler.apply(request(method, path, params, null)));
    }

    public void testAdapterDeleteRefusesABody() throws Exception {
        assertRefused(
            r -> new RestAdapterDeleteAction().prepareRequest(r, null),
            RestRequest.Method.DELETE,
            "/_plugins/lloco/adapters/a",
            Map.of("name", "a")
        );
    }

    public void testAdaptersGetRefusesABody() throws Exception {
        assertRefused(
            r -> new RestAdaptersGetAction().prepareRequest(r, null),
            RestRequest.Method.GET,
            "/_plugins/lloco/adapters",
            Map.of()
        );
        assertRefused(
            r -> new RestAdaptersGetAction().prepareRequest(r, null),
            RestRequest.Method.GET,
            "/_plugins/lloco/adapters/a",
            Map.of("name", "a")
        );
    }

    public void testModelsGetRefusesABody() throws Exception {
        assertRefused(r -> new RestModelsGetAction().prepareRequest(r, null), RestRequest.Method.GET, "/_plugins/lloco/models", Map.of());
    }

    public void testInfoRefusesABody() throws Exception {
        assertRefused(r -> new RestLlocoInfoAction().prepareRequest(r, null), RestRequest.Method.GET, "/_plugins/lloco", Map.of());
        assertRefused(r -> new RestLlocoInfoAction().prepareRequest(r, null), RestRequest.Method.GET, "/_plugins/lloco/_nodes", Map.of());
    }

    public void testModelLoadMessageStillNamesItsParameters() throws Exception {
        RestRequest r = request(RestRequest.Method.POST, "/_plugins/lloco/models/m/_load", Map.of("model_id", "m"), "{}");
        LlocoException e = expectThrows(LlocoException.class, () -> RestModelsParams.refuseBody(r));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().endsWith("its options are URL parameters (nodes, timeout, wait_for_completion)"));
    }
}
