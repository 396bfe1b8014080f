/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;
import io.lloco.decode.DecodeOptions;
import io.lloco.qa.LlocoQaRequest;

/**
 * One question of a team's data: the compressed document it is about, the question, the gold answer, and optional
 * answer options ({@code choices}; the answer must be one of them).
 */
public record TrainExample(String docId, String question, String answer, List<String> choices) implements Writeable {

    /** Fields an example takes. */
    static final Set<String> FIELDS = Set.of("doc_id", "question", "answer", "choices");

    /** Reads one from the wire. */
    public static TrainExample readFrom(StreamInput in) throws IOException {
        return new TrainExample(in.readString(), in.readString(), in.readString(), in.readStringList());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(docId);
        out.writeString(question);
        out.writeString(answer);
        out.writeStringCollection(choices);
    }

    /**
     * Parses an example ({@code where} names it in messages: {@code examples[3]} or {@code [qs][_id]}); a missing or
     * empty field, an unknown one, an answer that is not one of its choices, or a question {@code _lloco_qa} would refuse
     * ({@link #checkAsQuestion}) is a 400 naming it.
     */
    public static TrainExample fromMap(Map<String, Object> m, String where, boolean strict) {
        if (strict) {
            for (String k : m.keySet()) {
                if (FIELDS.contains(k) == false) {
                    throw bad(where + " has unknown field [" + k + "]; an example takes " + new java.util.TreeSet<>(FIELDS));
                }
            }
        }
        String doc = text(m, "doc_id", where);
        String q = text(m, "question", where);
        String a = text(m, "answer", where);
        List<String> choices = new ArrayList<>();
        Object c = m.get("choices");
        if (c != null) {
            if (c instanceof List<?> l == false) {
                throw bad(where + ".choices must be a list of strings");
            }
            for (Object o : (List<?>) c) {
                if (o instanceof String == false || ((String) o).isBlank()) {
                    throw bad(where + ".choices must be a list of non-empty strings");
                }
                choices.add((String) o);
            }
            if (choices.contains(a) == false) {
                throw bad(where + ".answer [" + a + "] is not one of its choices " + choices);
            }
        }
        TrainExample example = new TrainExample(doc, q, a, List.copyOf(choices));
        example.checkAsQuestion(where);
        return example;
    }

    /**
     * An example is asked as a {@code _lloco_qa} question (when evaluated, and planned as one when trained on), so it is
     * held to that request's rules ({@link LlocoQaRequest#validate}): a question of at most
     * {@value LlocoQaRequest#MAX_QUESTION_CHARS} characters, 2 to {@value LlocoQaRequest#MAX_CHOICES} choices of at most
     * {@value LlocoQaRequest#MAX_CHOICE_CHARS} characters, a document id of at most {@value LlocoQaRequest#MAX_ID_BYTES}
     * bytes. Breaking one is a 400 naming the example ({@code where}) and the field.
     */
    void checkAsQuestion(String where) {
        ActionRequestValidationException invalid;
        try {
            invalid = QaEvaluation.question(this, "_examples", "none", null, DecodeOptions.DEFAULT_MAX_NEW_TOKENS).validate();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (invalid != null) {
            throw bad(where + " cannot be asked as a _lloco_qa question: " + String.join("; ", invalid.validationErrors()));
        }
    }

    private static String text(Map<String, Object> m, String field, String where) {
        Object v = m.get(field);
        if (v instanceof String s && s.isBlank() == false) {
            return s;
        }
        if (v instanceof Number n && field.equals("doc_id")) {
            return n.toString();
        }
        throw bad(where + " needs a non-empty [" + field + "]");
    }

    private static LlocoException bad(String message) {
        return new LlocoException(message, RestStatus.BAD_REQUEST);
    }
}
