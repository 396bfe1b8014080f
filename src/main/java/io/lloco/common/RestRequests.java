/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.rest.RestRequest;

/** What the REST handlers share: refusing a body they would ignore, boolean URL parameters. */
public final class RestRequests {

    private RestRequests() {
    }

    /**
     * An API that takes no body: one sent is a 400 naming the API and its URL parameters, instead of being silently
     * ignored (a caller who put options in a body would otherwise get the defaults without being told).
     *
     * @param params the API's URL parameters, for the message (e.g. {@code "nodes, timeout"}), or empty when it has none
     */
    public static void refuseBody(RestRequest request, String params) {
        if (request.hasContent()) {
            throw new LlocoException(
                "[" + request.method() + " " + request.path() + "] takes no request body; "
                    + (params.isEmpty() ? "it has no options" : "its options are URL parameters (" + params + ")"),
                RestStatus.BAD_REQUEST
            );
        }
    }

    /** A boolean URL parameter ({@code true}, empty or {@code false}) whose parse error is a 400 naming it. */
    public static boolean flag(RestRequest request, String name, boolean dflt) {
        String v = request.param(name);
        if (v == null) {
            return dflt;
        }
        if (v.isEmpty() || v.equals("true")) {
            return true;
        }
        if (v.equals("false")) {
            return false;
        }
        throw new LlocoException(
            "parameter [" + name + "] must be [true] or [false], got " + ResourceNames.quote(v), RestStatus.BAD_REQUEST
        );
    }
}
