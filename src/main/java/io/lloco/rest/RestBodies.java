/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.rest;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.rest.RestRequest;

import io.lloco.common.LlocoException;

/** What the REST handlers that take no body share. */
final class RestBodies {

    private RestBodies() {
    }

    /**
     * An API that takes no body: one sent is a 400 naming the API and its URL parameters, instead of being silently
     * ignored (a caller who put options in a body would otherwise get the defaults without being told).
     *
     * @param params the API's URL parameters, for the message (e.g. {@code "nodes, timeout"}), or empty when it has none
     */
    static void refuse(RestRequest request, String params) {
        if (request.hasContent()) {
            throw new LlocoException(
                "[" + request.method() + " " + request.path() + "] takes no request body; "
                    + (params.isEmpty() ? "it has no options" : "its options are URL parameters (" + params + ")"),
                RestStatus.BAD_REQUEST
            );
        }
    }
}
