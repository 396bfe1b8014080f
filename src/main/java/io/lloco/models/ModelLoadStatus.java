/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;

import io.lloco.common.FieldsStatus;

/**
 * A load's progress as a task status: model, phase ({@code queued}, {@code resolving}, {@code fingerprint},
 * {@code weights}, {@code finishing}, {@code done}, {@code failed}), device, dtype, fingerprint bytes hashed / total,
 * tensors and bytes of weights loaded / total, running time. Registered as a named writeable (the tasks API sends it
 * between nodes).
 */
public class ModelLoadStatus extends FieldsStatus {

    /** Name in the named-writeable registry. */
    public static final String NAME = "lloco_model_load";

    /** A status with these fields. */
    public ModelLoadStatus(Map<String, Object> fields) {
        super(fields);
    }

    /** Wire constructor. */
    public ModelLoadStatus(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
