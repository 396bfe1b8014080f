/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import java.io.IOException;

import org.opensearch.core.common.io.stream.StreamInput;

/** Load {@code model_id} on the addressed nodes. */
public class ModelsLoadRequest extends ModelsRequest<ModelsLoadRequest> {

    /** For {@code modelId} on {@code nodes}. */
    public ModelsLoadRequest(String modelId, String... nodes) {
        super(modelId, nodes);
    }

    /** Wire constructor. */
    public ModelsLoadRequest(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected boolean modelIdOptional() {
        return false;
    }

    @Override
    public String getDescription() {
        return "load model [" + modelId() + "] on nodes " + java.util.Arrays.toString(nodesIds());
    }
}
