/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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
 * <p>With weights kept in float16 under float32 compute ({@link Precision#widensWeights}), the matrices count 2 bytes a
 * parameter (norms and the summary table stay at the compute dtype) and each thread that runs the model keeps a float32 scratch copy of one matrix of each distinct shape
 * (and of the output head) to widen into ({@link LlamaWeights#compute}): {@code scratchBytes}.
 *
 * @param parameters parameters of the base model
 * @param weightBytes bytes of the weights as kept (compute dtype, or float16 when widened at use)
 * @param kvCacheBytes bytes of the KV-cache budget ({@code positions x batch} positions)
 * @param kvBytesPerPosition KV-cache bytes of one position of one sequence
 * @param bytesPerElement bytes of one value at the compute dtype
 * @param positions positions per sequence the KV budget holds
 * @param batch sequences the KV budget holds
 * @param scratchBytes float32 widening scratch of all threads (0 unless weights are widened at use)
 */
public record MemoryEstimate(long parameters, long weightBytes, long kvCacheBytes, long kvBytesPerPosition, int bytesPerElement,
    long positions, long batch, long scratchBytes) {

    /** Weights plus the KV-cache budget plus widening scratch. */
    public long totalBytes() {
        return Math.addExact(Math.addExact(weightBytes, kvCacheBytes), scratchBytes);
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
            batch,
            0
        );
    }

    /**
     * The estimate for {@code config} at {@code precision}: weights at the kept dtype, KV cache at the compute dtype,
     * and, when weights are widened at use, a float32 scratch matrix of each distinct weight shape for each of
     * {@code threads} threads running the model.
     */
    public static MemoryEstimate of(LlamaConfig config, Precision precision, long positions, long batch, int threads) {
        MemoryEstimate compute = of(config, bytesPerElement(precision.compute()), positions, batch);
        if (precision.widensWeights() == false) {
            return compute;
        }
        return new MemoryEstimate(
            compute.parameters,
            weightBytes(config, precision),
            compute.kvCacheBytes,
            compute.kvBytesPerPosition,
            compute.bytesPerElement,
            positions,
            batch,
            Math.multiplyExact(Math.multiplyExact(scratchElements(config), bytesPerElement(precision.compute())), Math.max(1, threads))
        );
    }

    /**
     * Bytes of the weights as {@link LlamaWeights#load} keeps them at {@code precision}: matrices
     * ({@link LlamaWeights#isMatrix}) at the weights dtype, norms and the summary table at the compute dtype.
     */
    public static long weightBytes(LlamaConfig config, Precision precision) {
        long n = 0;
        for (var e : LlamaWeights.expectedShapes(config).entrySet()) {
            long size = 1;
            for (long d : e.getValue()) {
                size = Math.multiplyExact(size, d);
            }
            n = Math.addExact(n, Math.multiplyExact(size, bytesPerElement(keptDtype(e.getKey(), precision))));
        }
        return n;
    }

    /** The dtype {@link LlamaWeights#load} keeps tensor {@code key} in at {@code precision}. */
    public static DataType keptDtype(String key, Precision precision) {
        return LlamaWeights.isMatrix(key) ? precision.weights() : precision.compute();
    }

    /** Values in one matrix of each distinct 2-D weight shape of a layer, plus the output head (one widening thread). */
    public static long scratchElements(LlamaConfig config) {
        Set<List<Long>> shapes = new HashSet<>();
        long n = 0;
        for (var e : LlamaWeights.expectedShapes(config).entrySet()) {
            long[] s = e.getValue();
            boolean layerMatrix = s.length == 2 && e.getKey().startsWith("model.layers.");
            boolean head = e.getKey().equals(LlamaWeights.LM_HEAD)
                || (config.tieWordEmbeddings() && e.getKey().equals(LlamaWeights.EMBED_TOKENS));
            if ((layerMatrix || head) && shapes.add(List.of(s[0], s[1], head ? 1L : 0L))) {
                n = Math.addExact(n, Math.multiplyExact(s[0], s[1]));
            }
        }
        return n;
    }

    /** Bytes of one value of a compute dtype (float32 or float16; never bfloat16, which DJL cannot take). */
    public static int bytesPerElement(DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute dtype must be FLOAT32 or FLOAT16, not " + dtype);
        }
        return dtype.getNumOfBytes();
    }
}
