/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * A loaded base model as the info API lists it: {@code {id, kind: base, path, parameters, bytes, device, dtype}}.
 *
 * @param id the model id
 * @param path its checkpoint directory
 * @param parameters its parameters
 * @param bytes bytes of its weights
 * @param device the compute device it is on
 * @param dtype the dtype of its weights
 */
public record ModelSummary(String id, String path, long parameters, long bytes, String device, String dtype)
    implements
        Writeable,
        ToXContentObject {

    /** Reads what {@link #writeTo} wrote. */
    public static ModelSummary readFrom(StreamInput in) throws IOException {
        return new ModelSummary(
            in.readString(),
            in.readOptionalString(),
            in.readLong(),
            in.readLong(),
            in.readOptionalString(),
            in.readOptionalString()
        );
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(id);
        out.writeOptionalString(path);
        out.writeLong(parameters);
        out.writeLong(bytes);
        out.writeOptionalString(device);
        out.writeOptionalString(dtype);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        return b.startObject()
            .field("id", id)
            .field("kind", "base")
            .field("path", path)
            .field("parameters", parameters)
            .field("bytes", bytes)
            .field("device", device)
            .field("dtype", dtype)
            .endObject();
    }
}
