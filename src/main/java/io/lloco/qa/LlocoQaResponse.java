/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/** The answer, its sources, token usage and timings, as an ordered JSON-ready map. */
public class LlocoQaResponse extends ActionResponse implements ToXContentObject {

    private final Map<String, Object> body;

    /** A response with this body. */
    public LlocoQaResponse(Map<String, Object> body) {
        this.body = body;
    }

    /** Wire constructor. */
    public LlocoQaResponse(StreamInput in) throws IOException {
        super(in);
        this.body = in.readMap();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeMap(body);
    }

    /** The response body. */
    public Map<String, Object> body() {
        return body;
    }

    /** The answer text. */
    public String answer() {
        return (String) body.get("answer");
    }

    /** The sources used. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> sources() {
        return (List<Map<String, Object>>) body.get("sources");
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.map(body);
    }
}
