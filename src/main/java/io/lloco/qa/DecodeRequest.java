/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;

/**
 * A question ready to decode: the model, adapter, rendered prompt, and per source either its summary blocks (float32
 * values, binary on the wire) or its text (full-context baseline).
 */
public class DecodeRequest extends ActionRequest {

    /** One source's context: summary rows (lloco mode) and/or text (full_context mode). */
    public record Source(int rows, float[] summaries, String text) {
    }

    private final String model;
    private final String adapter;
    private final String prompt;
    private final List<Source> sources;
    private final QaOptions options;
    private final int maxSummaryPositions;
    private boolean routed;

    /**
     * @param adapter adapter name, null for none
     * @param maxSummaryPositions 0 for the default budget (window - prompt - max_new_tokens)
     */
    public DecodeRequest(String model, String adapter, String prompt, List<Source> sources, QaOptions options, int maxSummaryPositions) {
        this.model = model;
        this.adapter = adapter;
        this.prompt = prompt;
        this.sources = sources;
        this.options = options;
        this.maxSummaryPositions = maxSummaryPositions;
    }

    /** Wire constructor. */
    public DecodeRequest(StreamInput in) throws IOException {
        super(in);
        model = in.readString();
        adapter = in.readOptionalString();
        prompt = in.readString();
        sources = in.readList(i -> new Source(i.readVInt(), i.readFloatArray(), i.readOptionalString()));
        options = QaOptions.readFrom(in);
        maxSummaryPositions = in.readVInt();
        routed = in.readBoolean();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(model);
        out.writeOptionalString(adapter);
        out.writeString(prompt);
        out.writeCollection(sources, (o, s) -> {
            o.writeVInt(s.rows());
            o.writeFloatArray(s.summaries() == null ? new float[0] : s.summaries());
            o.writeOptionalString(s.text());
        });
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
        return new QaTask(id, type, action, "lloco decode [" + model + "]", parentTaskId, headers);
    }

    /** Model id. */
    public String model() {
        return model;
    }

    /** Adapter name or null. */
    public String adapter() {
        return adapter;
    }

    /** The rendered prompt (question part). */
    public String prompt() {
        return prompt;
    }

    /** Sources in rank order. */
    public List<Source> sources() {
        return sources;
    }

    /** Decoding options. */
    public QaOptions options() {
        return options;
    }

    /** Budget of summary positions; 0: default. */
    public int maxSummaryPositions() {
        return maxSummaryPositions;
    }

    /** Whether a coordinating node already chose where this runs. */
    public boolean routed() {
        return routed;
    }

    /** Marks the request as routed (runs where it arrives). */
    public DecodeRequest markRouted() {
        this.routed = true;
        return this;
    }
}
