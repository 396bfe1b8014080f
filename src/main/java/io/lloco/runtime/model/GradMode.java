/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Scoped control of PyTorch's thread-local grad mode. Grad mode is on by default in every new thread, so
 * inference entry points switch it off for their duration and restore it after:
 * {@code try (GradMode g = GradMode.disabled()) { ... }}.
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean enabled) {
        this.previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
    }

    /** Disables gradient recording on this thread until {@link #close()}. */
    public static GradMode disabled() {
        return new GradMode(false);
    }

    /** Whether gradient recording is on for this thread. */
    public static boolean isEnabled() {
        return JniUtils.isGradMode();
    }

    /** Restores the previous mode. */
    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
