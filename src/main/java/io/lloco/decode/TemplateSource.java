/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import io.lloco.util.Enums;

/**
 * Where the prompt template of a question came from, highest precedence first: the request's {@code template} (or the
 * {@code lloco_answer} processor's), the adapter's (its {@code lloco.json}, or a registry adapter's stored template: an
 * adapter is asked with the template it was trained with), the target indices' {@code index.lloco.template}, else the
 * default of the question's kind ({@code narrativeqa} free-form and cloze, {@code quality} multiple choice).
 */
public enum TemplateSource {

    /** The request's {@code template} (or the {@code lloco_answer} processor's). */
    REQUEST,
    /** The target indices' {@code index.lloco.template} (below the adapter's: declaration order is the wire format). */
    INDEX,
    /** The {@code template} the adapter declares in its {@code lloco.json} (a registry adapter: its stored template). */
    ADAPTER,
    /** The default of the question's kind. */
    DEFAULT;

    /** Name as reported in responses. */
    public String value() {
        return Enums.value(this);
    }

    /** Parses a source; the error lists the accepted values. */
    public static TemplateSource parse(String s) {
        return Enums.parse(TemplateSource.class, "template.source", s);
    }
}
