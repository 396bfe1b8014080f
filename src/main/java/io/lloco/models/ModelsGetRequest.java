/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;

import org.opensearch.core.common.io.stream.StreamInput;

/** The models of the addressed nodes: all, or only {@code model_id}. */
public class ModelsGetRequest extends ModelsRequest<ModelsGetRequest> {

    /** For {@code modelId} (null: every model) on {@code nodes}. */
    public ModelsGetRequest(String modelId, String... nodes) {
        super(modelId, nodes);
    }

    /** Wire constructor. */
    public ModelsGetRequest(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected boolean modelIdOptional() {
        return true;
    }
}
