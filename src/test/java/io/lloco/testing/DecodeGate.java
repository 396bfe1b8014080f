/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lloco.decode.DecodeService;

/**
 * Holds a node's decode worker before every batch until opened, and lets a test wait until a number of questions is
 * queued there with their model ready (so the next batch takes them all): concurrent questions are ordered by latches,
 * never by sleeps.
 */
public final class DecodeGate implements DecodeService.Observer {

    private final CountDownLatch open = new CountDownLatch(1);
    private final int expected;
    private final CountDownLatch queued;

    /** A closed gate that counts {@code queued} down when {@code questions} are queued. */
    public DecodeGate(int questions, CountDownLatch queued) {
        this.expected = questions;
        this.queued = queued;
    }

    /** Installs a closed gate on {@code decoder}. */
    public static DecodeGate install(DecodeService decoder, int questions) {
        return install(decoder, questions, new CountDownLatch(1));
    }

    /** Installs a closed gate on {@code decoder} that counts {@code queued} down (shared by several gates: any of them). */
    public static DecodeGate install(DecodeService decoder, int questions, CountDownLatch queued) {
        DecodeGate g = new DecodeGate(questions, queued);
        decoder.observer(g);
        return g;
    }

    private volatile boolean reached;

    @Override
    public void ready(int questions) {
        if (questions >= expected) {
            reached = true;
            queued.countDown();
        }
    }

    @Override
    public void beforeBatch() {
        try {
            if (open.await(120, TimeUnit.SECONDS) == false) {
                throw new AssertionError("the decode gate was never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the expected number of questions is queued; false after a generous bound (a failure, not an ordering). */
    public boolean awaitQueued() throws InterruptedException {
        return queued.await(120, TimeUnit.SECONDS);
    }

    /** Whether the expected questions were queued on this gate's node. */
    public boolean isQueued() {
        return reached;
    }

    /** Lets the worker go on, now and for every later batch. */
    public void open() {
        open.countDown();
    }
}
