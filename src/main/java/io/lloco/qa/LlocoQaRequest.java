/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import static org.opensearch.action.ValidateActions.addValidationError;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.action.IndicesRequest;
import org.opensearch.action.support.IndicesOptions;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.tasks.Task;

import io.lloco.common.WholeNumbers;
import io.lloco.decode.DecodeOptions;
import io.lloco.decode.DecodeTask;
import io.lloco.util.Enums;

/** {@code POST /{index}/_lloco_qa}: a question, how to select its sources, and decoding options. */
public class LlocoQaRequest extends ActionRequest implements IndicesRequest.Replaceable {

    /** Retrieval granularity. */
    public enum Granularity {

        /** Every segment of the top documents. */
        DOCUMENT,
        /** Matching segments (independent mode) or the prefix through the last matching one (accumulate mode). */
        SEGMENT;

        /** Name as written in requests. */
        public String value() {
            return Enums.value(this);
        }

        /** Parses a granularity; the error names the field and lists the accepted values. */
        public static Granularity parse(String s) {
            return Enums.parse(Granularity.class, "granularity", s);
        }
    }

    /** Default number of documents. */
    public static final int DEFAULT_SIZE = 1;
    /** Largest {@code size}. */
    public static final int MAX_SIZE = 100;
    /** Upper bound (and default) of top_segments: the inner hits read per document. */
    public static final int MAX_TOP_SEGMENTS = 100;
    /**
     * Default {@code sentence_boost}: a segment's score is its text match plus this times its best sentence's match
     * ({@code segments.sentences}, written by {@code lloco_compress} with {@code index_sentences}).
     */
    public static final double DEFAULT_SENTENCE_BOOST = 2.0;
    /** Largest {@code answer_candidates}. */
    public static final int MAX_ANSWER_CANDIDATES = 16;
    /** Largest {@code answer_beams}. */
    public static final int MAX_ANSWER_BEAMS = 8;
    /** Largest {@code sentence_boost}. */
    public static final double MAX_SENTENCE_BOOST = 100;
    /** Longest question, in characters (the retrieval query and the prompt both grow with it). */
    public static final int MAX_QUESTION_CHARS = 4096;
    /** Most options of a multiple-choice question (lettered A to Z). */
    public static final int MAX_CHOICES = 26;
    /** Longest option, in characters. */
    public static final int MAX_CHOICE_CHARS = 1024;
    /** Most stop strings. */
    public static final int MAX_STOP = 16;
    /** Longest stop string, in characters. */
    public static final int MAX_STOP_CHARS = 256;
    /** Longest document id (OpenSearch's own limit on {@code _id}, in bytes). */
    public static final int MAX_ID_BYTES = 512;
    /** Largest {@code max_summary_positions}. */
    public static final int MAX_SUMMARY_POSITIONS = 1_000_000;

    private String[] indices;
    private IndicesOptions indicesOptions = IndicesOptions.strictExpandOpenAndForbidClosed();
    private String question;
    private List<String> docIds = List.of();
    private QueryBuilder query;
    private int size = DEFAULT_SIZE;
    private Granularity granularity = Granularity.DOCUMENT;
    private Integer topSegments;
    private Integer maxSummaryPositions;
    private double sentenceBoost = DEFAULT_SENTENCE_BOOST;
    private boolean matchChoices = true;
    private int answerCandidates = 1;
    private int answerBeams = 1;
    private Integer answerCandidatesMax;
    private boolean truncate = true;
    private String targetField = "lloco";
    private String template;
    private List<String> choices = List.of();
    private int maxNewTokens = DecodeOptions.DEFAULT_MAX_NEW_TOKENS;
    private double temperature = 0;
    private double topP = 1;
    private long seed = 0;
    private List<String> stop = List.of();
    private String adapter;
    private DecodeOptions.Mode mode = DecodeOptions.Mode.LLOCO;
    private DecodeOptions.ChoiceMode choiceMode = DecodeOptions.ChoiceMode.GENERATE;

