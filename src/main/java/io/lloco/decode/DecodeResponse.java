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
 * What the decoding node produced for one question: one {@link ReadResult} per read, in the request's order, and the
 * facts shared by them (node, adapter, model fingerprint, prompt length, time queued, batch size).
 */
public class DecodeResponse extends ActionResponse {

    /**
     * One read's answer.
     *
     * @param finishReason {@code eos} | {@code stop_string} | {@code length} | {@code ranked}
     * @param summaryPositions summary vectors read (whole segments)
     * @param blocksUsed summary blocks read, a prefix of the read's blocks
     * @param contextTokens text tokens read ({@code full_context})
     * @param truncatedTokens text tokens cut to fit the window ({@code full_context})
     * @param decoderPositions positions the decoder attended to before generating (summaries or text + prompt)
     * @param optionLogProbs per option, the log-likelihood of its target (ranked choices), else empty
     * @param hypotheses beam-search hypotheses, best first, or null
     * @param hypothesisLogProbs their log-probabilities, or null
     */
    public record ReadResult(
        String answer,
        String finishReason,
        int summaryPositions,
        int blocksUsed,
        int contextTokens,
        int truncatedTokens,
        int generatedTokens,
        int decoderPositions,
        long prefillNanos,
        long decodeNanos,
        double[] optionLogProbs,
        List<String> hypotheses,
        double[] hypothesisLogProbs) {

        static ReadResult readFrom(StreamInput in) throws IOException {
            return new ReadResult(
                in.readString(),
                in.readString(),
                in.readVInt(),
                in.readVInt(),
                in.readVInt(),
                in.readVInt(),
                in.readVInt(),
                in.readVInt(),
                in.readVLong(),
                in.readVLong(),
                in.readDoubleArray(),
                in.readOptionalStringList(),
                in.readBoolean() ? in.readDoubleArray() : null
            );
        }

        void writeTo(StreamOutput out) throws IOException {
            out.writeString(answer);
            out.writeString(finishReason);
            out.writeVInt(summaryPositions);
            out.writeVInt(blocksUsed);
            out.writeVInt(contextTokens);
            out.writeVInt(truncatedTokens);
            out.writeVInt(generatedTokens);
            out.writeVInt(decoderPositions);
            out.writeVLong(prefillNanos);
            out.writeVLong(decodeNanos);
            out.writeDoubleArray(optionLogProbs == null ? new double[0] : optionLogProbs);
            out.writeOptionalStringCollection(hypotheses);
            out.writeBoolean(hypothesisLogProbs != null);
            if (hypothesisLogProbs != null) {
                out.writeDoubleArray(hypothesisLogProbs);
            }
        }
    }

    private final String node;
    private final String adapter;
    private final String modelFingerprint;
    private final int promptTokens;
    private final long queueNanos;
    private final int batchSize;
    private final List<ReadResult> reads;

    /**
     * @param adapter the adapter applied, or null for none
     * @param batchSize questions decoded in the same batch
     */
    public DecodeResponse(
        String node,
        String adapter,
        String modelFingerprint,
        int promptTokens,
        long queueNanos,
        int batchSize,
        List<ReadResult> reads
    ) {
        this.node = node;
        this.adapter = adapter;
        this.modelFingerprint = modelFingerprint;
        this.promptTokens = promptTokens;
        this.queueNanos = queueNanos;
        this.batchSize = batchSize;
        this.reads = reads;
    }

    /** Wire constructor. */
    public DecodeResponse(StreamInput in) throws IOException {
        super(in);
        node = in.readString();
        adapter = in.readOptionalString();
        modelFingerprint = in.readString();
        promptTokens = in.readVInt();
        queueNanos = in.readVLong();
        batchSize = in.readVInt();
        reads = in.readList(ReadResult::readFrom);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(node);
        out.writeOptionalString(adapter);
        out.writeString(modelFingerprint);
        out.writeVInt(promptTokens);
        out.writeVLong(queueNanos);
        out.writeVInt(batchSize);
        out.writeList(reads.stream().map(r -> (org.opensearch.core.common.io.stream.Writeable) r::writeTo).toList());
    }

    /** Name of the node that decoded. */
    public String node() {
        return node;
    }

    /** The adapter applied, or null. */
    public String adapter() {
        return adapter;
    }

    /** Fingerprint of the model that decoded. */
    public String modelFingerprint() {
        return modelFingerprint;
    }

    /** Tokens of the rendered prompt. */
    public int promptTokens() {
        return promptTokens;
    }

    /** Time the question waited in the decode queue (including for its model to load). */
    public long queueNanos() {
        return queueNanos;
    }

    /** Questions decoded in the same batch. */
    public int batchSize() {
        return batchSize;
    }

    /** One result per read, in the request's order. */
    public List<ReadResult> reads() {
        return reads;
    }
}
