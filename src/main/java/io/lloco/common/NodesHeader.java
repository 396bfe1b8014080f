/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.io.IOException;

import org.opensearch.ExceptionsHelper;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.action.support.nodes.BaseNodesResponse;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The body of a nodes API response, as the plugin's nodes APIs render it: {@code _nodes: {total, successful, failed,
 * failures: [{node_id, status, reason}]}, cluster_name, nodes: {id: {...}}}. Each failure names the HTTP status and the
 * message of its root cause (OpenSearch's own {@code RestActions.buildNodesHeader} renders whole exceptions instead).
 */
public final class NodesHeader {

    private NodesHeader() {
    }

    /** The root cause of a node's failure. */
    public static Throwable cause(FailedNodeException f) {
        return ExceptionsHelper.unwrapCause(f.getCause() == null ? f : f.getCause());
    }

    /** Writes the fields of {@code response} (inside an object the caller opened). */
    public static <N extends BaseNodeResponse & ToXContent> void writeFields(
        XContentBuilder builder,
        ToXContent.Params params,
        BaseNodesResponse<N> response
    ) throws IOException {
        builder.startObject("_nodes");
        builder.field("total", response.getNodes().size() + response.failures().size());
        builder.field("successful", response.getNodes().size());
        builder.field("failed", response.failures().size());
        if (response.failures().isEmpty() == false) {
            builder.startArray("failures");
            for (FailedNodeException f : response.failures()) {
                Throwable c = cause(f);
                builder.startObject();
                builder.field("node_id", f.nodeId());
                builder.field("status", ExceptionsHelper.status(c).getStatus());
                builder.field("reason", c.getMessage());
                builder.endObject();
            }
            builder.endArray();
        }
        builder.endObject();
        builder.field("cluster_name", response.getClusterName().value());
        builder.startObject("nodes");
        for (N n : response.getNodes()) {
            builder.startObject(n.getNode().getId());
            n.toXContent(builder, params);
            builder.endObject();
        }
        builder.endObject();
    }
}
