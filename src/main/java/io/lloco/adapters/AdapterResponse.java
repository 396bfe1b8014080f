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

/**
 * One adapter as the API shows it, and what happened to it: {@code {"result": "created" | "updated" | "deleted",
 * "adapter": {name, version, base_model, fingerprint, r, alpha, target_modules, template, size_bytes, created, eval,
 * bound_indices, ...}}}.
 */
public class AdapterResponse extends ActionResponse implements ToXContentObject {

    private final String result;
    private final Map<String, Object> adapter;

    /** A response for {@code meta}, bound to {@code boundIndices}. */
    public AdapterResponse(String result, AdapterMeta meta, List<String> boundIndices) {
        this.result = result;
        this.adapter = meta.toApiMap(boundIndices);
    }

    /** Wire constructor. */
    public AdapterResponse(StreamInput in) throws IOException {
        super(in);
        this.result = in.readString();
        this.adapter = in.readMap();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(result);
        out.writeMap(adapter);
    }

    /** {@code created}, {@code updated} or {@code deleted}. */
    public String result() {
        return result;
    }

    /** The adapter's fields. */
    public Map<String, Object> adapter() {
        return adapter;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        return b.startObject().field("result", result).field("adapter", adapter).endObject();
    }
}
