/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import static org.opensearch.action.ValidateActions.addValidationError;

import java.io.IOException;
import java.util.Map;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;

/**
 * The window of one question: its model, question, adapter, the template the coordinating node chose (the request's or
 * the target indices', or none: then the adapter's or the default, decided on the {@code lloco} node where the adapter's
 * files are) and its options (what the answer or the options take).
 */
public class WindowRequest extends ActionRequest {

    private final String model;
    private final String question;
    private final String adapter;
    private final String template;
    private final TemplateSource templateSource;
    private final DecodeOptions options;
    private final int maxSummaryPositions;
    private boolean routed;

    /**
     * @param adapter the adapter the decode applies (a name, {@link DecodeService#MODEL_DEFAULT_ADAPTER}, or null for none)
     * @param template the request's or the indices' template, or null
     * @param templateSource {@link TemplateSource#REQUEST} or {@link TemplateSource#INDEX} with a template, else null
     * @param maxSummaryPositions 0: the whole window
     */
    public WindowRequest(
        String model,
        String question,
        String adapter,
        String template,
        TemplateSource templateSource,
        DecodeOptions options,
        int maxSummaryPositions
    ) {
        this.model = model;
        this.question = question;
        this.adapter = adapter;
        this.template = template;
        this.templateSource = templateSource;
        this.options = options;
        this.maxSummaryPositions = maxSummaryPositions;
    }

    /** Wire constructor. */
    public WindowRequest(StreamInput in) throws IOException {
        super(in);
        model = in.readString();
        question = in.readString();
        adapter = in.readOptionalString();
        template = in.readOptionalString();
        templateSource = in.readBoolean() ? in.readEnum(TemplateSource.class) : null;
        options = DecodeOptions.readFrom(in);
        maxSummaryPositions = in.readVInt();
        routed = in.readBoolean();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(model);
        out.writeString(question);
        out.writeOptionalString(adapter);
        out.writeOptionalString(template);
        out.writeBoolean(templateSource != null);
        if (templateSource != null) {
            out.writeEnum(templateSource);
        }
        options.writeTo(out);
        out.writeVInt(maxSummaryPositions);
        out.writeBoolean(routed);
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        if (question == null) {
            e = addValidationError("[question] is missing", e);
        }
        if ((template == null) != (templateSource == null)) {
            e = addValidationError("a template and its source go together", e);
        } else if (templateSource != null && templateSource != TemplateSource.REQUEST && templateSource != TemplateSource.INDEX) {
            e = addValidationError(
                "the coordinating node chooses a [request] or [index] template, got [" + templateSource.value() + "]",
                e
            );
        }
        return e;
    }

    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new DecodeTask(id, type, action, "lloco window [" + model + "]", parentTaskId, headers);
    }

    /** Model id. */
    public String model() {
        return model;
    }

    /** The question. */
    public String question() {
        return question;
    }

    /** The adapter the decode applies: a name, {@link DecodeService#MODEL_DEFAULT_ADAPTER}, or null for none. */
    public String adapter() {
        return adapter;
    }

    /** The request's or the indices' template, or null (the adapter's, else the default). */
    public String template() {
        return template;
    }

    /** Where {@link #template} comes from, or null without one. */
    public TemplateSource templateSource() {
        return templateSource;
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
