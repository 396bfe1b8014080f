/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import org.opensearch.action.ActionType;

/**
 * Internal: the window a question may fill, asked of a {@code lloco} node before anything is fetched: the model's
 * facts (fingerprint, summary length, hidden size, positions) and the summary positions left after the prompt and the
 * answer ({@link DecodeService#budget}).
 */
public final class WindowAction extends ActionType<WindowResponse> {

    /** Action name. */
    public static final String NAME = "cluster:internal/lloco/window";

    /** Singleton. */
    public static final WindowAction INSTANCE = new WindowAction();

    private WindowAction() {
        super(NAME, WindowResponse::new);
    }
}
