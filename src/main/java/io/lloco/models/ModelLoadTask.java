/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.util.LinkedHashMap;
import java.util.Map;

import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;

import io.lloco.engine.LoadProgress;

/** The node-level task of a load; {@code GET _tasks?detailed} shows the load's progress as its status. */
public class ModelLoadTask extends Task {

    private final String modelId;
    private volatile LoadProgress progress;

    ModelLoadTask(long id, String type, String action, String description, TaskId parentTask, Map<String, String> headers, String modelId) {
        super(id, type, action, description, parentTask, headers);
        this.modelId = modelId;
    }

    /** Follows this load (shared with any other caller waiting for the same model). */
    void track(LoadProgress p) {
        this.progress = p;
    }

    @Override
    public Status getStatus() {
        LoadProgress p = progress;
        if (p != null) {
            return new ModelLoadStatus(p.toMap());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", modelId);
        m.put("phase", "queued");
        return new ModelLoadStatus(m);
    }
}
