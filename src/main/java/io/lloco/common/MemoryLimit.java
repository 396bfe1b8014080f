/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.common;

import java.util.Locale;

import org.opensearch.core.common.unit.ByteSizeValue;

/**
 * The value of {@code plugins.lloco.memory.limit}: how many native bytes the models (weights, KV-cache budget,
 * adapters) may take on each compute device.
 * <ul>
 * <li>{@code auto} (default): on the CPU, 80% of what the heap leaves of the physical memory ({@code 0.8 x (RAM -
 * max heap)}); on a CUDA device, 90% of its memory;
 * <li>{@code NN%}: that share of the device's memory (physical memory for {@code cpu}), 1% to 100%;
 * <li>a byte size ({@code 12gb}): that many bytes per device, 1mb to 1pb.
 * </ul>
 *
 * @param text the value as given
 * @param percent the share in percent, or 0 when not a percentage
 * @param bytes the fixed size, or -1 when not a byte size
 */
public record MemoryLimit(String text, double percent, long bytes) {

    /** Share of (physical memory - max heap) that {@code auto} gives the models on the CPU. */
    public static final double AUTO_CPU_SHARE = 0.80;

    /** Share of a CUDA device's memory that {@code auto} gives the models. */
    public static final double AUTO_CUDA_SHARE = 0.90;

    /** Smallest fixed limit. */
    public static final long MIN_BYTES = 1L << 20;

    /** Largest fixed limit. */
    public static final long MAX_BYTES = 1L << 50;

    /** Whether this is {@code auto}. */
    public boolean auto() {
        return percent == 0 && bytes < 0;
    }

    /** Parses a value; anything out of bounds throws naming the setting. */
    public static MemoryLimit parse(String value, String setting) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.equals("auto")) {
            return new MemoryLimit(v, 0, -1);
        }
        if (v.endsWith("%")) {
            double p;
            try {
                p = Double.parseDouble(v.substring(0, v.length() - 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("[" + setting + "] = [" + value + "] is not a percentage", e);
            }
            if ((p >= 1 && p <= 100) == false) {
                throw new IllegalArgumentException("[" + setting + "] = [" + value + "] must be between 1% and 100%");
            }
            return new MemoryLimit(v, p, -1);
        }
        long b;
        try {
            b = ByteSizeValue.parseBytesSizeValue(v, setting).getBytes();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                "[" + setting + "] = [" + value + "]: use auto, a percentage such as 50%, or a size such as 12gb",
                e
            );
        }
        if (b < MIN_BYTES || b > MAX_BYTES) {
            throw new IllegalArgumentException("[" + setting + "] = [" + value + "] must be between 1mb and 1pb");
        }
        return new MemoryLimit(v, 0, b);
    }

    /**
     * The limit in bytes on one device.
     *
     * @param deviceBytes the device's memory (physical memory for the CPU)
     * @param heapMaxBytes the JVM's max heap (taken off the physical memory by {@code auto} on the CPU)
     * @param cuda whether the device is a CUDA device
     */
    public long bytesFor(long deviceBytes, long heapMaxBytes, boolean cuda) {
        if (bytes >= 0) {
            return bytes;
        }
        if (percent > 0) {
            return (long) (deviceBytes * (percent / 100.0));
        }
        return cuda ? (long) (deviceBytes * AUTO_CUDA_SHARE) : (long) (Math.max(0, deviceBytes - heapMaxBytes) * AUTO_CPU_SHARE);
    }

    @Override
    public String toString() {
        return text;
    }
}
