/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.function.ToIntFunction;

import io.lloco.runtime.checkpoint.HostTensor;
import io.lloco.runtime.checkpoint.TensorSource;

/** A tensor source that reports each tensor read to a {@link LoadProgress} (and stops when the load is cancelled). */
final class ProgressTensorSource implements TensorSource {

    private final TensorSource delegate;
    private final LoadProgress progress;
    private final ToIntFunction<String> bytesPerElement;

    /**
     * @param bytesPerElement bytes of one value of a tensor as the model will hold it (the bytes reported are what the
     *     model will hold)
     */
    ProgressTensorSource(TensorSource delegate, LoadProgress progress, ToIntFunction<String> bytesPerElement) {
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
        progress.tensorLoaded(name, t.numel() * bytesPerElement.applyAsInt(name));
        return t;
    }

    /** Large tensors are read block by block: reported once whole, cancellable between blocks. */
    @Override
    public void readFloats(String name, long offset, int count, ByteBuffer out) throws IOException {
        if (offset == 0) {
            progress.beforeTensor(name);
        } else {
            progress.checkCancelled();
        }
        delegate.readFloats(name, offset, count, out);
        long numel = 1;
        for (long d : delegate.shape(name)) {
            numel *= d;
        }
        if (offset + count == numel) {
            progress.tensorLoaded(name, numel * bytesPerElement.applyAsInt(name));
        }
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
