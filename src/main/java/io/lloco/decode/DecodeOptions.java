/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.io.IOException;
import java.util.List;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;

import io.lloco.util.Enums;

/**
 * How a question is decoded (shared by the REST body, the search processor and the decode request). {@code beams} is
 * 1 for one decoded answer (greedy or sampled), or the number of hypotheses a beam search keeps ({@code answer_beams}).
 *
 * @param template the request's template name or custom string, or null (the index's, the adapter's or the default
 *     then: {@link PromptRenderer}; the prompt is rendered on the {@code lloco} node that answers the window)
 */
public record DecodeOptions(
    String template,
    List<String> choices,
    int maxNewTokens,
    double temperature,
    double topP,
    long seed,
    List<String> stop,
    String adapter,
    Mode mode,
    ChoiceMode choiceMode,
    int beams) implements Writeable {

    /** Default max_new_tokens. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 32;
    /** Upper bound of max_new_tokens. */
    public static final int MAX_NEW_TOKENS_LIMIT = 1024;

    /** What the decoder reads. */
    public enum Mode {

        /** Stored summary embeddings as a soft prompt (default). */
        LLOCO,
        /** The uncompressed text of the same sources in the prompt (baseline). */
        FULL_CONTEXT,
        /** The question alone (baseline). */
        NO_CONTEXT;

        /** Name as written in requests. */
        public String value() {
            return Enums.value(this);
        }

        /** Parses a mode; the error names the field and lists the accepted values. */
        public static Mode parse(String s) {
            return Enums.parse(Mode.class, "mode", s);
        }
    }

    /** How a multiple-choice question (one with {@code choices}) is answered. */
    public enum ChoiceMode {

        /** The decoder writes the answer freely (LLoCO's QuALITY protocol; scored on its first letter). */
        GENERATE,
        /**
         * Each option's target "{letter}. {option}" + EOS is scored by its log-likelihood under the same context,
         * prompt and adapter; the most likely one is the answer. Deterministic, never off-format, one batched forward.
         */
        RANK,
        /**
         * Cloze scoring: the question alone is put under a short-answer (free-form) template, {@code narrativeqa}
         * unless {@code template} names another, and each option's own text + EOS is scored as its answer; the most
         * likely option is the answer ("{letter}. {option}"). The options never enter the prompt, so a small model
         * that answers short questions well but reads a long multiple-choice prompt poorly can still choose.
         */
        CLOZE;

        /** Name as written in requests. */
        public String value() {
            return Enums.value(this);
        }

        /** Parses a choice mode; the error names the field and lists the accepted values. */
        public static ChoiceMode parse(String s) {
            return Enums.parse(ChoiceMode.class, "choice_mode", s);
        }
    }

    /** Whether the question is answered by scoring its options rather than by generating. */
    public boolean ranks() {
        return choiceMode != ChoiceMode.GENERATE && choices.isEmpty() == false;
    }

    /** Reads from the wire. */
    public static DecodeOptions readFrom(StreamInput in) throws IOException {
        return new DecodeOptions(
            in.readOptionalString(),
            in.readStringList(),
            in.readVInt(),
            in.readDouble(),
            in.readDouble(),
            in.readLong(),
            in.readStringList(),
            in.readOptionalString(),
            in.readEnum(Mode.class),
            in.readEnum(ChoiceMode.class),
            in.readVInt()
        );
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeOptionalString(template);
        out.writeStringCollection(choices);
        out.writeVInt(maxNewTokens);
        out.writeDouble(temperature);
        out.writeDouble(topP);
        out.writeLong(seed);
        out.writeStringCollection(stop);
        out.writeOptionalString(adapter);
        out.writeEnum(mode);
        out.writeEnum(choiceMode);
        out.writeVInt(beams);
    }
}
