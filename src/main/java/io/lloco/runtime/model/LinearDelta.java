/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import ai.djl.ndarray.NDArray;

/**
 * Something added to a projection's output at forward time, e.g. an unmerged LoRA adapter:
 * {@code y = x W^T + delta(x)}. Lets one set of base weights serve many adapters, request by request.
 */
@FunctionalInterface
public interface LinearDelta {

    /**
     * The delta for one projection.
     *
     * @param layer decoder layer index
     * @param projection which projection
     * @param input the projection's input, [B, T, in]
     * @return [B, T, out] to add to the base output, or null for none. It must be computed with {@code input}
     *     as the first operand of its first op (so it lands in the input's NDManager) and without in-place ops.
     */
    NDArray apply(int layer, Projection projection, NDArray input);
}
