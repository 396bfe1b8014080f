/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.models;

import org.opensearch.action.ActionType;

/** Unloads a model on the addressed nodes (default: every {@code lloco} node). */
public final class ModelsUnloadAction extends ActionType<ModelsResponse> {

    /** Transport action name (the node-level part is {@code NAME + "[n]"}). */
    public static final String NAME = "cluster:admin/lloco/models/unload";

    /** The action. */
    public static final ModelsUnloadAction INSTANCE = new ModelsUnloadAction();

    private ModelsUnloadAction() {
        super(NAME, ModelsResponse::new);
    }
}
