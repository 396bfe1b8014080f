/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.opensearch.test.OpenSearchTestCase.expectThrows;

import java.util.HashMap;
import java.util.Map;

import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.rest.RestRequest;
import org.opensearch.test.rest.FakeRestRequest;

import io.lloco.common.LlocoException;

/** Checks that a REST handler which takes no body refuses one with 400 naming the API, and prepares the request without. */
public final class NoBodyAssertions {

    /** A handler's {@code prepareRequest} (protected: the caller's test sits in the handler's package). */
    public interface Prepare {

        Object apply(RestRequest request) throws Exception;
    }

    private NoBodyAssertions() {
    }

    /** A request to {@code path} with {@code params} and, when not null, a JSON {@code body}. */
    public static RestRequest request(
        NamedXContentRegistry registry,
        RestRequest.Method method,
        String path,
        Map<String, String> params,
        String body
    ) {
        FakeRestRequest.Builder b = new FakeRestRequest.Builder(registry).withMethod(method).withPath(path)
            .withParams(new HashMap<>(params));
        if (body != null) {
            b.withContent(new BytesArray(body), XContentType.JSON);
        }
        return b.build();
    }

    /** With a body: 400 naming the method and path; without: the request is prepared. */
    public static void assertRefused(
        NamedXContentRegistry registry,
        Prepare handler,
        RestRequest.Method method,
        String path,
        Map<String, String> params
    ) throws Exception {
        RestRequest withBody = request(registry, method, path, params, "{\"force\": true}");
        LlocoException e = expectThrows(LlocoException.class, () -> handler.apply(withBody));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().contains("[" + method + " " + path + "] takes no request body"));
        // without a body the same request is prepared (the client is only used when the consumer runs)
        assertNotNull(handler.apply(request(registry, method, path, params, null)));
    }
}
