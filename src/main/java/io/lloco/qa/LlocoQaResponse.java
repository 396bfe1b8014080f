/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The answer of {@code _lloco_qa}: what was answered, from which sources, at what cost (usage), how long each step
 * took, and what went wrong without failing the question (warnings). Field by field in {@code docs/qa.md}.
 *
 * @param template the prompt template the question was rendered with, and where it came from
 * @param node the {@code lloco} node that decoded
 * @param finishReason {@code eos} | {@code stop_string} | {@code length} | {@code ranked}
 * @param choiceScores per option with {@code choice_mode} {@code rank} or {@code cloze}, else null
 * @param candidates the segments read for candidate answers ({@code answer_candidates}, {@code answer_beams}), else null
 */
public class LlocoQaResponse extends ActionResponse implements ToXContentObject {

    private final String answer;
    private final String mode;
    private final String model;
    private final String adapter;
    private final Template template;
    private final String node;
    private final String finishReason;
    private final List<ChoiceScore> choiceScores;
    private final List<Candidate> candidates;
    private final List<Source> sources;
    private final Usage usage;
    private final Timings timings;
    private final List<String> warnings;

    /** A response; see the class comment for the nullable fields. */
    public LlocoQaResponse(
        String answer,
        String mode,
        String model,
        String adapter,
        Template template,
        String node,
        String finishReason,
        List<ChoiceScore> choiceScores,
        List<Candidate> candidates,
        List<Source> sources,
        Usage usage,
        Timings timings,
        List<String> warnings
    ) {
        this.answer = answer;
        this.mode = mode;
        this.model = model;
        this.adapter = adapter;
        this.template = template;
        this.node = node;
        this.finishReason = finishReason;
        this.choiceScores = choiceScores;
        this.candidates = candidates;
        this.sources = sources;
        this.usage = usage;
        this.timings = timings;
        this.warnings = warnings;
    }

    /** The answer. */
    public String answer() {
        return answer;
    }

    /** The mode read in. */
    public String mode() {
        return mode;
    }

    /** The model that answered. */
    public String model() {
        return model;
    }

    /** The adapter applied, or null. */
    public String adapter() {
        return adapter;
    }

    /** The prompt template the question was rendered with, and where it came from. */
    public Template template() {
        return template;
    }

    /** The node that decoded, or null. */
    public String node() {
        return node;
    }

    /** Why decoding stopped. */
    public String finishReason() {
        return finishReason;
    }

    /** Option scores, or null. */
    public List<ChoiceScore> choiceScores() {
        return choiceScores;
    }

    /** Candidate reads, or null. */
    public List<Candidate> candidates() {
        return candidates;
    }

    /** The documents read. */
    public List<Source> sources() {
        return sources;
    }

    /** What the question cost. */
    public Usage usage() {
        return usage;
    }

    /** How long each step took. */
    public Timings timings() {
        return timings;
    }

    /** What went wrong without failing the question. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The prompt template of the question.
     *
     * @param name a template name ({@code qmsum}, {@code quality}, ...) or {@code custom} for a custom pattern
     * @param source {@code request} | {@code index} | {@code adapter} | {@code default}
     */
    public record Template(String name, String source) implements Writeable, ToXContentObject {

        static Template readFrom(StreamInput in) throws IOException {
            return new Template(in.readString(), in.readString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(name);
            out.writeString(source);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.startObject().field("name", name).field("source", source).endObject();
        }
    }

    /** One segment of a source: its ordinal and UTF-16 character span in the source text field. */
    public record Segment(int ord, int start, int end) implements Writeable, ToXContentObject {

        static Segment readFrom(StreamInput in) throws IOException {
            return new Segment(in.readVInt(), in.readVInt(), in.readVInt());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVInt(ord);
            out.writeVInt(start);
            out.writeVInt(end);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.startObject().field("ord", ord).field("start", start).field("end", end).endObject();
        }
    }

    /** A document read, with the segments read from it. */
    public record Source(String index, String id, Float score, long tokens, List<Segment> segments)
        implements
            Writeable,
            ToXContentObject {

        static Source readFrom(StreamInput in) throws IOException {
            return new Source(in.readString(), in.readString(), in.readOptionalFloat(), in.readVLong(), in.readList(Segment::readFrom));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(index);
            out.writeString(id);
            out.writeOptionalFloat(score);
            out.writeVLong(tokens);
            out.writeList(segments);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.startObject().field("_index", index).field("_id", id).field("_score", score).field("tokens", tokens);
            b.startArray("segments");
            for (Segment s : segments) {
                s.toXContent(b, params);
            }
            return b.endArray().endObject();
        }
    }

