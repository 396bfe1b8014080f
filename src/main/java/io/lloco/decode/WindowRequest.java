/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.io.IOException;
import java.util.Map;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;

/** The window of one question: its model, rendered prompt and options (what the answer or the options take). */
public class WindowRequest extends ActionRequest {

    private final String model;
    private final String prompt;
    private final DecodeOptions options;
    private final int maxSummaryPositions;
    private boolean routed;

    /** @param maxSummaryPositions 0: the whole window */
    public WindowRequest(String model, String prompt, DecodeOptions options, int maxSummaryPositions) {
        this.model = model;
        this.prompt = prompt;
        this.options = options;
        this.maxSummaryPositions = maxSummaryPositions;
    }

    /** Wire constructor. */
    public WindowRequest(StreamInput in) throws IOException {
        super(in);
        model = in.readString();
        prompt = in.readString();
        options = DecodeOptions.readFrom(in);
        maxSummaryPositions = in.readVInt();
        routed = in.readBoolean();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(model);
        out.writeString(prompt);
        options.writeTo(out);
        out.writeVInt(maxSummaryPositions);
        out.writeBoolean(routed);
    }

    @Override
    public ActionRequestValidationException validate() {
        return null;
    }

    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new DecodeTask(id, type, action, "lloco window [" + model + "]", parentTaskId, headers);
    }

    /** Model id. */
    public String model() {
        return model;
    }

    /** The rendered prompt. */
    public String prompt() {
        return prompt;
    }

    /** Decoding options. */
    public DecodeOptions options() {
        return options;
    }

    /** The request's summary-position budget, 0 for the whole window. */
    public int maxSummaryPositions() {
        return maxSummaryPositions;
    }

    /** Whether a coordinating node already chose where this runs. */
    public boolean routed() {
        return routed;
    }

    /** Marks the request as routed. */
    public WindowRequest markRouted() {
        this.routed = true;
        return this;
    }
}
