/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import static org.opensearch.action.ValidateActions.addValidationError;

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
import io.lloco.common.WholeNumbers;

/**
 * What {@code _train} and {@code _evaluate} both ask questions over, parsed, sent and validated in one place:
 * {@code source_index} (documents compressed by {@code lloco_compress}), {@code examples} (an index of
 * {@code {doc_id, question, answer, choices?}} documents, or such objects inline), optional {@code template} and
 * {@code max_new_tokens} (the budget the questions use; 32).
 */
final class QaExamples implements Writeable {

    /** The body fields read here. */
    static final Set<String> FIELDS = Set.of("source_index", "examples", "template", "max_new_tokens");

    final String sourceIndex;
    final String examplesIndex;
    final List<TrainExample> examples;
    final String template;
    final int maxNewTokens;

    QaExamples(String sourceIndex, String examplesIndex, List<TrainExample> examples, String template, int maxNewTokens) {
        this.sourceIndex = sourceIndex;
        this.examplesIndex = examplesIndex;
        this.examples = List.copyOf(examples);
        this.template = template;
        this.maxNewTokens = maxNewTokens;
    }

    /** Reads the fields of {@link #FIELDS} from a request body (other fields are the caller's to check). */
    @SuppressWarnings("unchecked")
    static QaExamples parse(Map<String, Object> m) {
        String examplesIndex = null;
        List<TrainExample> inline = List.of();
        Object ex = m.get("examples");
        if (ex instanceof String s) {
            examplesIndex = s;
        } else if (ex instanceof List<?> l) {
            List<TrainExample> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                if (l.get(i) instanceof Map<?, ?> == false) {
                    throw bad("[examples][" + i + "] must be an object {doc_id, question, answer, choices?}");
                }
                out.add(TrainExample.fromMap((Map<String, Object>) l.get(i), "[examples][" + i + "]", true));
            }
            inline = out;
        } else if (ex != null) {
            throw bad("[examples] must be an index name or a list of {doc_id, question, answer, choices?} objects");
        }
        return new QaExamples(str(m, "source_index"), examplesIndex, inline, str(m, "template"), integer(m, "max_new_tokens", 32));
    }

    QaExamples(StreamInput in) throws IOException {
        this(in.readOptionalString(), in.readOptionalString(), in.readList(TrainExample::readFrom), in.readOptionalString(), in.readVInt());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeOptionalString(sourceIndex);
        out.writeOptionalString(examplesIndex);
        out.writeList(examples);
        out.writeOptionalString(template);
        out.writeVInt(maxNewTokens);
    }

    /** Adds this part's validation errors to {@code e}. */
    ActionRequestValidationException validate(ActionRequestValidationException e) {
        if (sourceIndex == null || sourceIndex.isBlank()) {
            e = addValidationError("[source_index] must name the index of documents compressed by lloco_compress", e);
        }
        if (examplesIndex == null && examples.isEmpty()) {
            e = addValidationError("[examples] must name an index of {doc_id, question, answer} documents or list them", e);
        }
        if (maxNewTokens < 1 || maxNewTokens > 1024) {
            e = addValidationError("[max_new_tokens] must be between 1 and 1024, got [" + maxNewTokens + "]", e);
        }
        return e;
    }

    /** Where the examples come from, for task descriptions. */
    String describeExamples() {
        return examplesIndex != null ? "[" + examplesIndex + "]" : examples.size() + " inline examples";
    }

    /** The string field {@code k} of a body, or null. */
    static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw bad("[" + k + "] must be a string");
    }

    /** The number field {@code k} of a body, or {@code def} (integer fields: {@link #integer}). */
    static double num(Map<String, Object> m, String k, double def) {
        Object v = m.get(k);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw bad("[" + k + "] must be a number");
    }

    /**
     * The integer field {@code k} of a body, or {@code def}: a fractional part ({@code 8.5}), a value beyond an int or
     * a value that is not a number is a 400 naming the field, never truncated.
     */
    static int integer(Map<String, Object> m, String k, int def) {
        Object v = m.get(k);
        if (v == null) {
            return def;
        }
        try {
            return WholeNumbers.intValue(k, v);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    /** {@link #integer} for a long field. */
    static long longInteger(Map<String, Object> m, String k, long def) {
        Object v = m.get(k);
        if (v == null) {
            return def;
        }
        try {
            return WholeNumbers.longValue(k, v);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    /** A 400 with {@code message}. */
    static LlocoException bad(String message) {
        return new LlocoException(message, RestStatus.BAD_REQUEST);
    }
}
