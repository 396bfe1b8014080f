/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import static org.opensearch.action.ValidateActions.addValidationError;

import java.io.IOException;

import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.action.support.nodes.BaseNodesRequest;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

/** A models API request: a model id (optional where the API allows) and the nodes to address. */
public abstract class ModelsRequest<R extends ModelsRequest<R>> extends BaseNodesRequest<R> {

    /** Longest model id. */
    public static final int MAX_ID_LENGTH = 255;

    private final String modelId;

    /** For {@code modelId} on these nodes (ids, names, {@code _all}, {@code _local}, role filters such as {@code lloco:true}). */
    protected ModelsRequest(String modelId, String... nodes) {
        super(nodes);
        this.modelId = modelId;
    }

    /** Wire constructor. */
    protected ModelsRequest(StreamInput in) throws IOException {
        super(in);
        this.modelId = in.readOptionalString();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeOptionalString(modelId);
    }

    /** The model id, or null for every model (where allowed). */
    public String modelId() {
        return modelId;
    }

    /** Whether a null model id is allowed. */
    protected abstract boolean modelIdOptional();

    @Override
    public ActionRequestValidationException validate() {
        return validateModelId(modelId, modelIdOptional());
    }

    /** Checks a model id: required unless {@code optional}; otherwise {@link io.lloco.common.ResourceNames#problem}. */
    static ActionRequestValidationException validateModelId(String id, boolean optional) {
        ActionRequestValidationException e = null;
        if (id == null || id.isEmpty()) {
            if (optional == false) {
                e = addValidationError("[model_id] is required", null);
            }
        } else {
            String problem = io.lloco.common.ResourceNames.problem(id);
            if (problem != null) {
                e = addValidationError("[model_id] = " + io.lloco.common.ResourceNames.quote(id) + " " + problem, null);
            }
        }
        return e;
    }
}
