/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import org.opensearch.action.ActionType;

/** Registers an adapter (a new version when the name exists): from a directory of the node's config, or uploaded. */
public final class AdapterPutAction extends ActionType<AdapterResponse> {

    /** Transport action name. */
    public static final String NAME = "cluster:admin/lloco/adapters/put";

    /** The action. */
    public static final AdapterPutAction INSTANCE = new AdapterPutAction();

    private AdapterPutAction() {
        super(NAME, AdapterResponse::new);
    }
}