    /** One option of a ranked multiple-choice question. */
    public record ChoiceScore(String letter, String option, double logprob, double probability) implements Writeable, ToXContentObject {

        static ChoiceScore readFrom(StreamInput in) throws IOException {
            return new ChoiceScore(in.readString(), in.readString(), in.readDouble(), in.readDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(letter);
            out.writeString(option);
            out.writeDouble(logprob);
            out.writeDouble(probability);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.startObject()
                .field("letter", letter)
                .field("option", option)
                .field("logprob", logprob)
                .field("probability", probability)
                .endObject();
        }
    }

    /**
     * An answer read, with how well its own segment supports it.
     *
     * @param support the supporting sentence's match of the question, null when no sentence states the answer
     * @param names the question's names that sentence holds (when stated)
     */
    public record Hypothesis(String answer, Double logProb, Double support, Integer names, boolean chosen)
        implements
            Writeable,
            ToXContentObject {

        static Hypothesis readFrom(StreamInput in) throws IOException {
            return new Hypothesis(
                in.readString(), in.readOptionalDouble(), in.readOptionalDouble(), in.readOptionalVInt(), in.readBoolean()
            );
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(answer);
            out.writeOptionalDouble(logProb);
            out.writeOptionalDouble(support);
            out.writeOptionalVInt(names);
            out.writeBoolean(chosen);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.startObject().field("answer", answer).field("log_prob", logProb);
            supportFields(b, support, names);
            return b.field("chosen", chosen).endObject();
        }
    }

    /** A segment read alone for a candidate answer. */
    public record Candidate(String index, String id, int ord, String answer, Double support, Integer names, boolean chosen,
        List<Hypothesis> hypotheses) implements Writeable, ToXContentObject {

        static Candidate readFrom(StreamInput in) throws IOException {
            return new Candidate(
                in.readString(),
                in.readString(),
                in.readVInt(),
                in.readString(),
                in.readOptionalDouble(),
                in.readOptionalVInt(),
                in.readBoolean(),
                in.readBoolean() ? in.readList(Hypothesis::readFrom) : null
            );
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(index);
            out.writeString(id);
            out.writeVInt(ord);
            out.writeString(answer);
            out.writeOptionalDouble(support);
            out.writeOptionalVInt(names);
            out.writeBoolean(chosen);
            out.writeBoolean(hypotheses != null);
            if (hypotheses != null) {
                out.writeList(hypotheses);
            }
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.startObject().field("_index", index).field("_id", id).field("ord", ord).field("answer", answer);
            supportFields(b, support, names);
            b.field("chosen", chosen);
            if (hypotheses != null) {
                b.startArray("hypotheses");
                for (Hypothesis h : hypotheses) {
                    h.toXContent(b, params);
                }
                b.endArray();
            }
            return b.endObject();
        }
    }

    private static void supportFields(XContentBuilder b, Double support, Integer names) throws IOException {
        b.field("support", support);
        if (support != null) {
            b.field("names", names);
        }
    }

    /**
     * What the question cost.
     *
     * @param summaryPositions summary vectors the decoder read
     * @param contextTokens text tokens the decoder read ({@code full_context})
     * @param decoderPositions positions attended to before generating, summed over reads
     * @param fullContextTokens tokens of the same segments as text
     * @param compressionRatio {@code full_context_tokens / summary_positions}, null without summaries
     * @param truncatedSegments segments that matched but did not fit the window
     * @param truncatedTokens text tokens cut to fit the window ({@code full_context})
     * @param sourceBytesFetched {@code _source} bytes the searches returned
     * @param summaryBytesRead summary bytes read (exactly those decoded)
     */
    public record Usage(
        int summaryPositions,
        int contextTokens,
        int promptTokens,
        int generatedTokens,
        int decoderPositions,
        long fullContextTokens,
        Double compressionRatio,
        int batchSize,
        int truncatedSegments,
        int truncatedTokens,
        long sourceBytesFetched,
        long summaryBytesRead) implements Writeable, ToXContentObject {

        static Usage readFrom(StreamInput in) throws IOException {
            return new Usage(
                in.readVInt(),
                in.readVInt(),
                in.readVInt(),
                in.readVInt(),
                in.readVInt(),
                in.readVLong(),
                in.readOptionalDouble(),
                in.readVInt(),
                in.readVInt(),
                in.readVInt(),
                in.readVLong(),
                in.readVLong()
            );
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVInt(summaryPositions);
            out.writeVInt(contextTokens);
            out.writeVInt(promptTokens);
            out.writeVInt(generatedTokens);
            out.writeVInt(decoderPositions);
            out.writeVLong(fullContextTokens);
            out.writeOptionalDouble(compressionRatio);
            out.writeVInt(batchSize);
            out.writeVInt(truncatedSegments);
            out.writeVInt(truncatedTokens);
            out.writeVLong(sourceBytesFetched);
            out.writeVLong(summaryBytesRead);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.startObject()
                .field("summary_positions", summaryPositions)
                .field("context_tokens", contextTokens)
                .field("prompt_tokens", promptTokens)
                .field("generated_tokens", generatedTokens)
                .field("decoder_positions", decoderPositions)
                .field("full_context_tokens", fullContextTokens)
                .field("compression_ratio", compressionRatio)
                .field("batch_size", batchSize)
                .field("truncated_segments", truncatedSegments)
                .field("truncated_tokens", truncatedTokens)
                .field("source_bytes_fetched", sourceBytesFetched)
                .field("summary_bytes_read", summaryBytesRead)
                .endObject();
        }
    }

