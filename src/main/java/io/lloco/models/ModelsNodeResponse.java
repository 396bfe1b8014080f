/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;
import java.util.Map;

import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/** One node's answer to a models API request, as an ordered JSON-ready map (the node's name first). */
public class ModelsNodeResponse extends BaseNodeResponse implements ToXContentFragment {

    private final Map<String, Object> body;

    /** The answer of {@code node}. */
    public ModelsNodeResponse(DiscoveryNode node, Map<String, Object> body) {
        super(node);
        this.body = body;
    }

    /** Wire constructor. */
    public ModelsNodeResponse(StreamInput in) throws IOException {
        super(in);
        this.body = in.readMap();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeMap(body);
    }

    /** The answer. */
    public Map<String, Object> body() {
        return body;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.field("name", getNode().getName());
        for (Map.Entry<String, Object> e : body.entrySet()) {
            builder.field(e.getKey(), e.getValue());
        }
        return builder;
    }
}
