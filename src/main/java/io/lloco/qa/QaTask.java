/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.util.Map;

import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.CancellableTask;

/** The task of a question or of its decode: cancellable through the tasks API, and cancelling it cancels its children. */
final class QaTask extends CancellableTask {

    QaTask(long id, String type, String action, String description, TaskId parentTaskId, Map<String, String> headers) {
        super(id, type, action, description, parentTaskId, headers);
    }

    @Override
    public boolean shouldCancelChildrenOnCancellation() {
        return true;
    }
}
