/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.adapters;

import org.opensearch.action.ActionType;

/** Lists registered adapters (or one) with the indices bound to each. */
public final class AdaptersGetAction extends ActionType<AdaptersGetResponse> {

    /** Transport action name. */
    public static final String NAME = "cluster:monitor/lloco/adapters/get";

    /** The action. */
    public static final AdaptersGetAction INSTANCE = new AdaptersGetAction();

    private AdaptersGetAction() {
        super(NAME, AdaptersGetResponse::new);
    }
}
