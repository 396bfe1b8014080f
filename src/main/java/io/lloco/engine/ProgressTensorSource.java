/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.util.Set;

import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.TensorSource;

/** A tensor source that reports each tensor read to a {@link LoadProgress} (and stops when the load is cancelled). */
final class ProgressTensorSource implements TensorSource {

    private final TensorSource delegate;
    private final LoadProgress progress;
    private final int bytesPerElement;

    /**
     * @param bytesPerElement bytes of one value at the compute dtype (the bytes reported are what the model will hold)
     */
    ProgressTensorSource(TensorSource delegate, LoadProgress progress, int bytesPerElement) {
        this.delegate = delegate;
        this.progress = progress;
        this.bytesPerElement = bytesPerElement;
    }

    @Override
    public Set<String> names() {
        return delegate.names();
    }

    @Override
    public long[] shape(String name) throws IOException {
        return delegate.shape(name);
    }

    @Override
    public HostTensor get(String name) throws IOException {
        progress.beforeTensor(name);
        HostTensor t = delegate.get(name);
        progress.tensorLoaded(name, t.numel() * bytesPerElement);
        return t;
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
