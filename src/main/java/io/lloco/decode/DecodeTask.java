/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.util.Map;

import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.CancellableTask;

/** The task of a decode (or of a question): cancellable through the tasks API; cancelling it cancels its children. */
public final class DecodeTask extends CancellableTask {

    /** A task; see {@link org.opensearch.tasks.Task}. */
    public DecodeTask(long id, String type, String action, String description, TaskId parentTaskId, Map<String, String> headers) {
        super(id, type, action, description, parentTaskId, headers);
    }

    @Override
    public boolean shouldCancelChildrenOnCancellation() {
        return true;
    }
}
