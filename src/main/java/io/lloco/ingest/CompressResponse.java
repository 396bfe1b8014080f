/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

import io.lloco.engine.ModelInfo;
import io.lloco.engine.SummaryEncoder;

/**
 * A compressed batch on the wire: the model's facts, the node that ran it, and per document either its segments
 * (offsets, token counts, summaries as a binary float32 array) or its error.
 */
public class CompressResponse extends ActionResponse {

    private final CompressService.Result result;

    /** Wraps a result. */
    public CompressResponse(CompressService.Result result) {
        this.result = result;
    }

    /** Reads a response from the wire. */
    public CompressResponse(StreamInput in) throws IOException {
        super(in);
        ModelInfo info = new ModelInfo(
            in.readString(), in.readString(), in.readVInt(), in.readVInt(), in.readVInt(), in.readVInt(), in.readVInt()
        );
        int segmentTokens = in.readVInt();
        String node = in.readString();
        int n = in.readVInt();
        List<CompressService.Outcome> outcomes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (in.readBoolean()) {
                int tokens = in.readVInt();
                int segs = in.readVInt();
                List<SummaryEncoder.Segment> segments = new ArrayList<>(segs);
                for (int k = 0; k < segs; k++) {
                    segments.add(new SummaryEncoder.Segment(in.readVInt(), in.readVInt(), in.readVInt(), in.readFloatArray()));
                }
                outcomes.add(new CompressService.Outcome(new SummaryEncoder.Encoded(tokens, segments), null));
            } else {
                outcomes.add(new CompressService.Outcome(null, in.readException()));
            }
        }
        this.result = new CompressService.Result(info, segmentTokens, node, outcomes);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        ModelInfo info = result.info();
        out.writeString(info.id());
        out.writeString(info.fingerprint());
        out.writeVInt(info.hidden());
        out.writeVInt(info.summaryLength());
        out.writeVInt(info.segmentTokens());
        out.writeVInt(info.maxPositions());
        out.writeVInt(info.vocabSize());
        out.writeVInt(result.segmentTokens());
        out.writeString(result.node());
        out.writeVInt(result.outcomes().size());
        for (CompressService.Outcome o : result.outcomes()) {
            out.writeBoolean(o.encoded() != null);
            if (o.encoded() != null) {
                out.writeVInt(o.encoded().tokens());
                out.writeVInt(o.encoded().segments().size());
                for (SummaryEncoder.Segment s : o.encoded().segments()) {
                    out.writeVInt(s.startChar());
                    out.writeVInt(s.endChar());
                    out.writeVInt(s.tokens());
                    out.writeFloatArray(s.summaries());
                }
            } else {
                out.writeException(o.error());
            }
        }
    }

    /** The result. */
    public CompressService.Result result() {
        return result;
    }
}
