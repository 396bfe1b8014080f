/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The figures of an adapter evaluated against no adapter ({@code _evaluate}, and a training's held-out questions):
 * {@code {examples, adapter: {...}, no_adapter: {...}, mean_full_context_tokens, adapter_minus_no_adapter: {...},
 * sample: [...]}}. Stored with the adapter ({@link #toMap}) under {@code eval}.
 *
 * @param examples questions evaluated
 * @param adapter scores with the adapter
 * @param noAdapter scores with none
 * @param meanFullContextTokens mean full-context tokens of the documents read
 * @param adapterMinusNoAdapter the difference of the scores
 * @param sample answers side by side (the first {@code sample} questions), null when none were asked for
 */
public record EvaluationFigures(
    int examples,
    Scores adapter,
    Scores noAdapter,
    double meanFullContextTokens,
    Delta adapterMinusNoAdapter,
    List<SampleAnswer> sample) implements Writeable, ToXContentObject {

    /**
     * The scores of one side, in percent.
     *
     * @param choiceAccuracy null when no example has {@code choices}
     */
    public record Scores(double exactMatch, double f1, Double choiceAccuracy, double meanDecoderPositions)
        implements
            Writeable,
            ToXContentObject {

        static Scores readFrom(StreamInput in) throws IOException {
            return new Scores(in.readDouble(), in.readDouble(), in.readOptionalDouble(), in.readDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeDouble(exactMatch);
            out.writeDouble(f1);
            out.writeOptionalDouble(choiceAccuracy);
            out.writeDouble(meanDecoderPositions);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("exact_match", exactMatch);
            m.put("f1", f1);
            if (choiceAccuracy != null) {
                m.put("choice_accuracy", choiceAccuracy);
            }
            m.put("mean_decoder_positions", meanDecoderPositions);
            return m;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.startObject().field("exact_match", exactMatch).field("f1", f1);
            if (choiceAccuracy != null) {
                b.field("choice_accuracy", choiceAccuracy.doubleValue());
            }
            return b.field("mean_decoder_positions", meanDecoderPositions).endObject();
        }
    }

    /**
     * The adapter's scores minus no adapter's, in points.
     *
     * @param choiceAccuracy null when no example has {@code choices}
     */
    public record Delta(double exactMatch, double f1, Double choiceAccuracy) implements Writeable, ToXContentObject {

        static Delta readFrom(StreamInput in) throws IOException {
            return new Delta(in.readDouble(), in.readDouble(), in.readOptionalDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeDouble(exactMatch);
            out.writeDouble(f1);
            out.writeOptionalDouble(choiceAccuracy);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("exact_match", exactMatch);
            m.put("f1", f1);
            if (choiceAccuracy != null) {
                m.put("choice_accuracy", choiceAccuracy);
            }
            return m;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.startObject().field("exact_match", exactMatch).field("f1", f1);
            if (choiceAccuracy != null) {
                b.field("choice_accuracy", choiceAccuracy.doubleValue());
            }
            return b.endObject();
        }
    }

    /** One question answered with and without the adapter. */
    public record SampleAnswer(String docId, String question, String answer, String adapterAnswer, String noAdapterAnswer)
        implements
            Writeable,
            ToXContentObject {

        static SampleAnswer readFrom(StreamInput in) throws IOException {
            return new SampleAnswer(in.readString(), in.readString(), in.readString(), in.readString(), in.readString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(docId);
            out.writeString(question);
            out.writeString(answer);
            out.writeString(adapterAnswer);
            out.writeString(noAdapterAnswer);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("doc_id", docId);
            m.put("question", question);
            m.put("answer", answer);
            m.put("adapter_answer", adapterAnswer);
            m.put("no_adapter_answer", noAdapterAnswer);
            return m;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.startObject()
                .field("doc_id", docId)
                .field("question", question)
                .field("answer", answer)
                .field("adapter_answer", adapterAnswer)
                .field("no_adapter_answer", noAdapterAnswer)
                .endObject();
        }
    }

    /** Wire constructor. */
    public static EvaluationFigures readFrom(StreamInput in) throws IOException {
        int examples = in.readVInt();
        Scores adapter = Scores.readFrom(in);
        Scores noAdapter = Scores.readFrom(in);
        double meanFullContextTokens = in.readDouble();
        Delta delta = Delta.readFrom(in);
        List<SampleAnswer> sample = in.readBoolean() ? in.readList(SampleAnswer::readFrom) : null;
        return new EvaluationFigures(examples, adapter, noAdapter, meanFullContextTokens, delta, sample);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeVInt(examples);
        adapter.writeTo(out);
        noAdapter.writeTo(out);
        out.writeDouble(meanFullContextTokens);
        adapterMinusNoAdapter.writeTo(out);
        out.writeBoolean(sample != null);
        if (sample != null) {
            out.writeList(sample);
        }
    }

    /** The stored form (the adapter's {@code eval}): the same fields as {@link #toXContent}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", examples);
        m.put("adapter", adapter.toMap());
        m.put("no_adapter", noAdapter.toMap());
        m.put("mean_full_context_tokens", meanFullContextTokens);
        m.put("adapter_minus_no_adapter", adapterMinusNoAdapter.toMap());
        if (sample != null) {
            List<Map<String, Object>> s = new ArrayList<>();
            sample.forEach(a -> s.add(a.toMap()));
            m.put("sample", s);
        }
        return m;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject()
            .field("examples", examples)
            .field("adapter", adapter, params)
            .field("no_adapter", noAdapter, params)
            .field("mean_full_context_tokens", meanFullContextTokens)
            .field("adapter_minus_no_adapter", adapterMinusNoAdapter, params);
        if (sample != null) {
            b.startArray("sample");
            for (SampleAnswer a : sample) {
                a.toXContent(b, params);
            }
            b.endArray();
        }
        return b.endObject();
    }
}
