/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import static io.lloco.testing.NoBodyAssertions.assertRefused;

import java.util.Map;

import org.opensearch.rest.RestRequest;
import org.opensearch.test.OpenSearchTestCase;

/** The info API takes no body: one sent is a 400 naming the API, instead of being ignored. */
public class RestLlocoInfoNoBodyTests extends OpenSearchTestCase {

    public void testInfoRefusesABody() throws Exception {
        assertRefused(
            xContentRegistry(),
            r -> new RestLlocoInfoAction().prepareRequest(r, null),
            RestRequest.Method.GET,
            "/_plugins/lloco",
            Map.of()
        );
        assertRefused(
            xContentRegistry(),
            r -> new RestLlocoInfoAction().prepareRequest(r, null),
            RestRequest.Method.GET,
            "/_plugins/lloco/_nodes",
            Map.of()
        );
    }
}
