/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.io.IOException;
import java.util.List;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

/** What the decoding node produced, with counts and timings. */
public class DecodeResponse extends ActionResponse {

    private final String answer;
    private final String finishReason;
    private final int summaryPositions;
    private final int contextTokens;
    private final int promptTokens;
    private final int generatedTokens;
    private final int sourcesUsed;
    private final long queueNanos;
    private final long prefillNanos;
    private final long decodeNanos;
    private final String node;
    private final String adapter;
    private final String modelFingerprint;
    private final int batchSize;
    private final int decoderPositions;
    private final double[] optionLogProbs;
    private final List<String> hypotheses;
    private final double[] hypothesisLogProbs;

    /** A response. */
    public DecodeResponse(
        String answer,
        String finishReason,
        int summaryPositions,
        int contextTokens,
        int promptTokens,
        int generatedTokens,
        int sourcesUsed,
        long queueNanos,
        long prefillNanos,
        long decodeNanos,
        String node,
        String adapter,
        String modelFingerprint,
        int batchSize,
        int decoderPositions,
        double[] optionLogProbs,
        List<String> hypotheses,
        double[] hypothesisLogProbs
    ) {
        this.answer = answer;
        this.finishReason = finishReason;
        this.summaryPositions = summaryPositions;
        this.contextTokens = contextTokens;
        this.promptTokens = promptTokens;
        this.generatedTokens = generatedTokens;
        this.sourcesUsed = sourcesUsed;
        this.queueNanos = queueNanos;
        this.prefillNanos = prefillNanos;
        this.decodeNanos = decodeNanos;
        this.node = node;
        this.adapter = adapter;
        this.modelFingerprint = modelFingerprint;
        this.batchSize = batchSize;
        this.decoderPositions = decoderPositions;
        this.optionLogProbs = optionLogProbs == null ? new double[0] : optionLogProbs;
        this.hypotheses = hypotheses == null ? List.of() : List.copyOf(hypotheses);
        this.hypothesisLogProbs = hypothesisLogProbs == null ? new double[0] : hypothesisLogProbs;
        if (this.hypotheses.size() != this.hypothesisLogProbs.length) {
            throw new IllegalArgumentException("one log-probability per hypothesis");
        }
    }

    /** Wire constructor. */
    public DecodeResponse(StreamInput in) throws IOException {
        super(in);
        answer = in.readString();
        finishReason = in.readString();
        summaryPositions = in.readVInt();
        contextTokens = in.readVInt();
        promptTokens = in.readVInt();
        generatedTokens = in.readVInt();
        sourcesUsed = in.readVInt();
        queueNanos = in.readVLong();
        prefillNanos = in.readVLong();
        decodeNanos = in.readVLong();
        node = in.readString();
        adapter = in.readOptionalString();
        modelFingerprint = in.readString();
        batchSize = in.readVInt();
        decoderPositions = in.readVInt();
        optionLogProbs = in.readDoubleArray();
        hypotheses = in.readStringList();
        hypothesisLogProbs = in.readDoubleArray();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(answer);
        out.writeString(finishReason);
        out.writeVInt(summaryPositions);
        out.writeVInt(contextTokens);
        out.writeVInt(promptTokens);
        out.writeVInt(generatedTokens);
        out.writeVInt(sourcesUsed);
        out.writeVLong(queueNanos);
        out.writeVLong(prefillNanos);
        out.writeVLong(decodeNanos);
        out.writeString(node);
        out.writeOptionalString(adapter);
        out.writeString(modelFingerprint);
        out.writeVInt(batchSize);
        out.writeVInt(decoderPositions);
        out.writeDoubleArray(optionLogProbs);
        out.writeStringCollection(hypotheses);
        out.writeDoubleArray(hypothesisLogProbs);
    }

    /** Per option, the log-likelihood of its target when the question was ranked ({@code choice_mode: rank}); else empty. */
    public double[] optionLogProbs() {
        return optionLogProbs;
    }

    /** With {@code answer_beams}: every hypothesis of the beam search, best first (the answer is the first); else empty. */
    public List<String> hypotheses() {
        return hypotheses;
    }

    /** Summed log-probability of each of {@link #hypotheses()}. */
    public double[] hypothesisLogProbs() {
        return hypothesisLogProbs;
    }

    /** The answer text. */
    public String answer() {
        return answer;
    }

    /** Why decoding stopped. */
    public String finishReason() {
        return finishReason;
    }

    /** Summary vectors read. */
    public int summaryPositions() {
        return summaryPositions;
    }

    /** Context text tokens read (full_context mode). */
    public int contextTokens() {
        return contextTokens;
    }

    /** Prompt tokens read. */
    public int promptTokens() {
        return promptTokens;
    }

    /** Tokens generated. */
    public int generatedTokens() {
        return generatedTokens;
    }

    /** Sources that fit the window. */
    public int sourcesUsed() {
        return sourcesUsed;
    }

    /** Time waiting in the decode queue. */
    public long queueNanos() {
        return queueNanos;
    }

    /** Prefill time. */
    public long prefillNanos() {
        return prefillNanos;
    }

    /** Decode time. */
    public long decodeNanos() {
        return decodeNanos;
    }

    /** Node that decoded. */
    public String node() {
        return node;
    }

    /** Adapter used, or null. */
    public String adapter() {
        return adapter;
    }

    /** Fingerprint of the decoding model. */
    public String modelFingerprint() {
        return modelFingerprint;
    }

    /** Input positions the decoder read: summary vectors + context tokens + separators + prompt tokens. */
    public int decoderPositions() {
        return decoderPositions;
    }

    /** Requests decoded together in the batch. */
    public int batchSize() {
        return batchSize;
    }
}
