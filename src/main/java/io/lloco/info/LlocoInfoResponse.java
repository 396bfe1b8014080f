/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import java.io.IOException;
import java.util.List;

import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.nodes.BaseNodesResponse;
import org.opensearch.cluster.ClusterName;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

import io.lloco.common.NodesHeader;

/**
 * Info of every addressed node. Rendered either as a single node object ({@code GET /_plugins/lloco}, param
 * {@code single=true}) or as {@code {_nodes, cluster_name, nodes: {id: {...}}}}.
 */
public class LlocoInfoResponse extends BaseNodesResponse<LlocoInfoNodeResponse> implements ToXContentObject {

    /** Param that renders the first node only, flattened. */
    public static final String SINGLE_PARAM = "lloco_single_node";

    /** A response. */
    public LlocoInfoResponse(ClusterName clusterName, List<LlocoInfoNodeResponse> nodes, List<FailedNodeException> failures) {
        super(clusterName, nodes, failures);
    }

    /** Wire constructor. */
    public LlocoInfoResponse(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected List<LlocoInfoNodeResponse> readNodesFrom(StreamInput in) throws IOException {
        return in.readList(LlocoInfoNodeResponse::new);
    }

    @Override
    protected void writeNodesTo(StreamOutput out, List<LlocoInfoNodeResponse> nodes) throws IOException {
        out.writeList(nodes);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        if (params.paramAsBoolean(SINGLE_PARAM, false) && getNodes().isEmpty() == false) {
            builder.field("cluster_name", getClusterName().value());
            getNodes().get(0).toXContent(builder, params);
        } else {
            NodesHeader.writeFields(builder, params, this);
        }
        return builder.endObject();
    }
}
