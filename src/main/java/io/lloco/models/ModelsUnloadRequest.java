/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;

import org.opensearch.core.common.io.stream.StreamInput;

/** Unload {@code model_id} on the addressed nodes. */
public class ModelsUnloadRequest extends ModelsRequest<ModelsUnloadRequest> {

    /** For {@code modelId} on {@code nodes}. */
    public ModelsUnloadRequest(String modelId, String... nodes) {
        super(modelId, nodes);
    }

    /** Wire constructor. */
    public ModelsUnloadRequest(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected boolean modelIdOptional() {
        return false;
    }
}
