/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Set;

/** Named tensors read lazily from a checkpoint (safetensors, sharded safetensors, or PyTorch zip-pickle). */
public interface TensorSource extends Closeable {

    /** All tensor names. */
    Set<String> names();

    /** Shape of a tensor without converting its data. */
    long[] shape(String name) throws IOException;

    /** Reads and converts one tensor to float32. Throws {@link CheckpointException} naming the tensor if absent or corrupt. */
    HostTensor get(String name) throws IOException;

    /**
     * Reads elements {@code [offset, offset + count)} of a tensor, in row-major order, widened to float32 little-endian
     * into {@code out} from its index 0: a large tensor can be loaded block by block through one small buffer instead
     * of one float32 copy of the whole tensor. The default reads the whole tensor with {@link #get}; readers of
     * memory-mapped formats override it to convert only the block.
     */
    default void readFloats(String name, long offset, int count, ByteBuffer out) throws IOException {
        HostTensor t = get(name);
        checkRange(name, offset, count, t.numel());
        ByteBuffer src = t.data().duplicate().position(Math.toIntExact(offset * 4)).limit(Math.toIntExact((offset + count) * 4));
        out.duplicate().position(0).put(src);
    }

    /** Checks a block against a tensor's size; the message names the tensor. */
    static void checkRange(String name, long offset, int count, long numel) throws CheckpointException {
        if (offset < 0 || count < 0 || offset + count > numel) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "tensor [%s] has %d elements; cannot read [%d, %d)", name, numel, offset, offset + count)
            );
        }
    }
}
