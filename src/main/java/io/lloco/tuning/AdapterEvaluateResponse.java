/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The answer of {@code _evaluate}: {@code {"adapter": name, "version": n, "source_index": index, "eval": {...}}}, the
 * figures of the adapter's version {@code version} against no adapter.
 */
public class AdapterEvaluateResponse extends ActionResponse implements ToXContentObject {

    private final String adapter;
    private final long version;
    private final String sourceIndex;
    private final EvaluationFigures eval;

    /** The figures {@code eval} of version {@code version} of adapter {@code adapter} on {@code sourceIndex}. */
    public AdapterEvaluateResponse(String adapter, long version, String sourceIndex, EvaluationFigures eval) {
        this.adapter = adapter;
        this.version = version;
        this.sourceIndex = sourceIndex;
        this.eval = eval;
    }

    /** Wire constructor. */
    public AdapterEvaluateResponse(StreamInput in) throws IOException {
        super(in);
        this.adapter = in.readString();
        this.version = in.readVLong();
        this.sourceIndex = in.readString();
        this.eval = EvaluationFigures.readFrom(in);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(adapter);
        out.writeVLong(version);
        out.writeString(sourceIndex);
        eval.writeTo(out);
    }

    /** The adapter's name. */
    public String adapter() {
        return adapter;
    }

    /** The version evaluated. */
    public long version() {
        return version;
    }

    /** The compressed documents' index the questions were asked over. */
    public String sourceIndex() {
        return sourceIndex;
    }

    /** The figures. */
    public EvaluationFigures eval() {
        return eval;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        return b.startObject()
            .field("adapter", adapter)
            .field("version", version)
            .field("source_index", sourceIndex)
            .field("eval", eval, params)
            .endObject();
    }
}