    private static final ObjectParser<LlocoQaRequest, Void> PARSER = new ObjectParser<>("lloco_qa", false, null);
    static {
        PARSER.declareString((r, v) -> r.question = v, new ParseField("question"));
        PARSER.declareStringArray((r, v) -> r.docIds = v, new ParseField("doc_ids"));
        PARSER.declareObject((r, v) -> r.query = v, (p, c) -> AbstractQueryBuilder.parseInnerQueryBuilder(p), new ParseField("query"));
        PARSER.declareField((r, v) -> r.size = v, WholeNumbers::parseInt, new ParseField("size"), ObjectParser.ValueType.INT);
        PARSER.declareString((r, v) -> r.granularity = Granularity.parse(v), new ParseField("granularity"));
        PARSER.declareField(
            (r, v) -> r.topSegments = v,
            WholeNumbers::parseInt,
            new ParseField("top_segments"),
            ObjectParser.ValueType.INT
        );
        PARSER.declareField(
            (r, v) -> r.maxSummaryPositions = v,
            WholeNumbers::parseInt,
            new ParseField("max_summary_positions"),
            ObjectParser.ValueType.INT
        );
        PARSER.declareDouble((r, v) -> r.sentenceBoost = v, new ParseField("sentence_boost"));
        PARSER.declareBoolean((r, v) -> r.matchChoices = v, new ParseField("match_choices"));
        PARSER.declareField(
            (r, v) -> r.answerCandidates = v,
            WholeNumbers::parseInt,
            new ParseField("answer_candidates"),
            ObjectParser.ValueType.INT
        );
        PARSER.declareField(
            (r, v) -> r.answerBeams = v,
            WholeNumbers::parseInt,
            new ParseField("answer_beams"),
            ObjectParser.ValueType.INT
        );
        PARSER.declareField(
            (r, v) -> r.answerCandidatesMax = v,
            WholeNumbers::parseInt,
            new ParseField("answer_candidates_max"),
            ObjectParser.ValueType.INT
        );
        PARSER.declareBoolean((r, v) -> r.truncate = v, new ParseField("truncate"));
        PARSER.declareString((r, v) -> r.targetField = v, new ParseField("target_field"));
        PARSER.declareString((r, v) -> r.template = v, new ParseField("template"));
        PARSER.declareStringArray((r, v) -> r.choices = v, new ParseField("choices"));
        PARSER.declareField(
            (r, v) -> r.maxNewTokens = v,
            WholeNumbers::parseInt,
            new ParseField("max_new_tokens"),
            ObjectParser.ValueType.INT
        );
        PARSER.declareDouble((r, v) -> r.temperature = v, new ParseField("temperature"));
        PARSER.declareDouble((r, v) -> r.topP = v, new ParseField("top_p"));
        PARSER.declareField((r, v) -> r.seed = v, WholeNumbers::parseLong, new ParseField("seed"), ObjectParser.ValueType.LONG);
        PARSER.declareStringArray((r, v) -> r.stop = v, new ParseField("stop"));
        PARSER.declareString((r, v) -> r.adapter = v, new ParseField("adapter"));
        PARSER.declareString((r, v) -> r.mode = DecodeOptions.Mode.parse(v), new ParseField("mode"));
        PARSER.declareString((r, v) -> r.choiceMode = DecodeOptions.ChoiceMode.parse(v), new ParseField("choice_mode"));
    }

    /** An empty request for {@code indices}. */
    public LlocoQaRequest(String... indices) {
        this.indices = indices;
    }

    /** Fields of {@code ext.lloco} in a search: everything but what the {@code lloco_answer} processor decides. */
    public static final java.util.Set<String> EXT_FIELDS = java.util.Set.of(
        "question",
        "template",
        "choices",
        "choice_mode",
        "granularity",
        "top_segments",
        "max_summary_positions",
        "truncate",
        "sentence_boost",
        "match_choices",
        "answer_candidates",
        "answer_candidates_max",
        "answer_beams",
        "max_new_tokens",
        "temperature",
        "top_p",
        "seed",
        "stop",
        "adapter",
        "mode"
    );

