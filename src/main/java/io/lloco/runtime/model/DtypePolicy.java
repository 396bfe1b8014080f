/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Arrays;
import java.util.Locale;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * The compute dtype a model runs in ({@code plugins.lloco.dtype}, {@code bin/lloco --dtype}): {@code auto} is
 * float16 on a CUDA device and float32 on the CPU (libtorch's float16 matmul is two orders of magnitude slower
 * than float32 there, PLATFORM-NOTES §6). Compression and decoding share it: one loaded model has one dtype.
 */
public enum DtypePolicy {

    /** float16 on a GPU, float32 on the CPU. */
    AUTO("auto"),
    /** Always float32. */
    FLOAT32("float32"),
    /** Always float16 (norms and attention softmax still in float32, logits float32: see {@link LlamaModel}). */
    FLOAT16("float16");

    private final String id;

    DtypePolicy(String id) {
        this.id = id;
    }

    /** The setting / option value. */
    public String id() {
        return id;
    }

    /** Parses {@code auto}, {@code float32} or {@code float16}; the message lists the accepted values. */
    public static DtypePolicy parse(String value) {
        for (DtypePolicy p : values()) {
            if (p.id.equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "unknown dtype [%s]; use one of %s", value, Arrays.stream(values()).map(DtypePolicy::id).toList())
        );
    }

    /** The compute dtype on {@code device}: a pure function of the policy and whether the device is a GPU. */
    public DataType resolve(Device device) {
        return switch (this) {
            case AUTO -> device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
            case FLOAT32 -> DataType.FLOAT32;
            case FLOAT16 -> DataType.FLOAT16;
        };
    }

    /** {@code float32} or {@code float16} for a compute/storage dtype (the names settings and APIs use). */
    public static String name(DataType dataType) {
        return switch (dataType) {
            case FLOAT32 -> "float32";
            case FLOAT16 -> "float16";
            default -> throw new IllegalArgumentException("not a model dtype: " + dataType);
        };
    }
}
