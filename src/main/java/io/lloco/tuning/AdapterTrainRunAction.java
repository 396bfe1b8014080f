/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.tuning;

import org.opensearch.action.ActionType;

/** The adapter training itself: a cancellable task on the {@code lloco} node that runs it, started by {@link AdapterTrainAction}; its result is stored for {@code GET _tasks/{id}}. */
public class AdapterTrainRunAction extends ActionType<AdapterTrainResponse> {

    /** Action name (security permission). */
    public static final String NAME = "cluster:admin/lloco/adapters/train/run";

    /** The action. */
    public static final AdapterTrainRunAction INSTANCE = new AdapterTrainRunAction();

    private AdapterTrainRunAction() {
        super(NAME, AdapterTrainResponse::new);
    }
}
