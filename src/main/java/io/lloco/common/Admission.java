/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import org.opensearch.common.lease.Releasable;

/**
 * Counts the requests of one kind admitted on this node (queued or running) and refuses one more beyond a limit, so work
 * beyond capacity gets an answer (a 429 naming the setting to raise) instead of an ever-growing queue. Each admission
 * is a {@link Releasable} that gives its place back exactly once, however many of a request's completion paths close it.
 */
public final class Admission {

    private final AtomicInteger admitted = new AtomicInteger();

    /** Requests admitted now. */
    public int admitted() {
        return admitted.get();
    }

    /**
     * Admits one more request when at most {@code limit} are then admitted; otherwise throws {@code full} applied to the
     * number already admitted.
     */
    public Releasable admit(int limit, IntFunction<LlocoException> full) {
        int now = admitted.incrementAndGet();
        if (now > limit) {
            admitted.decrementAndGet();
            throw full.apply(now - 1);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                admitted.decrementAndGet();
            }
        };
    }

    /** Throws {@code full} applied to the number admitted when one more would exceed {@code limit}; admits nothing. */
    public void check(int limit, IntFunction<LlocoException> full) {
        int now = admitted.get();
        if (now + 1 > limit) {
            throw full.apply(now);
        }
    }
}
