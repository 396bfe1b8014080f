/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.transport.TransportRequest;

/** The per-node part of a models API request: the model id (or null). */
public class ModelsNodeRequest extends TransportRequest {

    private final String modelId;

    /** For {@code modelId}. */
    public ModelsNodeRequest(String modelId) {
        this.modelId = modelId;
    }

    /** Wire constructor. */
    public ModelsNodeRequest(StreamInput in) throws IOException {
        super(in);
        this.modelId = in.readOptionalString();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeOptionalString(modelId);
    }

    /** The model id, or null. */
    public String modelId() {
        return modelId;
    }
}
