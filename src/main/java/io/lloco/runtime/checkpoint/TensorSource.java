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

    /**
     * Reads {@code count} elements of {@code dtype} at byte {@code position} of {@code channel} and widens them into
     * {@code out} (float32 from index 0). 16-bit and 32-bit data is read straight into {@code out} — 16-bit values into
     * its upper half, then widened forward in place (each block is read before any write can reach it) — so no file
     * region stays mapped and no second buffer is needed; wider types go through a mapping.
     */
    static void readInto(
        java.nio.channels.FileChannel channel,
        java.nio.file.Path file,
        String name,
        StoredDtype dtype,
        long position,
        int count,
        ByteBuffer out
    )
        throws IOException {
        int w = dtype.bytes();
        if (w > 4) {
            ByteBuffer src = channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, position, (long) count * w);
            dtype.toFloat32(src.order(java.nio.ByteOrder.LITTLE_ENDIAN), count, out);
            return;
        }
        int start = count * (4 - w);
        ByteBuffer raw = out.duplicate().position(start).limit(start + count * w);
        long at = position;
        while (raw.hasRemaining()) {
            int n = channel.read(raw, at);
            if (n < 0) {
                throw new CheckpointException(String.format(Locale.ROOT, "file [%s] ends inside tensor [%s]", file, name));
            }
            at += n;
        }
        if (dtype != StoredDtype.F32) {
            dtype.toFloat32(out.duplicate().position(start).limit(start + count * w), count, out);
        }
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
