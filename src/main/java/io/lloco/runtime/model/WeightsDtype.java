/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Arrays;
import java.util.Locale;

import ai.djl.ndarray.types.DataType;

/**
 * The dtype the weight matrices are kept in while a model is loaded ({@code plugins.lloco.weights.dtype},
 * {@code bin/lloco --weights-dtype}). {@code compute}: the compute dtype. {@code float16}: the projections, the
 * embedding table and the output head stay float16 in memory and each is widened to the compute dtype just for its
 * matmul, so a float32-computing CPU node holds a 7B model in
 * 13.5 GB instead of 27 GB (plus, per computing thread, one float32 scratch matrix of each shape: 0.43 GB at 7B).
 * Decode-sized matmuls apply the float16 weights in float16 instead ({@link LlamaModel}). Norm weights and the
 * summary-token table are small and always kept in the compute dtype.
 */
public enum WeightsDtype {

    /** Weights in the compute dtype. */
    COMPUTE("compute"),
    /** Weight matrices resident in float16, widened per use. */
    FLOAT16("float16");

    private final String id;

    WeightsDtype(String id) {
        this.id = id;
    }

    /** The setting / option value. */
    public String id() {
        return id;
    }

    /** Parses {@code compute} or {@code float16}; the message lists the accepted values. */
    public static WeightsDtype parse(String value) {
        for (WeightsDtype w : values()) {
            if (w.id.equals(value)) {
                return w;
            }
        }
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "unknown weights dtype [%s]; use one of %s",
                value,
                Arrays.stream(values()).map(WeightsDtype::id).toList()
            )
        );
    }

    /** The resident dtype of the weight matrices for a compute dtype. */
    public DataType resolve(DataType compute) {
        return this == COMPUTE ? compute : DataType.FLOAT16;
    }
}
