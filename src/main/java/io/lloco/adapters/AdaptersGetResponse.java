/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/** {@code {"adapters": [ {name, version, base_model, fingerprint, r, alpha, ...,  bound_indices}, ... ]}}, by name. */
public class AdaptersGetResponse extends ActionResponse implements ToXContentObject {

    private final List<Map<String, Object>> adapters;

    /** The adapters as the API shows them. */
    public AdaptersGetResponse(List<Map<String, Object>> adapters) {
        this.adapters = adapters;
    }

    /** Wire constructor. */
    public AdaptersGetResponse(StreamInput in) throws IOException {
        super(in);
        this.adapters = in.readList(StreamInput::readMap);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeCollection(adapters, StreamOutput::writeMap);
    }

    /** The adapters. */
    public List<Map<String, Object>> adapters() {
        return adapters;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject().startArray("adapters");
        for (Map<String, Object> a : adapters) {
            b.map(a);
        }
        return b.endArray().endObject();
    }
}
