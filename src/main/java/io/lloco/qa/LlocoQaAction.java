/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import org.opensearch.action.ActionType;

/**
 * Answers a question over an index's compressed documents. An index-level read action: the security plugin checks
 * it against the target indices, and retrieval runs as the calling user (document-level security applies).
 */
public final class LlocoQaAction extends ActionType<LlocoQaResponse> {

    /** Transport action name. */
    public static final String NAME = "indices:data/read/lloco/qa";

    /** The action. */
    public static final LlocoQaAction INSTANCE = new LlocoQaAction();

    private LlocoQaAction() {
        super(NAME, LlocoQaResponse::new);
    }
}
