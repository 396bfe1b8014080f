/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import static io.lloco.testing.NoBodyAssertions.assertRefused;

import java.util.Map;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.rest.RestRequest;
import org.opensearch.test.OpenSearchTestCase;

import io.lloco.common.LlocoException;
import io.lloco.testing.NoBodyAssertions;

/** The model APIs take no body: one sent is a 400 naming the API and its URL parameters. */
public class RestModelsNoBodyTests extends OpenSearchTestCase {

    public void testModelsGetRefusesABody() throws Exception {
        assertRefused(
            xContentRegistry(),
            r -> new RestModelsGetAction().prepareRequest(r, null),
            RestRequest.Method.GET,
            "/_plugins/lloco/models",
            Map.of()
        );
    }

    public void testModelLoadMessageStillNamesItsParameters() throws Exception {
        RestRequest r = NoBodyAssertions.request(
            xContentRegistry(),
            RestRequest.Method.POST,
            "/_plugins/lloco/models/m/_load",
            Map.of("model_id", "m"),
            "{}"
        );
        LlocoException e = expectThrows(LlocoException.class, () -> RestModelsParams.refuseBody(r));
        assertEquals(RestStatus.BAD_REQUEST, e.status());
        assertTrue(e.getMessage(), e.getMessage().endsWith("its options are URL parameters (nodes, timeout, wait_for_completion)"));
    }
}
