/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.rest;

import org.opensearch.core.common.Strings;
import org.opensearch.rest.RestRequest;

/** Parameters the models REST handlers share. */
final class RestModelsParams {

    /** Node selection: ids, names, {@code _all}, {@code _local}, role filters such as {@code lloco:true}. */
    static final String NODES = "nodes";

    /** Default selection of load and unload: every node with the {@code lloco} role. */
    static final String LLOCO_NODES = "lloco:true";

    private RestModelsParams() {
    }

    /** The {@code nodes} parameter, or {@code dflt}. */
    static String[] nodes(RestRequest request, String dflt) {
        return Strings.splitStringByCommaToArray(request.param(NODES, dflt));
    }

    /** A model API takes no body: one sent is a 400 (was: silently ignored, the load went ahead). */
    static void refuseBody(RestRequest request) {
        RestBodies.refuse(request, request.path().endsWith("/_load") ? "nodes, timeout, wait_for_completion" : "nodes, timeout");
    }

    /** A boolean URL parameter whose parse error names it. */
    static boolean flag(RestRequest request, String name, boolean dflt) {
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
        throw new io.lloco.common.LlocoException(
            "parameter [" + name + "] must be [true] or [false], got " + io.lloco.common.ResourceNames.quote(v),
            org.opensearch.core.rest.RestStatus.BAD_REQUEST
        );
    }
}
