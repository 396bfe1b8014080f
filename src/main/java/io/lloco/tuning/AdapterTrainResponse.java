/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.List;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

import io.lloco.adapters.AdapterMeta;

/**
 * The end of a training, stored as its task's result ({@code GET _tasks/<id>}): {@code {"adapter": {...as the adapters
 * API shows it}, "training": {...}, "eval": {...} | null, "took_ms": ...}}; {@code eval} is null when no example was
 * held out.
 */
public class AdapterTrainResponse extends ActionResponse implements ToXContentObject {

    private final AdapterMeta adapter;
    private final TrainingFigures training;
    private final EvaluationFigures eval;
    private final long tookMs;

    /** The registered {@code adapter}, its {@code training}, its evaluation (null for none) and the time it all took. */
    public AdapterTrainResponse(AdapterMeta adapter, TrainingFigures training, EvaluationFigures eval, long tookMs) {
        this.adapter = adapter;
        this.training = training;
        this.eval = eval;
        this.tookMs = tookMs;
    }

    /** Wire constructor. */
    public AdapterTrainResponse(StreamInput in) throws IOException {
        super(in);
        this.adapter = AdapterMeta.fromMap(in.readMap());
        this.training = TrainingFigures.readFrom(in);
        this.eval = in.readOptionalWriteable(EvaluationFigures::readFrom);
        this.tookMs = in.readLong();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeMap(adapter.toMap());
        training.writeTo(out);
        out.writeOptionalWriteable(eval);
        out.writeLong(tookMs);
    }

    /** The registered adapter version. */
    public AdapterMeta adapter() {
        return adapter;
    }

    /** The training's parameters and figures. */
    public TrainingFigures training() {
        return training;
    }

    /** The evaluation on the held-out examples, null when none was held out. */
    public EvaluationFigures eval() {
        return eval;
    }

    /** Milliseconds from the start of the training to its end. */
    public long tookMs() {
        return tookMs;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject().field("adapter", adapter.toApiMap(List.of())).field("training", training, params);
        if (eval == null) {
            b.nullField("eval");
        } else {
            b.field("eval", eval, params);
        }
        return b.field("took_ms", tookMs).endObject();
    }
}
