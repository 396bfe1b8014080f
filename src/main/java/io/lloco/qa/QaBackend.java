/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.qa;

import org.opensearch.action.search.MultiSearchRequest;
import org.opensearch.action.search.MultiSearchResponse;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.core.action.ActionListener;

import io.lloco.decode.DecodeRequest;
import io.lloco.decode.DecodeResponse;
import io.lloco.decode.WindowRequest;
import io.lloco.decode.WindowResponse;

/**
 * What answering a question needs from the node, as the calling user and as a child of the question's task: searches,
 * a {@code lloco} node's window and decoder, a place to run heavy steps off the network threads, and memory
 * accounting. {@link LlocoQaTransportAction} implements it over the node; tests over fakes.
 */
public interface QaBackend {

    /** Runs a search. */
    void search(SearchRequest request, ActionListener<SearchResponse> listener);

    /** Runs a multi-search. */
    void multiSearch(MultiSearchRequest request, ActionListener<MultiSearchResponse> listener);

    /** Asks a {@code lloco} node for the question's window. */
    void window(WindowRequest request, ActionListener<WindowResponse> listener);

    /** Has a {@code lloco} node decode the question. */
    void decode(DecodeRequest request, ActionListener<DecodeResponse> listener);

    /** Runs {@code step} on the plugin's QA pool, in the caller's thread context. */
    void fork(Runnable step);

    /**
     * Reserves {@code bytes} of heap for the question in the circuit breaker (429 when it would trip); the returned
     * handle releases them.
     */
    Releasable reserve(long bytes);

    /** Releases a reservation (idempotent). */
    @FunctionalInterface
    interface Releasable {

        /** Releases. */
        void release();
    }

    /** Nanoseconds, for timings. */
    default long nanoTime() {
        return System.nanoTime();
    }
}
