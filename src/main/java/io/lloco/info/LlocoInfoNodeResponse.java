/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import java.io.IOException;
import java.util.Map;

import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/** One node's info, as an ordered JSON-ready map. */
public class LlocoInfoNodeResponse extends BaseNodeResponse implements ToXContentFragment {

    private final Map<String, Object> info;

    /** Info of {@code node}. */
    public LlocoInfoNodeResponse(DiscoveryNode node, Map<String, Object> info) {
        super(node);
        this.info = info;
    }

    /** Wire constructor. */
    public LlocoInfoNodeResponse(StreamInput in) throws IOException {
        super(in);
        this.info = in.readMap();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeMap(info);
    }

    /** The info map. */
    public Map<String, Object> info() {
        return info;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        for (Map.Entry<String, Object> e : info.entrySet()) {
            builder.field(e.getKey(), e.getValue());
        }
        return builder;
    }
}
