/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import org.opensearch.action.ActionType;

/** Evaluates an adapter against no adapter on held-out questions. */
public class AdapterEvaluateAction extends ActionType<AdapterEvaluateResponse> {

    /** Action name (security permission). */
    public static final String NAME = "cluster:admin/lloco/adapters/evaluate";

    /** The action. */
    public static final AdapterEvaluateAction INSTANCE = new AdapterEvaluateAction();

    private AdapterEvaluateAction() {
        super(NAME, AdapterEvaluateResponse::new);
    }
}
