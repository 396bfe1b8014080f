/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import org.opensearch.action.ActionType;

/** Loads a model on the addressed nodes (default: every {@code lloco} node), as a task with progress. */
public final class ModelsLoadAction extends ActionType<ModelsResponse> {

    /** Transport action name (the node-level part is {@code NAME + "[n]"}). */
    public static final String NAME = "cluster:admin/lloco/models/load";

    /** The action. */
    public static final ModelsLoadAction INSTANCE = new ModelsLoadAction();

    private ModelsLoadAction() {
        super(NAME, ModelsResponse::new);
    }
}
