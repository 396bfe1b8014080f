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
 * The status of an {@code _evaluate} in {@code _tasks}: {@code adapter}, {@code phase} ({@code queued},
 * {@code reading_examples}, {@code evaluating}, {@code done}), and once the examples are read {@code examples} (how
 * many), {@code adapter_done} and {@code no_adapter_done} (how many of them have been answered with the adapter and
 * with none; each question is asked with the adapter, then with none).
 */
public class EvaluateStatus extends FieldsStatus {

    /** Name in the named-writeable registry. */
    public static final String NAME = "lloco_adapter_evaluate";

    /** A status with these fields. */
    public EvaluateStatus(Map<String, Object> fields) {
        super(fields);
    }

    /** Wire constructor. */
    public EvaluateStatus(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
