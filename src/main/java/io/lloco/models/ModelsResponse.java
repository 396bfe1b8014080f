/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;
import java.util.List;

import org.opensearch.ExceptionsHelper;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.nodes.BaseNodesResponse;
import org.opensearch.cluster.ClusterName;
import org.opensearch.common.xcontent.StatusToXContentObject;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;

import io.lloco.common.NodesHeader;

/**
 * The answer of every addressed node to a models API request: {@code {_nodes: {total, successful, failed,
 * failures: [{node_id, status, reason}]}, cluster_name, nodes: {id: {name, ...}}}}. The HTTP status is 200 when at
 * least one node succeeded, else that of the first node's failure (e.g. 404 for an unknown model, 503 for one that
 * does not fit the memory limit).
 */
public class ModelsResponse extends BaseNodesResponse<ModelsNodeResponse> implements StatusToXContentObject {

    /** A response. */
    public ModelsResponse(ClusterName clusterName, List<ModelsNodeResponse> nodes, List<FailedNodeException> failures) {
        super(clusterName, nodes, failures);
    }

    /** Wire constructor. */
    public ModelsResponse(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected List<ModelsNodeResponse> readNodesFrom(StreamInput in) throws IOException {
        return in.readList(ModelsNodeResponse::new);
    }

    @Override
    protected void writeNodesTo(StreamOutput out, List<ModelsNodeResponse> nodes) throws IOException {
        out.writeList(nodes);
    }

    @Override
    public RestStatus status() {
        if (getNodes().isEmpty() && failures().isEmpty() == false) {
            return ExceptionsHelper.status(NodesHeader.cause(failures().get(0)));
        }
        return RestStatus.OK;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        NodesHeader.writeFields(builder, params, this);
        return builder.endObject();
    }
}
