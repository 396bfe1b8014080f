/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.tasks.Task;

/**
 * A load's progress as a task status: model, phase ({@code queued}, {@code resolving}, {@code fingerprint},
 * {@code weights}, {@code finishing}, {@code done}, {@code failed}), device, dtype, fingerprint bytes hashed / total,
 * tensors and bytes of weights loaded / total, running time. Registered as a named writeable (the tasks API sends it
 * between nodes).
 */
public class ModelLoadStatus implements Task.Status {

    /** Name in the named-writeable registry. */
    public static final String NAME = "lloco_model_load";

    private final Map<String, Object> fields;

    /** A status with these fields. */
    public ModelLoadStatus(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Wire constructor. */
    public ModelLoadStatus(StreamInput in) throws IOException {
        this.fields = in.readMap();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeMap(fields);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    /** The fields. */
    public Map<String, Object> fields() {
        return fields;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.map(fields);
    }
}
