/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Locale;

import ai.djl.ndarray.types.DataType;

import io.lloco.runtime.checkpoint.LlamaConfig;

/**
 * What a model will hold in native memory, computed from its {@code config.json} alone (before any weight is read).
 *
 * <p>Weights: every tensor {@link LlamaWeights#expectedShapes} lists (token embeddings, each layer's projections and
 * norms, the final norm, an untied {@code lm_head}, the AutoCompressor summary table) at the compute dtype, which is
 * what {@link LlamaWeights#load} allocates whatever the checkpoint's stored dtype. KV cache: keys and values of every
 * layer, {@code 2 x layers x (kvHeads x headDim) x bytes x positions x batch} (for Llama-2, {@code kvHeads x headDim =
 * hidden}); a budget for decoding, not allocated at load.
 *
 * @param parameters parameters of the base model
 * @param weightBytes bytes of the weights at the compute dtype
 * @param kvCacheBytes bytes of the KV-cache budget ({@code positions x batch} positions)
 * @param kvBytesPerPosition KV-cache bytes of one position of one sequence
 * @param bytesPerElement bytes of one value at the compute dtype
 * @param positions positions per sequence the KV budget holds
 * @param batch sequences the KV budget holds
 */
public record MemoryEstimate(long parameters, long weightBytes, long kvCacheBytes, long kvBytesPerPosition, int bytesPerElement,
    long positions, long batch) {

    /** Weights plus the KV-cache budget. */
    public long totalBytes() {
        return Math.addExact(weightBytes, kvCacheBytes);
    }

    /** Parameters of a model of this config (the sum of {@link LlamaWeights#expectedShapes}). */
    public static long parameters(LlamaConfig config) {
        long n = 0;
        for (long[] shape : LlamaWeights.expectedShapes(config).values()) {
            long size = 1;
            for (long d : shape) {
                size = Math.multiplyExact(size, d);
            }
            n = Math.addExact(n, size);
        }
        return n;
    }

    /** KV-cache bytes of one position of one sequence: {@code 2 x layers x kvHeads x headDim x bytes}. */
    public static long kvBytesPerPosition(LlamaConfig config, int bytesPerElement) {
        return 2L * config.numHiddenLayers() * config.numKeyValueHeads() * config.headDim() * bytesPerElement;
    }

    /**
     * The estimate for {@code config} at a compute dtype, with a KV budget of {@code batch} sequences of
     * {@code positions} positions each.
     */
    public static MemoryEstimate of(LlamaConfig config, DataType dtype, long positions, long batch) {
        return of(config, bytesPerElement(dtype), positions, batch);
    }

    /** As {@link #of(LlamaConfig, DataType, long, long)}, with the dtype's width in bytes. */
    public static MemoryEstimate of(LlamaConfig config, int bytesPerElement, long positions, long batch) {
        if (bytesPerElement <= 0) {
            throw new IllegalArgumentException("bytes per element must be > 0, got " + bytesPerElement);
        }
        if (positions < 0 || batch < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "positions (%d) and batch (%d) must be >= 0", positions, batch));
        }
        long params = parameters(config);
        long perPosition = kvBytesPerPosition(config, bytesPerElement);
        long kv = Math.multiplyExact(Math.multiplyExact(perPosition, positions), batch);
        return new MemoryEstimate(
            params,
            Math.multiplyExact(params, bytesPerElement),
            kv,
            perPosition,
            bytesPerElement,
            positions,
            batch
        );
    }

    /** Bytes of one value of a compute dtype (float32 or float16; never bfloat16, which DJL cannot take). */
    public static int bytesPerElement(DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute dtype must be FLOAT32 or FLOAT16, not " + dtype);
        }
        return dtype.getNumOfBytes();
    }
}
