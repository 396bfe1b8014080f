/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.tasks.Task;

/**
 * The status of an adapter training in {@code _tasks}: {@code adapter}, {@code phase} ({@code queued},
 * {@code reading_examples}, {@code planning}, {@code training}, {@code registering}, {@code evaluating}), and while
 * training {@code step}, {@code total_steps}, {@code loss}, {@code tokens_per_second}, {@code eta_ms}.
 */
public class TrainStatus implements Task.Status {

    /** Name in the named-writeable registry. */
    public static final String NAME = "lloco_adapter_train";

    private final Map<String, Object> fields;

    /** A status with these fields. */
    public TrainStatus(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Wire constructor. */
    public TrainStatus(StreamInput in) throws IOException {
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
