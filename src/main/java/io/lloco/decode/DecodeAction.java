/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import org.opensearch.action.ActionType;

/** Internal: decodes one question (one or more reads of its sources) on the node that receives it. */
public final class DecodeAction extends ActionType<DecodeResponse> {

    /** Action name (internal: sent by the coordinating node of a question, as part of its task). */
    public static final String NAME = "cluster:internal/lloco/decode";

    /** Singleton. */
    public static final DecodeAction INSTANCE = new DecodeAction();

    private DecodeAction() {
        super(NAME, DecodeResponse::new);
    }
}