    /**
     * A request from the {@code ext.lloco} object of a search, parsed as strictly as a {@code _lloco_qa} body: an
     * unknown field, or one the processor decides ({@code doc_ids}, {@code query}, {@code size}, {@code target_field}),
     * is a 400 naming it.
     */
    public static LlocoQaRequest fromExt(Map<String, Object> ext, String... indices) throws IOException {
        for (String key : ext.keySet()) {
            if (EXT_FIELDS.contains(key) == false) {
                throw new IllegalArgumentException(
                    "[ext.lloco] does not take [" + key + "]; it takes " + new java.util.TreeSet<>(EXT_FIELDS)
                        + " (documents, size and target_field come from the search and the lloco_answer processor)"
                );
            }
        }
        try (
            XContentParser p = org.opensearch.common.xcontent.json.JsonXContent.jsonXContent.createParser(
                org.opensearch.core.xcontent.NamedXContentRegistry.EMPTY,
                org.opensearch.core.xcontent.DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                org.opensearch.core.common.bytes.BytesReference.bytes(
                    org.opensearch.common.xcontent.json.JsonXContent.contentBuilder().map(ext)
                ).streamInput()
            )) {
            return parse(p, indices);
        } catch (org.opensearch.core.xcontent.XContentParseException e) {
            throw new IllegalArgumentException("[ext.lloco] " + org.opensearch.ExceptionsHelper.detailedMessage(e), e);
        }
    }

    /** A request holding a {@code lloco_answer} processor's fields, to check them by the rules of a body. */
    public static LlocoQaRequest forPipelineCheck(String targetField, String template, String adapter) {
        LlocoQaRequest r = new LlocoQaRequest("_pipeline_check");
        r.question = "?";
        r.targetField = targetField;
        r.template = template;
        r.adapter = adapter;
        return r;
    }

    /** Parses a body strictly: unknown fields fail with 400 naming them. */
    public static LlocoQaRequest parse(XContentParser parser, String... indices) throws IOException {
        LlocoQaRequest r = new LlocoQaRequest(indices);
        PARSER.parse(parser, r, null);
        return r;
    }

