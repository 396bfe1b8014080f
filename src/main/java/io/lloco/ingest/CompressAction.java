/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import org.opensearch.action.ActionType;

/** Internal transport action that compresses a batch of documents where the model runs (a {@code lloco} node). */
public final class CompressAction extends ActionType<CompressResponse> {

    /** Action name. */
    public static final String NAME = "cluster:internal/lloco/compress";

    /** The single instance. */
    public static final CompressAction INSTANCE = new CompressAction();

    private CompressAction() {
        super(NAME, CompressResponse::new);
    }
}
