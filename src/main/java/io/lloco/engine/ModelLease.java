/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.util.concurrent.atomic.AtomicBoolean;

import org.opensearch.common.lease.Releasable;
import org.opensearch.core.rest.RestStatus;

import io.lloco.common.LlocoException;

/**
 * A hold on a loaded model: while any lease is open, unloading the model does not free its native memory (the model
 * leaves the registry at once and is freed when the last lease closes). Close it when the work is done; closing
 * twice is harmless.
 */
public final class ModelLease implements Releasable {

    private final ModelService.LoadedModel model;
    private final AtomicBoolean open = new AtomicBoolean(true);

    ModelLease(ModelService.LoadedModel model) {
        this.model = model;
    }

    /** The model. */
    public ModelService.LoadedModel model() {
        return model;
    }

    /** The model as a {@link RuntimeModel} (what decoding needs); 400 if it is not one. */
    public RuntimeModel runtime() {
        if (model instanceof RuntimeModel rm) {
            return rm;
        }
        throw new LlocoException("model [" + model.info().id() + "] cannot decode on this node", RestStatus.BAD_REQUEST);
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            model.release();
        }
    }
}
