/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import java.io.IOException;

import org.opensearch.action.support.nodes.BaseNodesRequest;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

/** Asks the given nodes ({@code _local}, {@code _all}, ids, names or role filters such as {@code lloco:true}) for their info. */
public class LlocoInfoRequest extends BaseNodesRequest<LlocoInfoRequest> {

    /** For these node ids/filters. */
    public LlocoInfoRequest(String... nodeIds) {
        super(nodeIds);
    }

    /** Wire constructor. */
    public LlocoInfoRequest(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
    }
}
