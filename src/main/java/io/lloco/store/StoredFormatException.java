/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;

/**
 * A stored compressed document that cannot be read: a field missing, of the wrong type, out of bounds or not matching
 * the model. Names the document and the field; 400, since what must change is the stored data (re-index it through
 * the pipeline). A question skips such a document with a warning and answers from the others.
 */
public class StoredFormatException extends LlocoException {

    private final String document;
    private final String field;

    /** An error about {@code field} of {@code document} ({@code [index][id]}). */
    public StoredFormatException(String document, String field, String problem) {
        super("document " + document + ": field [" + field + "] " + problem, RestStatus.BAD_REQUEST);
        this.document = document;
        this.field = field;
    }

    /** The document, as {@code [index][id]}. */
    public String document() {
        return document;
    }

    /** The full path of the field at fault. */
    public String field() {
        return field;
    }
}
