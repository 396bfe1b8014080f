/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.io.IOException;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The answer of a request that runs as a task and answers at once ({@code _train}, {@code _load} with
 * {@code wait_for_completion=false}): {@code {"task": "node:id"}}, the id {@code GET _tasks/<id>} shows it by.
 */
public class TaskStartedResponse extends ActionResponse implements ToXContentObject {

    private final TaskId task;

    /** The task {@code task} started. */
    public TaskStartedResponse(TaskId task) {
        this.task = task;
    }

    /** Wire constructor. */
    public TaskStartedResponse(StreamInput in) throws IOException {
        super(in);
        this.task = TaskId.readFromStream(in);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        task.writeTo(out);
    }

    /** The started task. */
    public TaskId task() {
        return task;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        return b.startObject().field("task", task.toString()).endObject();
    }
}
