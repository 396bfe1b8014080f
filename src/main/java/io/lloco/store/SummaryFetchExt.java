/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import java.io.IOException;
import java.util.Objects;

import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ConstructingObjectParser;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.search.SearchExtBuilder;

/**
 * {@code ext.lloco_summaries} of a search: turns on {@link SummaryFetchSubPhase} for the nested hits of
 * {@code path}, which then carry the raw bytes of their {@code field} doc values. Built by {@code _lloco_qa}; a user
 * may send it too (it reveals nothing the caller cannot read with {@code docvalue_fields}).
 */
public final class SummaryFetchExt extends SearchExtBuilder {

    /** Name under {@code ext}. */
    public static final String NAME = "lloco_summaries";

    /** The hit field that carries the bytes. */
    public static final String HIT_FIELD = "_lloco_summaries";

    private static final ConstructingObjectParser<SummaryFetchExt, Void> PARSER = new ConstructingObjectParser<>(
        NAME,
        false,
        a -> new SummaryFetchExt((String) a[0], (String) a[1])
    );
    static {
        PARSER.declareString(ConstructingObjectParser.constructorArg(), new ParseField("path"));
        PARSER.declareString(ConstructingObjectParser.constructorArg(), new ParseField("field"));
    }

    private final String path;
    private final String field;

    /**
     * @param path the nested path whose hits get the bytes ({@code lloco.segments})
     * @param field the binary doc-values field ({@code lloco.segments.summaries})
     */
    public SummaryFetchExt(String path, String field) {
        this.path = Objects.requireNonNull(path);
        this.field = Objects.requireNonNull(field);
    }

    /** Wire constructor. */
    public SummaryFetchExt(StreamInput in) throws IOException {
        this.path = in.readString();
        this.field = in.readString();
    }

    /** Parses {@code ext.lloco_summaries} strictly. */
    public static SummaryFetchExt parse(XContentParser parser) throws IOException {
        return PARSER.parse(parser, null);
    }

    /** The nested path. */
    public String path() {
        return path;
    }

    /** The binary doc-values field. */
    public String field() {
        return field;
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(path);
        out.writeString(field);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.startObject(NAME).field("path", path).field("field", field).endObject();
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, field);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SummaryFetchExt other && other.path.equals(path) && other.field.equals(field);
    }
}
