/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.io.IOException;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.tasks.Task;

/**
 * A task status made of named fields, as {@code _tasks} shows them (a model load's or a training's progress). A
 * subclass names itself in the named-writeable registry; the fields travel between nodes as a generic map.
 */
public abstract class FieldsStatus implements Task.Status {

    private final Map<String, Object> fields;

    /** A status with these fields. */
    protected FieldsStatus(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Wire constructor. */
    protected FieldsStatus(StreamInput in) throws IOException {
        this.fields = in.readMap();
    }

    @Override
    public final void writeTo(StreamOutput out) throws IOException {
        out.writeMap(fields);
    }

    /** The fields. */
    public final Map<String, Object> fields() {
        return fields;
    }

    @Override
    public final XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.map(fields);
    }
}
