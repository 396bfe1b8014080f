/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import org.opensearch.action.ActionType;

import io.lloco.common.TaskStartedResponse;

/** Starts an adapter training on a {@code lloco} node and answers {@code {"task": "node:id"}} at once. */
public class AdapterTrainAction extends ActionType<TaskStartedResponse> {

    /** Action name (security permission). */
    public static final String NAME = "cluster:admin/lloco/adapters/train";

    /** The action. */
    public static final AdapterTrainAction INSTANCE = new AdapterTrainAction();

    private AdapterTrainAction() {
        super(NAME, TaskStartedResponse::new);
    }
}
