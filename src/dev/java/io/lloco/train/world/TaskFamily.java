/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.Locale;

/** The three question families, mirroring the paper's datasets. */
public enum TaskFamily {

    /** Short free-form answers (NarrativeQA / Qasper-like); prompt template {@code lookup}. */
    LOOKUP,
    /** Four options A-D, one correct (QuALITY-like); target "{letter}. {option}"; prompt template {@code choice}. */
    CHOICE,
    /** A planted sentence at a chosen depth (needle in a haystack); prompt template {@code needle}. */
    NEEDLE;

    /** The name of the prompt template in {@code io.lloco.runtime.prompt.PromptTemplates} for this family. */
    public String templateName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "lookup", "choice" or "needle" (case-insensitive). */
    public static TaskFamily parse(String name) {
        for (TaskFamily f : values()) {
            if (f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "unknown task family [%s]; use one of lookup, choice, needle", name)
        );
    }
}
