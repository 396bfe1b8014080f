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

/** Every registered adapter ({@code name} null), or one. */
public class AdaptersGetRequest extends ActionRequest {

    private final String name;

    /** For {@code name} (null: all). */
    public AdaptersGetRequest(String name) {
        this.name = name;
    }

    /** Wire constructor. */
    public AdaptersGetRequest(StreamInput in) throws IOException {
        super(in);
        name = in.readOptionalString();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeOptionalString(name);
    }

    @Override
    public ActionRequestValidationException validate() {
        String problem = name == null ? null : AdapterName.problem(name);
        return problem == null ? null : addValidationError("invalid adapter name [" + name + "]: " + problem, null);
    }

    /** The name, or null for all. */
    public String name() {
        return name;
    }
}
