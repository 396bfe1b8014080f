/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import org.opensearch.action.ActionType;

/** Internal: decodes one prepared question on a {@code lloco} node (sent there by {@link LlocoQaTransportAction}). */
public final class DecodeAction extends ActionType<DecodeResponse> {

    /** Transport action name. */
    public static final String NAME = "cluster:internal/lloco/decode";

    /** The action. */
    public static final DecodeAction INSTANCE = new DecodeAction();

    private DecodeAction() {
        super(NAME, DecodeResponse::new);
    }
}