    /** Milliseconds per step, rounded to 0.01. */
    public record Timings(double retrieveMs, double fetchMs, double queueMs, double prefillMs, double decodeMs, double totalMs)
        implements
            Writeable,
            ToXContentObject {

        static Timings readFrom(StreamInput in) throws IOException {
            return new Timings(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeDouble(retrieveMs);
            out.writeDouble(fetchMs);
            out.writeDouble(queueMs);
            out.writeDouble(prefillMs);
            out.writeDouble(decodeMs);
            out.writeDouble(totalMs);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            return b.startObject()
                .field("retrieve_ms", retrieveMs)
                .field("fetch_ms", fetchMs)
                .field("queue_ms", queueMs)
                .field("prefill_ms", prefillMs)
                .field("decode_ms", decodeMs)
                .field("total_ms", totalMs)
                .endObject();
        }
    }

    /** Reads a response from the wire. */
    public LlocoQaResponse(StreamInput in) throws IOException {
        this(
            in.readString(),
            in.readString(),
            in.readString(),
            in.readOptionalString(),
            in.readOptionalWriteable(Template::readFrom),
            in.readOptionalString(),
            in.readOptionalString(),
            in.readBoolean() ? in.readList(ChoiceScore::readFrom) : null,
            in.readBoolean() ? in.readList(Candidate::readFrom) : null,
            in.readList(Source::readFrom),
            Usage.readFrom(in),
            Timings.readFrom(in),
            in.readStringList()
        );
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(answer);
        out.writeString(mode);
        out.writeString(model);
        out.writeOptionalString(adapter);
        out.writeOptionalWriteable(template);
        out.writeOptionalString(node);
        out.writeOptionalString(finishReason);
        out.writeBoolean(choiceScores != null);
        if (choiceScores != null) {
            out.writeList(choiceScores);
        }
        out.writeBoolean(candidates != null);
        if (candidates != null) {
            out.writeList(candidates);
        }
        out.writeList(sources);
        usage.writeTo(out);
        timings.writeTo(out);
        out.writeStringCollection(warnings);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
        b.startObject();
        b.field("answer", answer).field("mode", mode).field("model", model).field("adapter", adapter);
        if (template != null) {
            b.field("template");
            template.toXContent(b, params);
        }
        b.field("node", node);
        b.field("finish_reason", finishReason);
        if (choiceScores != null) {
            b.startArray("choice_scores");
            for (ChoiceScore c : choiceScores) {
                c.toXContent(b, params);
            }
            b.endArray();
        }
        b.startArray("sources");
        for (Source s : sources) {
            s.toXContent(b, params);
        }
        b.endArray();
        b.field("usage");
        usage.toXContent(b, params);
        b.field("timings");
        timings.toXContent(b, params);
        if (candidates != null) {
            b.startArray("candidates");
            for (Candidate c : candidates) {
                c.toXContent(b, params);
            }
            b.endArray();
        }
        if (warnings.isEmpty() == false) {
            b.array("warnings", warnings.toArray(String[]::new));
        }
        return b.endObject();
    }

    /** The response as the JSON-ready map that {@code lloco_answer} puts under {@code ext.lloco}. */
    public Map<String, Object> asMap() {
        try (XContentBuilder b = JsonXContent.contentBuilder()) {
            toXContent(b, ToXContent.EMPTY_PARAMS);
            return XContentHelper.convertToMap(BytesReference.bytes(b), true, b.contentType()).v2();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
