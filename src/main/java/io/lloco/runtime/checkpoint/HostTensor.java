/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A tensor in host memory, always widened to float32 (little-endian, direct buffer), whatever the
 * checkpoint's stored dtype. BF16 is converted here in Java and never reaches DJL.
 *
 * @param name tensor name in the checkpoint
 * @param shape dimensions, row-major
 * @param storedDtype dtype as stored on disk ("BF16", "F16", "F32", ...)
 * @param data float32 values, little-endian, direct, position 0, limit = 4 * numel
 */
public record HostTensor(String name, long[] shape, String storedDtype, ByteBuffer data) {

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "/" + storedDtype;
    }
}
