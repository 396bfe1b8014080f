/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;

/** The per-node part of a load: runs as a {@link ModelLoadTask}, whose status is the load's progress. */
public class ModelsLoadNodeRequest extends ModelsNodeRequest {

    /** For {@code modelId}. */
    public ModelsLoadNodeRequest(String modelId) {
        super(modelId);
    }

    /** Wire constructor. */
    public ModelsLoadNodeRequest(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new ModelLoadTask(id, type, action, "load model [" + modelId() + "]", parentTaskId, headers, modelId());
    }
}
