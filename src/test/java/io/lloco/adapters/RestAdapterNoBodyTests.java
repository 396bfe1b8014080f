/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import static io.lloco.testing.NoBodyAssertions.assertRefused;

import java.util.Map;

import org.opensearch.rest.RestRequest;
import org.opensearch.test.OpenSearchTestCase;

/** The adapter APIs that take no body refuse one with 400 naming the API, instead of ignoring it. */
public class RestAdapterNoBodyTests extends OpenSearchTestCase {

    public void testAdapterDeleteRefusesABody() throws Exception {
        assertRefused(
            xContentRegistry(),
            r -> new RestAdapterDeleteAction().prepareRequest(r, null),
            RestRequest.Method.DELETE,
            "/_plugins/lloco/adapters/a",
            Map.of("name", "a")
        );
    }

    public void testAdaptersGetRefusesABody() throws Exception {
        assertRefused(
            xContentRegistry(),
            r -> new RestAdaptersGetAction().prepareRequest(r, null),
            RestRequest.Method.GET,
            "/_plugins/lloco/adapters",
            Map.of()
        );
        assertRefused(
            xContentRegistry(),
            r -> new RestAdaptersGetAction().prepareRequest(r, null),
            RestRequest.Method.GET,
            "/_plugins/lloco/adapters/a",
            Map.of("name", "a")
        );
    }
}
