/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.Map;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * A response that is a JSON object: {@code {"task": "node:id"}} when a training starts, the trained adapter with its
 * training and evaluation figures when it ends (stored as the task's result), the figures of {@code _evaluate}.
 */
public class MapResponse extends ActionResponse implements ToXContentObject {

    private final Map<String, Object> fields;

    /** A response with these fields. */
    public MapResponse(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Wire constructor. */
    public MapResponse(StreamInput in) throws IOException {
        super(in);
        this.fields = in.readMap();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeMap(fields);
    }

    /** The fields. */
    public Map<String, Object> fields() {
        return fields;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        return b.map(fields);
    }
}
