/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;

/**
 * Decoding options of a question (shared by the REST body, the search processor and the decode request). {@code beams}
 * is 1 for one decoded answer (greedy or sampled), or the number of hypotheses a beam search keeps
 * ({@code answer_beams}).
 */
public record QaOptions(
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
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a mode; the error lists the accepted values. */
        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.value().equals(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("[mode] must be one of [lloco, full_context, no_context], got [" + s + "]");
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
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a choice mode; the error lists the accepted values. */
        public static ChoiceMode parse(String s) {
            for (ChoiceMode m : values()) {
                if (m.value().equals(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("[choice_mode] must be one of [generate, rank, cloze], got [" + s + "]");
        }
    }

    /** Reads from the wire. */
    public static QaOptions readFrom(StreamInput in) throws IOException {
        return new QaOptions(
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
