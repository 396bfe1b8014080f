/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.util.Set;

/** Named tensors read lazily from a checkpoint (safetensors, sharded safetensors, or PyTorch zip-pickle). */
public interface TensorSource extends Closeable {

    /** All tensor names. */
    Set<String> names();

    /** Shape of a tensor without converting its data. */
    long[] shape(String name) throws IOException;

    /** Reads and converts one tensor to float32. Throws {@link CheckpointException} naming the tensor if absent or corrupt. */
    HostTensor get(String name) throws IOException;
}
