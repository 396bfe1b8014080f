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
 * An adapter held for a loaded model, as the info API lists it: {@code {id, kind: lora, model, path, parameters,
 * bytes}}.
 *
 * @param id the adapter's name
 * @param model the model it is held for
 * @param path its directory
 * @param parameters its LoRA parameters
 * @param bytes bytes it holds
 */
public record AdapterSummary(String id, String model, String path, long parameters, long bytes) implements Writeable, ToXContentObject {

    /** Reads what {@link #writeTo} wrote. */
    public static AdapterSummary readFrom(StreamInput in) throws IOException {
        return new AdapterSummary(in.readString(), in.readString(), in.readOptionalString(), in.readLong(), in.readLong());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(id);
        out.writeString(model);
        out.writeOptionalString(path);
        out.writeLong(parameters);
        out.writeLong(bytes);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        return b.startObject()
            .field("id", id)
            .field("kind", "lora")
            .field("model", model)
            .field("path", path)
            .field("parameters", parameters)
            .field("bytes", bytes)
            .endObject();
    }
}
