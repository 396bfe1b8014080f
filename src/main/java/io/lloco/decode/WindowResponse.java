/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.io.IOException;
import java.util.List;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

/**
 * The window of a question on its model, and its prompt: rendered on the {@code lloco} node with the template the
 * precedence picks ({@link PromptRenderer}), so every decode of the question reads the same prompt.
 */
public class WindowResponse extends ActionResponse {

    private final String fingerprint;
    private final int summaryLength;
    private final int hidden;
    private final int maxPositions;
    private final int promptTokens;
    private final int budget;
    private final String prompt;
    private final String templateName;
    private final TemplateSource templateSource;
    private final List<String> warnings;

    /**
     * A window.
     *
     * @param budget summary positions the question may read ({@link DecodeService#budget})
     * @param templateName the template's name, or {@link PromptRenderer#CUSTOM}
     * @param warnings declared templates passed over because they do not fit the question
     */
    public WindowResponse(
        String fingerprint,
        int summaryLength,
        int hidden,
        int maxPositions,
        int promptTokens,
        int budget,
        String prompt,
        String templateName,
        TemplateSource templateSource,
        List<String> warnings
    ) {
        this.fingerprint = fingerprint;
        this.summaryLength = summaryLength;
        this.hidden = hidden;
        this.maxPositions = maxPositions;
        this.promptTokens = promptTokens;
        this.budget = budget;
        this.prompt = prompt;
        this.templateName = templateName;
        this.templateSource = templateSource;
        this.warnings = List.copyOf(warnings);
    }

    /** Wire constructor. */
    public WindowResponse(StreamInput in) throws IOException {
        super(in);
        fingerprint = in.readString();
        summaryLength = in.readVInt();
        hidden = in.readVInt();
        maxPositions = in.readVInt();
        promptTokens = in.readVInt();
        budget = in.readVInt();
        prompt = in.readString();
        templateName = in.readString();
        templateSource = in.readEnum(TemplateSource.class);
        warnings = in.readStringList();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(fingerprint);
        out.writeVInt(summaryLength);
        out.writeVInt(hidden);
        out.writeVInt(maxPositions);
        out.writeVInt(promptTokens);
        out.writeVInt(budget);
        out.writeString(prompt);
        out.writeString(templateName);
        out.writeEnum(templateSource);
        out.writeStringCollection(warnings);
    }

    /** The model's fingerprint. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Summary vectors per segment of the model. */
    public int summaryLength() {
        return summaryLength;
    }

    /** Width of a summary vector. */
    public int hidden() {
        return hidden;
    }

    /** The model's window. */
    public int maxPositions() {
        return maxPositions;
    }

    /** Tokens of the rendered prompt. */
    public int promptTokens() {
        return promptTokens;
    }

    /** Summary positions the question may read. */
    public int budget() {
        return budget;
    }

    /** The rendered prompt every decode of the question reads. */
    public String prompt() {
        return prompt;
    }

    /** The template's name, or {@link PromptRenderer#CUSTOM} for a custom pattern. */
    public String templateName() {
        return templateName;
    }

    /** Where the template came from. */
    public TemplateSource templateSource() {
        return templateSource;
    }

    /** Declared templates passed over because they do not fit the question. */
    public List<String> warnings() {
        return warnings;
    }
}
