/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.util.LinkedHashMap;
import java.util.Map;

import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.CancellableTask;

/** An adapter training: cancellable ({@code POST _tasks/{id}/_cancel}), its progress as {@link TrainStatus}. */
public class TrainTask extends CancellableTask {

    private final String adapter;
    private volatile Map<String, Object> progress;

    TrainTask(long id, String type, String action, String description, TaskId parent, Map<String, String> headers, String adapter) {
        super(id, type, action, description, parent, headers);
        this.adapter = adapter;
        phase("queued");
    }

    /** Enters {@code phase}. */
    void phase(String phase) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("adapter", adapter);
        m.put("phase", phase);
        progress = m;
    }

    /** A training step is done. */
    void step(long step, long total, double loss, double tokensPerSecond, long etaMillis) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("adapter", adapter);
        m.put("phase", "training");
        m.put("step", step);
        m.put("total_steps", total);
        m.put("loss", Double.isFinite(loss) ? Math.round(loss * 1e4) / 1e4 : null);
        m.put("tokens_per_second", Math.round(tokensPerSecond * 10) / 10.0);
        m.put("eta_ms", etaMillis);
        progress = m;
    }

    @Override
    public boolean shouldCancelChildrenOnCancellation() {
        return true;
    }

    @Override
    public Status getStatus() {
        return new TrainStatus(progress);
    }
}
