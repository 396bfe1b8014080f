/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.pipeline;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.search.SearchExtBuilder;

import io.lloco.qa.LlocoQaRequest;

/**
 * {@code ext.lloco} of a search: in the request, the question and options for the {@code lloco_answer} response
 * processor, checked as strictly as a {@code _lloco_qa} body when the search is parsed (unknown field: 400); in the
 * response, the answer with its sources and usage.
 */
public final class LlocoSearchExt extends SearchExtBuilder {

    /** Name under {@code ext}. */
    public static final String NAME = "lloco";

    private final Map<String, Object> values;

    /** An ext with these values. */
    public LlocoSearchExt(Map<String, Object> values) {
        this.values = values;
    }

    /** Wire constructor. */
    public LlocoSearchExt(StreamInput in) throws IOException {
        this.values = in.readMap();
    }

    /** Parses and checks {@code ext.lloco} of a search request. */
    public static LlocoSearchExt parse(XContentParser parser) throws IOException {
        Map<String, Object> values = new LinkedHashMap<>(parser.map());
        LlocoQaRequest.fromExt(values); // strict: the same fields and bounds of types as a _lloco_qa body
        return new LlocoSearchExt(values);
    }

    /** The values. */
    public Map<String, Object> values() {
        return values;
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeMap(values);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.field(NAME, values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LlocoSearchExt other && other.values.equals(values);
    }
}
