/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import org.opensearch.action.ActionType;

/** Deletes a registered adapter (409 while an index binds it, unless {@code force}). */
public final class AdapterDeleteAction extends ActionType<AdapterResponse> {

    /** Transport action name. */
    public static final String NAME = "cluster:admin/lloco/adapters/delete";

    /** The action. */
    public static final AdapterDeleteAction INSTANCE = new AdapterDeleteAction();

    private AdapterDeleteAction() {
        super(NAME, AdapterResponse::new);
    }
}