    /** Wire constructor. */
    public LlocoQaRequest(StreamInput in) throws IOException {
        super(in);
        indices = in.readStringArray();
        indicesOptions = IndicesOptions.readIndicesOptions(in);
        question = in.readOptionalString();
        docIds = in.readStringList();
        query = in.readOptionalNamedWriteable(QueryBuilder.class);
        size = in.readVInt();
        granularity = in.readEnum(Granularity.class);
        topSegments = in.readOptionalVInt();
        maxSummaryPositions = in.readOptionalVInt();
        sentenceBoost = in.readDouble();
        matchChoices = in.readBoolean();
        answerCandidates = in.readVInt();
        answerCandidatesMax = in.readOptionalVInt();
        truncate = in.readBoolean();
        targetField = in.readString();
        DecodeOptions o = DecodeOptions.readFrom(in);
        template = o.template();
        choices = o.choices();
        maxNewTokens = o.maxNewTokens();
        temperature = o.temperature();
        topP = o.topP();
        seed = o.seed();
        stop = o.stop();
        adapter = o.adapter();
        mode = o.mode();
        choiceMode = o.choiceMode();
        answerBeams = o.beams();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeStringArray(indices);
        indicesOptions.writeIndicesOptions(out);
        out.writeOptionalString(question);
        out.writeStringCollection(docIds);
        out.writeOptionalNamedWriteable(query);
        out.writeVInt(size);
        out.writeEnum(granularity);
        out.writeOptionalVInt(topSegments);
        out.writeOptionalVInt(maxSummaryPositions);
        out.writeDouble(sentenceBoost);
        out.writeBoolean(matchChoices);
        out.writeVInt(answerCandidates);
        out.writeOptionalVInt(answerCandidatesMax);
        out.writeBoolean(truncate);
        out.writeString(targetField);
        options().writeTo(out);
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        if (question == null || question.isBlank()) {
            e = addValidationError("Field [question] is required and must not be empty", e);
        } else if (question.length() > MAX_QUESTION_CHARS) {
            e = addValidationError(
                "Field [question] has " + question.length() + " characters, over the limit of " + MAX_QUESTION_CHARS
                    + "; put long context into the index, not the question",
                e
            );
        }
        if (indices == null || indices.length == 0) {
            e = addValidationError("an index is required: POST /{index}/_lloco_qa", e);
        }
        if (size < 1 || size > MAX_SIZE) {
            e = addValidationError("Field [size] must be between 1 and " + MAX_SIZE + ", got [" + size + "]", e);
        }
        if (docIds.isEmpty() == false && query != null) {
            e = addValidationError("Fields [doc_ids] and [query] are mutually exclusive", e);
        }
        if (docIds.size() > MAX_SIZE) {
            e = addValidationError("Field [doc_ids] lists " + docIds.size() + " ids, at most " + MAX_SIZE + " are read", e);
        }
        for (String id : docIds) {
            if (id == null || id.isEmpty() || id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
                e = addValidationError("Field [doc_ids] holds an empty id or one over " + MAX_ID_BYTES + " bytes", e);
                break;
            }
        }
        if (maxNewTokens < 1 || maxNewTokens > DecodeOptions.MAX_NEW_TOKENS_LIMIT) {
            e = addValidationError(
                "Field [max_new_tokens] must be between 1 and " + DecodeOptions.MAX_NEW_TOKENS_LIMIT + ", got [" + maxNewTokens + "]",
                e
            );
        }
        if ((temperature >= 0 && temperature <= 10) == false) {
            e = addValidationError("Field [temperature] must be between 0 and 10, got [" + temperature + "]", e);
        }
        if ((topP > 0 && topP <= 1) == false) {
            e = addValidationError("Field [top_p] must be in (0, 1], got [" + topP + "]", e);
        }
        if (topSegments != null && (topSegments < 1 || topSegments > MAX_TOP_SEGMENTS)) {
            e = addValidationError("Field [top_segments] must be between 1 and " + MAX_TOP_SEGMENTS + ", got [" + topSegments + "]", e);
        }
        if (topSegments != null && granularity != Granularity.SEGMENT) {
            e = addValidationError("Field [top_segments] needs [granularity] [segment]; with [document] every segment is used", e);
        }
        if ((sentenceBoost >= 0 && sentenceBoost <= MAX_SENTENCE_BOOST) == false) {
            e = addValidationError(
                "Field [sentence_boost] must be between 0 and " + (int) MAX_SENTENCE_BOOST + " (0 turns sentence matching off), got ["
                    + sentenceBoost
                    + "]",
                e
            );
        }
        if (answerCandidates < 1 || answerCandidates > MAX_ANSWER_CANDIDATES) {
            e = addValidationError(
                "Field [answer_candidates] must be between 1 and " + MAX_ANSWER_CANDIDATES + ", got [" + answerCandidates + "]",
                e
            );
        } else if (answerCandidates > 1 && granularity != Granularity.SEGMENT) {
            e = addValidationError("Field [answer_candidates] needs [granularity] [segment]: the candidates are single segments", e);
        } else if (answerCandidates > 1 && choices.isEmpty() == false) {
            e = addValidationError(
                "Field [answer_candidates] applies to free-form questions; with [choices] use [match_choices] and [choice_mode] [cloze]",
                e
            );
        }
        if (answerCandidatesMax != null) {
            if (answerCandidatesMax < answerCandidates || answerCandidatesMax > MAX_ANSWER_CANDIDATES) {
                e = addValidationError(
                    "Field [answer_candidates_max] must be between [answer_candidates] (" + answerCandidates + ") and "
                        + MAX_ANSWER_CANDIDATES + ", got [" + answerCandidatesMax + "]",
                    e
                );
            } else if (answerCandidatesMax > 1 && granularity != Granularity.SEGMENT) {
                e = addValidationError(
                    "Field [answer_candidates_max] needs [granularity] [segment]: the candidates are single segments",
                    e
                );
            } else if (answerCandidatesMax > 1 && choices.isEmpty() == false) {
                e = addValidationError("Field [answer_candidates_max] applies to free-form questions", e);
            }
        }
        if (answerBeams < 1 || answerBeams > MAX_ANSWER_BEAMS) {
            e = addValidationError("Field [answer_beams] must be between 1 and " + MAX_ANSWER_BEAMS + ", got [" + answerBeams + "]", e);
        } else if (answerBeams > 1 && granularity != Granularity.SEGMENT) {
            e = addValidationError(
                "Field [answer_beams] needs [granularity] [segment]: each hypothesis is checked against the sentences of the segment it was read from",
                e
            );
        } else if (answerBeams > 1 && choices.isEmpty() == false) {
            e = addValidationError(
                "Field [answer_beams] applies to free-form questions; with [choices] use [choice_mode] [cloze] or [rank]",
                e
            );
        } else if (answerBeams > 1 && temperature > 0) {
            e = addValidationError(
                "Field [answer_beams] searches deterministically; set [temperature] to 0 (got [" + temperature + "])",
                e
            );
        } else if (answerBeams > 1 && mode != DecodeOptions.Mode.LLOCO) {
            e = addValidationError(
                "Field [answer_beams] applies to [mode] [lloco] (the compressed read it verifies), got [" + mode.value() + "]",
                e
            );
        }
        if (maxSummaryPositions != null && (maxSummaryPositions < 1 || maxSummaryPositions > MAX_SUMMARY_POSITIONS)) {
            e = addValidationError(
                "Field [max_summary_positions] must be between 1 and " + MAX_SUMMARY_POSITIONS + ", got [" + maxSummaryPositions + "]",
                e
            );
        }
        if (choices.size() == 1 || choices.size() > MAX_CHOICES) {
            e = addValidationError(
                "Field [choices] must hold between 2 and " + MAX_CHOICES + " options (lettered A to Z), got " + choices.size(),
                e
            );
        }
        for (String c : choices) {
            if (c == null || c.isBlank() || c.length() > MAX_CHOICE_CHARS) {
                e = addValidationError("Field [choices] holds an empty option or one over " + MAX_CHOICE_CHARS + " characters", e);
                break;
            }
        }
        if (stop.size() > MAX_STOP) {
            e = addValidationError("Field [stop] holds " + stop.size() + " strings, at most " + MAX_STOP, e);
        }
        if (choiceMode != DecodeOptions.ChoiceMode.GENERATE && choices.isEmpty()) {
            e = addValidationError(
                "Field [choice_mode] is [" + choiceMode.value() + "] but [choices] is empty: ranking needs the options to rank",
                e
            );
        }
        for (String s : stop) {
            if (s == null || s.isEmpty() || s.length() > MAX_STOP_CHARS) {
                e = addValidationError("Field [stop] must not contain empty strings or strings over " + MAX_STOP_CHARS + " characters", e);
                break;
            }
        }
        if (adapter != null) {
            String problem = io.lloco.common.ResourceNames.problem(adapter);
            if (problem != null) {
                e = addValidationError(
                    "Field [adapter] " + io.lloco.common.ResourceNames.quote(adapter) + " is not an adapter name: " + problem,
                    e
                );
            }
        }
        if (targetField == null || targetField.isBlank() || targetField.startsWith("_") || targetField.contains("._")
            || targetField.startsWith(".") || targetField.endsWith(".") || targetField.contains("..") || targetField.length() > 255
            || targetField.chars().anyMatch(Character::isISOControl)) {
            e = addValidationError(
                "Field [target_field] must name the field the lloco_compress processor wrote (an ordinary field path, not a metadata field), got "
                    + io.lloco.common.ResourceNames.quote(targetField),
                e
            );
        }
        return e;
    }

    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        String q = question == null ? "" : question.length() > 200 ? question.substring(0, 200) + "..." : question;
        return new DecodeTask(id, type, action, "lloco_qa question[" + q + "]", parentTaskId, headers);
    }

    /** Decoding options. */
    public DecodeOptions options() {
        return new DecodeOptions(
            template, new ArrayList<>(choices), maxNewTokens, temperature, topP, seed, new ArrayList<>(stop), adapter, mode,
            choiceMode, answerBeams
        );
    }

    @Override
    public String[] indices() {
        return indices;
    }

    @Override
    public LlocoQaRequest indices(String... indices) {
        this.indices = indices;
        return this;
    }

    @Override
    public IndicesOptions indicesOptions() {
        return indicesOptions;
    }

    /** The question. */
    public String question() {
        return question;
    }

    /** Sets the question. */
    public LlocoQaRequest question(String q) {
        this.question = q;
        return this;
    }

    /** Explicit document ids (empty: use the query). */
    public List<String> docIds() {
        return docIds;
    }

    /** Sets explicit document ids. */
    public LlocoQaRequest docIds(List<String> ids) {
        this.docIds = ids;
        return this;
    }

    /** The user's query, or null for the default match of the question over the segment text. */
    public QueryBuilder query() {
        return query;
    }

    /** Top documents. */
    public int size() {
        return size;
    }

    /** Sets top documents. */
    public LlocoQaRequest size(int s) {
        this.size = s;
        return this;
    }

    /** Best-matching segments kept per document with {@code granularity: segment}. */
    public int topSegments() {
        return topSegments == null ? MAX_TOP_SEGMENTS : topSegments;
    }

    /** Sets granularity and the segments kept per document (null: every matched segment, up to 100). */
    public LlocoQaRequest granularity(Granularity g, Integer top) {
        this.granularity = g;
        this.topSegments = top;
        return this;
    }

    /** Retrieval granularity. */
    public Granularity granularity() {
        return granularity;
    }

    /** Summary-position budget, or null for the default (window - prompt - max_new_tokens). */
    public Integer maxSummaryPositions() {
        return maxSummaryPositions;
    }

    /**
     * Whether segments that do not fit the window are dropped (counted in {@code usage.truncated_segments}, with a
     * warning) rather than failing the question with a 400 ({@code "truncate": false}).
     */
    public boolean truncate() {
        return truncate;
    }

    /** Sets {@code truncate}. */
    public LlocoQaRequest truncate(boolean t) {
        this.truncate = t;
        return this;
    }

    /** Weight of a segment's best-matching sentence in its score (0: the segment text alone). */
    public double sentenceBoost() {
        return sentenceBoost;
    }

    /**
     * The text matched against the segments: the question, followed by the options' text when there are
     * {@code choices} and {@code match_choices} is on (the segment stating the right option then matches it as well as
     * the question).
     */
    public String matchText() {
        return matchChoices && choices.isEmpty() == false ? question + " " + String.join(" ", choices) : question;
    }

    /**
     * Most segments read for candidate answers: while no answer read is confirmed by its segment (stated in a sentence holding all the
     * question's names), the next
     * {@code answer_candidates} are read, up to this many ({@code answer_candidates} when not set).
     */
    public int answerCandidatesMax() {
        return answerCandidatesMax == null ? answerCandidates : answerCandidatesMax;
    }

    /** Sets {@code answer_candidates_max}. */
    public LlocoQaRequest answerCandidatesMax(Integer m) {
        this.answerCandidatesMax = m;
        return this;
    }

    /** Hypotheses a beam search keeps per segment read, each checked against that segment's sentences (1: one answer). */
    public int answerBeams() {
        return answerBeams;
    }

    /** Sets {@code answer_beams}. */
    public LlocoQaRequest answerBeams(int b) {
        this.answerBeams = b;
        return this;
    }

    /** How many best-matching segments are each read alone for a candidate answer (1: the usual single read). */
    public int answerCandidates() {
        return answerCandidates;
    }

    /** Sets how many segments are read alone for candidate answers. */
    public LlocoQaRequest answerCandidates(int k) {
        this.answerCandidates = k;
        return this;
    }

    /** Whether the options' text is matched against the segments beside the question. */
    public boolean matchChoices() {
        return matchChoices;
    }

    /** Sets whether the options' text is matched beside the question. */
    public LlocoQaRequest matchChoices(boolean b) {
        this.matchChoices = b;
        return this;
    }

    /** Sets the weight of the best-matching sentence. */
    public LlocoQaRequest sentenceBoost(double b) {
        this.sentenceBoost = b;
        return this;
    }

    /** The field under which documents keep their compressed form. */
    public String targetField() {
        return targetField;
    }

    /** Sets the field holding the compressed form. */
    public LlocoQaRequest targetField(String f) {
        this.targetField = f;
        return this;
    }

    /** Sets how multiple-choice questions are answered. */
    public LlocoQaRequest choiceMode(DecodeOptions.ChoiceMode m) {
        this.choiceMode = m;
        return this;
    }

    /** Sets the decoding mode. */
    public LlocoQaRequest mode(DecodeOptions.Mode m) {
        this.mode = m;
        return this;
    }

    /** Sets template and choices. */
    public LlocoQaRequest template(String t, List<String> options) {
        this.template = t;
        this.choices = options == null ? List.of() : options;
        return this;
    }

    /** Sets the adapter override ({@code none} disables). */
    public LlocoQaRequest adapter(String a) {
        this.adapter = a;
        return this;
    }

    /** Sets max_new_tokens. */
    public LlocoQaRequest maxNewTokens(int n) {
        this.maxNewTokens = n;
        return this;
    }
}
