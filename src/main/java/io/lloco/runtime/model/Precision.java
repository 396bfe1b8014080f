/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Locale;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * The dtypes of a loaded model: what it computes in and what its weight matrices are kept in (equal, or float16
 * weights widened per matmul). Never BFLOAT16: handing it to DJL aborts the JVM (PLATFORM-NOTES §6); bfloat16
 * checkpoints are widened in Java on load.
 *
 * @param compute activations, norms' outputs, KV cache: FLOAT32 or FLOAT16
 * @param weights the projections, embedding table and output head: the compute dtype, or FLOAT16
 */
public record Precision(DataType compute, DataType weights) {

    /** float32 everywhere (the CPU default). */
    public static final Precision FLOAT32 = new Precision(DataType.FLOAT32, DataType.FLOAT32);

    /** float16 compute and weights (the GPU default). */
    public static final Precision FLOAT16 = new Precision(DataType.FLOAT16, DataType.FLOAT16);

    /** Checks the combination. */
    public Precision {
        if (compute != DataType.FLOAT32 && compute != DataType.FLOAT16) {
            throw new IllegalArgumentException("the compute dtype must be FLOAT32 or FLOAT16, not " + compute);
        }
        if (weights != compute && weights != DataType.FLOAT16) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "weights must be kept in the compute dtype (%s) or FLOAT16, not %s", compute, weights)
            );
        }
    }

    /** The precision a policy gives on a device. */
    public static Precision of(DtypePolicy dtype, WeightsDtype weights, Device device) {
        DataType c = dtype.resolve(device);
        return new Precision(c, weights.resolve(c));
    }

    /** The default on a device: {@code auto} compute, weights in the compute dtype. */
    public static Precision defaultFor(Device device) {
        return of(DtypePolicy.AUTO, WeightsDtype.COMPUTE, device);
    }

    /** Whether weight matrices are widened to the compute dtype at each use. */
    public boolean widensWeights() {
        return weights != compute;
    }

    /** Whether norms and softmax are upcast to float32 (compute in float16). */
    public boolean isHalf() {
        return compute == DataType.FLOAT16;
    }

    /** {@code float32} / {@code float16}: the compute dtype's name. */
    public String computeName() {
        return DtypePolicy.name(compute);
    }

    /** {@code float32} / {@code float16}: the weights' name. */
    public String weightsName() {
        return DtypePolicy.name(weights);
    }

    @Override
    public String toString() {
        return widensWeights() ? computeName() + " (weights " + weightsName() + ")" : computeName();
    }
}
