/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa.search;

import java.util.List;

import io.lloco.store.StoredDocument;

/**
 * A document the retrieval search returned: where it is, its score, its stored header, and the segments that matched
 * the question best (segment granularity; empty otherwise), best first.
 */
public record RetrievedDoc(String index, String id, float score, StoredDocument.Header header, List<MatchedSegment> matched) {

    /** A matching segment: its ordinal, score and token count. */
    public record MatchedSegment(int ord, float score, int tokens) {
    }

    /** The document as messages name it: {@code [index][id]}. */
    public String ref() {
        return ref(index, id);
    }

    /** {@code [index][id]}. */
    public static String ref(String index, String id) {
        return "[" + index + "][" + id + "]";
    }
}
