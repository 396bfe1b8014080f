/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.info;

import org.opensearch.action.ActionType;

/** Describes the plugin on each node: versions, engine, devices, roles, loaded models and adapters. */
public final class LlocoInfoAction extends ActionType<LlocoInfoResponse> {

    /** Transport action name. */
    public static final String NAME = "cluster:monitor/lloco/info";

    /** The action. */
    public static final LlocoInfoAction INSTANCE = new LlocoInfoAction();

    private LlocoInfoAction() {
        super(NAME, LlocoInfoResponse::new);
    }
}
