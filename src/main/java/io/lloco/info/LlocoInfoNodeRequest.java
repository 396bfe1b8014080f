/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import java.io.IOException;

import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.transport.TransportRequest;

/** The per-node part of {@link LlocoInfoRequest}; carries nothing. */
public class LlocoInfoNodeRequest extends TransportRequest {

    /** A new request. */
    public LlocoInfoNodeRequest() {
    }

    /** Wire constructor. */
    public LlocoInfoNodeRequest(StreamInput in) throws IOException {
        super(in);
    }
}
