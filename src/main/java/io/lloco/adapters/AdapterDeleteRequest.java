/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import static org.opensearch.action.ValidateActions.addValidationError;

import java.io.IOException;

import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;

/** Deletes adapter {@code name}; {@code force} deletes it even while indices bind it. */
public class AdapterDeleteRequest extends ActionRequest {

    private final String name;
    private final boolean force;

    /** For {@code name}. */
    public AdapterDeleteRequest(String name, boolean force) {
        this.name = name;
        this.force = force;
    }

    /** Wire constructor. */
    public AdapterDeleteRequest(StreamInput in) throws IOException {
        super(in);
        name = in.readString();
        force = in.readBoolean();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(name);
        out.writeBoolean(force);
    }

    @Override
    public ActionRequestValidationException validate() {
        String problem = AdapterName.problem(name);
        return problem == null ? null : addValidationError("invalid adapter name [" + name + "]: " + problem, null);
    }

    /** The name. */
    public String name() {
        return name;
    }

    /** Whether to delete while bound. */
    public boolean force() {
        return force;
    }
}
