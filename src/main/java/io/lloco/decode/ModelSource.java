/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import org.opensearch.core.action.ActionListener;

/**
 * Hands out loaded models without blocking the caller: a model already loaded is handed out at once; one that is not
 * is loaded elsewhere (one load per model however many callers wait) and handed out when ready, or its load error
 * passed on.
 */
@FunctionalInterface
public interface ModelSource {

    /** Completes {@code listener} with model {@code id} once it is loaded, or with why it cannot be. */
    void acquire(String id, ActionListener<DecodeModel> listener);

    /**
     * {@link #acquire(String, ActionListener)}, with adapter {@code adapter} (a name, the model-default marker, or null)
     * made ready on this node first: a registry adapter's files fetched if this node lacks its current version.
     */
    default void acquire(String id, String adapter, ActionListener<DecodeModel> listener) {
        acquire(id, listener);
    }
}
