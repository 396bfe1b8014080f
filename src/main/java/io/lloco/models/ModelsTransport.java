/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.util.Arrays;

import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;

/** What the models transport actions share. */
final class ModelsTransport {

    private ModelsTransport() {
    }

    /** 400 naming the selection when the addressed nodes resolve to none (e.g. no {@code lloco} node in the cluster). */
    static void requireNodes(ModelsRequest<?> request) {
        if (request.concreteNodes() == null || request.concreteNodes().length == 0) {
            throw new LlocoException(
                "no node matches [nodes] = "
                    + Arrays.toString(request.nodesIds())
                    + " (by default the nodes with the [lloco] role); name the nodes with ?nodes=<ids, names or filters>",
                RestStatus.BAD_REQUEST
            );
        }
    }
}
