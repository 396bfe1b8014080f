/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.LinkedHashMap;
import java.util.Map;

import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.CancellableTask;

/**
 * An {@code _evaluate}: cancellable ({@code POST _tasks/{id}/_cancel}, its questions with it), its progress as
 * {@link EvaluateStatus}.
 */
public class EvaluateTask extends CancellableTask implements QaEvaluation.Progress {

    private final String adapter;
    private volatile Map<String, Object> progress;
    private volatile int examples;

    EvaluateTask(long id, String type, String action, String description, TaskId parent, Map<String, String> headers, String adapter) {
        super(id, type, action, description, parent, headers);
        this.adapter = adapter;
        phase("queued");
    }

    /** Enters {@code phase} (before the examples are read, or {@code done} after they are all answered). */
    void phase(String phase) {
        Map<String, Object> m = new LinkedHashMap<>(progress == null ? Map.of() : progress);
        m.put("adapter", adapter);
        m.put("phase", phase);
        progress = m;
    }

    /** The examples are read: {@code examples} of them, none answered yet. */
    void examples(int examples) {
        this.examples = examples;
        answered(0, 0);
    }

    @Override
    public void answered(int withAdapter, int withNone) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("adapter", adapter);
        m.put("phase", "evaluating");
        m.put("examples", examples);
        m.put("adapter_done", withAdapter);
        m.put("no_adapter_done", withNone);
        progress = m;
    }

    @Override
    public boolean shouldCancelChildrenOnCancellation() {
        return true;
    }

    @Override
    public Status getStatus() {
        return new EvaluateStatus(progress);
    }
}
