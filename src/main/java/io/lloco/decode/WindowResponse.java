/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.io.IOException;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

/**
 * The window of a question on its model.
 *
 * @param budget summary positions the question may read ({@link DecodeService#budget})
 */
public class WindowResponse extends ActionResponse {

    private final String fingerprint;
    private final int summaryLength;
    private final int hidden;
    private final int maxPositions;
    private final int promptTokens;
    private final int budget;

    /** A window. */
    public WindowResponse(String fingerprint, int summaryLength, int hidden, int maxPositions, int promptTokens, int budget) {
        this.fingerprint = fingerprint;
        this.summaryLength = summaryLength;
        this.hidden = hidden;
        this.maxPositions = maxPositions;
        this.promptTokens = promptTokens;
        this.budget = budget;
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
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(fingerprint);
        out.writeVInt(summaryLength);
        out.writeVInt(hidden);
        out.writeVInt(maxPositions);
        out.writeVInt(promptTokens);
        out.writeVInt(budget);
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
}
