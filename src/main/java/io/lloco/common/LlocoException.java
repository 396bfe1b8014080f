/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import org.opensearch.OpenSearchException;
import org.opensearch.core.rest.RestStatus;

/** A plugin error that carries the HTTP status the user should see; messages say what to change. */
public class LlocoException extends OpenSearchException {

    private final RestStatus status;

    /** An error with its status. */
    public LlocoException(String message, RestStatus status) {
        super(message);
        this.status = status;
    }

    /** An error with its status and cause. */
    public LlocoException(String message, RestStatus status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    @Override
    public RestStatus status() {
        return status;
    }
}
