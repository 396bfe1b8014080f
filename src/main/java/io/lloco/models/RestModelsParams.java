/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import org.opensearch.core.common.Strings;
import org.opensearch.rest.RestRequest;

import io.lloco.common.RestRequests;

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
        RestRequests.refuseBody(request, request.path().endsWith("/_load") ? "nodes, timeout, wait_for_completion" : "nodes, timeout");
    }
}
