/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import org.opensearch.action.ActionType;

/** Lists the models each addressed node has loaded (or is loading, or failed to load), with its memory budget. */
public final class ModelsGetAction extends ActionType<ModelsResponse> {

    /** Transport action name (the node-level part is {@code NAME + "[n]"}). */
    public static final String NAME = "cluster:monitor/lloco/models/get";

    /** The action. */
    public static final ModelsGetAction INSTANCE = new ModelsGetAction();

    private ModelsGetAction() {
        super(NAME, ModelsResponse::new);
    }
}
