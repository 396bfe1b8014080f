/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.opensearch.common.util.concurrent.AbstractRefCounted;
import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;

/**
 * A loaded model whose native memory is freed only when nobody uses it: the registry holds one reference from load
 * to {@link #close()} (unload), every {@link ModelLease} and every guarded call ({@link #guarded}) one more. The
 * natives go ({@link #free()}) when the last reference drops, then the {@link #onFreed} callbacks run (memory
 * accounting). Once freed no reference can be taken: calls fail with 503 (until then a call on an unloaded model still
 * runs, on memory that is still there).
 */
public abstract class ManagedModel implements ModelService.LoadedModel {

    private final String id;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> onFreed = new ArrayList<>();
    private boolean freed;
    private final AbstractRefCounted refs;

    /** A model with the registry's reference taken. */
    protected ManagedModel(String id) {
        this.id = id;
        this.refs = new AbstractRefCounted("lloco-model-" + id) {

            @Override
            protected void closeInternal() {
                List<Runnable> callbacks;
                try {
                    free();
                } finally {
                    synchronized (onFreed) {
                        freed = true;
                        callbacks = new ArrayList<>(onFreed);
                        onFreed.clear();
                    }
                    callbacks.forEach(Runnable::run);
                }
            }
        };
    }

    /** Frees the native memory; called once, when the last reference drops. */
    protected abstract void free();

    /** The model id. */
    public final String id() {
        return id;
    }

    @Override
    public final boolean tryAcquire() {
        return refs.tryIncRef();
    }

    @Override
    public final void release() {
        refs.decRef();
    }

    /** Drops the registry's reference: the natives are freed now, or when the last user releases the model. */
    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            refs.decRef();
        }
    }

    @Override
    public final boolean isClosed() {
        return closed.get();
    }

    @Override
    public final int users() {
        return Math.max(0, refs.refCount() - (closed.get() ? 0 : 1));
    }

    @Override
    public final void onFreed(Runnable callback) {
        synchronized (onFreed) {
            if (freed == false) {
                onFreed.add(callback);
                return;
            }
        }
        callback.run();
    }

    /**
     * Runs {@code body} holding a reference, so an unload meanwhile cannot free the natives under it; 503 when the
     * natives were already freed.
     */
    protected final <T> T guarded(Supplier<T> body) {
        if (refs.tryIncRef() == false) {
            throw unloaded();
        }
        try {
            return body.get();
        } finally {
            refs.decRef();
        }
    }

    /** The error for a call on an unloaded model. */
    protected LlocoException unloaded() {
        return new LlocoException(
            "model [" + id + "] was unloaded from this node while the request was using it; retry (it loads again on demand)",
            RestStatus.SERVICE_UNAVAILABLE
        );
    }
}
