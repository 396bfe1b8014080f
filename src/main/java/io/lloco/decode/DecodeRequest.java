/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;

import io.lloco.store.SummaryDtype;

/**
 * One question to decode: the model, adapter, rendered prompt, decoding options, and one or more <em>reads</em> of
 * its sources, each decoded into its own answer (one read, or one per candidate segment with {@code answer_candidates}).
 * A read holds the stored summary blocks of the segments read, as the stored bytes (float16 unless the index stores
 * float32), and/or the text ({@code full_context}). The decode queue counts questions, not reads.
 */
public class DecodeRequest extends ActionRequest {

    /** One segment's stored summaries: {@code summary_length x hidden} values in {@code dtype}, little-endian. */
    public record Block(SummaryDtype dtype, byte[] bytes) {
    }

    /**
     * What one read puts before the prompt: summary blocks in order ({@code lloco} mode; empty otherwise) or text
     * ({@code full_context}; null otherwise).
     */
    public record Read(List<Block> blocks, String text) {

        /** Bytes of the summary blocks. */
        public long bytes() {
            long n = 0;
            for (Block b : blocks) {
                n += b.bytes().length;
            }
            return n;
        }
    }

    private final String model;
    private final String adapter;
    private final String prompt;
    private final DecodeOptions options;
    private final List<Read> reads;
    private final int maxSummaryPositions;
    private boolean routed;

    /**
     * @param adapter adapter name, {@link DecodeService#MODEL_DEFAULT_ADAPTER} for the model's own default, or null for none
     * @param maxSummaryPositions 0 for the default budget (window - prompt - max_new_tokens)
     */
    public DecodeRequest(String model, String adapter, String prompt, DecodeOptions options, List<Read> reads, int maxSummaryPositions) {
        this.model = model;
        this.adapter = adapter;
        this.prompt = prompt;
        this.options = options;
        this.reads = reads;
        this.maxSummaryPositions = maxSummaryPositions;
    }

    /** Wire constructor. */
    public DecodeRequest(StreamInput in) throws IOException {
        super(in);
        model = in.readString();
        adapter = in.readOptionalString();
        prompt = in.readString();
        options = DecodeOptions.readFrom(in);
        reads = in
            .readList(i -> new Read(i.readList(b -> new Block(b.readEnum(SummaryDtype.class), b.readByteArray())), i.readOptionalString()));
        maxSummaryPositions = in.readVInt();
        routed = in.readBoolean();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(model);
        out.writeOptionalString(adapter);
        out.writeString(prompt);
        options.writeTo(out);
        out.writeCollection(reads, (o, r) -> {
            o.writeCollection(r.blocks(), (b, block) -> {
                b.writeEnum(block.dtype());
                b.writeByteArray(block.bytes());
            });
            o.writeOptionalString(r.text());
        });
        out.writeVInt(maxSummaryPositions);
        out.writeBoolean(routed);
    }

    @Override
    public ActionRequestValidationException validate() {
        if (reads.isEmpty()) {
            ActionRequestValidationException e = new ActionRequestValidationException();
            e.addValidationError("a decode request needs at least one read");
            return e;
        }
        return null;
    }

    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new DecodeTask(id, type, action, "lloco decode [" + model + "] " + reads.size() + " read(s)", parentTaskId, headers);
    }

    /** Model id. */
    public String model() {
        return model;
    }

    /** Adapter name, the model-default marker, or null. */
    public String adapter() {
        return adapter;
    }

    /** The rendered prompt (question part). */
    public String prompt() {
        return prompt;
    }

    /** The reads, each decoded into its own answer. */
    public List<Read> reads() {
        return reads;
    }

    /** Decoding options. */
    public DecodeOptions options() {
        return options;
    }

    /** Budget of summary positions; 0: default. */
    public int maxSummaryPositions() {
        return maxSummaryPositions;
    }

    /** Bytes of every read's summary blocks (what the question holds in memory on the decoding node). */
    public long summaryBytes() {
        long n = 0;
        for (Read r : reads) {
            n += r.bytes();
        }
        return n;
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
