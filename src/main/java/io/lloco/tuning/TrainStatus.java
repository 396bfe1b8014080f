/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;

import io.lloco.common.FieldsStatus;

/**
 * The status of an adapter training in {@code _tasks}: {@code adapter}, {@code phase} ({@code queued},
 * {@code reading_examples}, {@code planning}, {@code training}, {@code registering}, {@code evaluating}), and while
 * training {@code step}, {@code total_steps}, {@code loss}, {@code tokens_per_second}, {@code eta_ms}.
 */
public class TrainStatus extends FieldsStatus {

    /** Name in the named-writeable registry. */
    public static final String NAME = "lloco_adapter_train";

    /** A status with these fields. */
    public TrainStatus(Map<String, Object> fields) {
        super(fields);
    }

    /** Wire constructor. */
    public TrainStatus(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
