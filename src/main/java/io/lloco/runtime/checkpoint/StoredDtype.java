/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Dtypes a checkpoint may store, with their widths and the conversion to float32.
 *
 * <p>BF16 is widened here in Java ({@code bits << 16}) because handing BFLOAT16 to DJL aborts the JVM.
 */
public enum StoredDtype {

    /** IEEE float64. */
    F64(8, true),
    /** IEEE float32. */
    F32(4, true),
    /** IEEE float16. */
    F16(2, true),
    /** bfloat16 (upper half of a float32). */
    BF16(2, true),
    /** 64-bit signed integer. */
    I64(8, false),
    /** 32-bit signed integer. */
    I32(4, false),
    /** 16-bit signed integer. */
    I16(2, false),
    /** 8-bit signed integer. */
    I8(1, false),
    /** 8-bit unsigned integer. */
    U8(1, false),
    /** boolean stored as a byte. */
    BOOL(1, false);

    private final int bytes;
    private final boolean floating;

    StoredDtype(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether the runtime can widen it to float32 weights. */
    public boolean isFloating() {
        return floating;
    }

    /** Parses a safetensors dtype name; null when unknown. */
    public static StoredDtype fromSafetensors(String name) {
        if (name == null) {
            return null;
        }
        for (StoredDtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /**
     * Converts {@code numel} elements read from {@code src} (little-endian, from its position) to a fresh
     * float32 little-endian direct buffer. For F32 the caller may use the source bytes directly instead.
     */
    public ByteBuffer toFloat32(ByteBuffer src, int numel) {
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(numel, 4)).order(ByteOrder.LITTLE_ENDIAN);
        toFloat32(src, numel, out);
        return out;
    }

    /** Elements converted per bulk step (heap scratch arrays of this size). */
    private static final int BLOCK = 1 << 16;

    /**
     * Converts {@code numel} elements read from {@code src} (little-endian, from its position) into {@code out} as
     * float32 little-endian, from {@code out}'s index 0. Works in bulk blocks (heap arrays, vectorizable loops), so
     * widening runs at memory speed rather than one buffer access per element.
     */
    public void toFloat32(ByteBuffer src, int numel, ByteBuffer out) {
        if (floating == false) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "dtype %s is not a floating-point type", this));
        }
        if (out.capacity() < (long) numel * 4) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "output holds %d bytes, %d elements need %d", out.capacity(), numel, (long) numel * 4)
            );
        }
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer o = out.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0);
        switch (this) {
            case F32 -> {
                ByteBuffer slice = in.slice(in.position(), numel * 4);
                o.put(slice);
            }
            case F64 -> {
                var d = in.slice(in.position(), numel * 8).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
                var f = o.asFloatBuffer();
                double[] a = new double[Math.min(BLOCK, numel)];
                float[] b = new float[a.length];
                for (int done = 0; done < numel; done += a.length) {
                    int n = Math.min(a.length, numel - done);
                    d.get(a, 0, n);
                    for (int i = 0; i < n; i++) {
                        b[i] = (float) a[i];
                    }
                    f.put(b, 0, n);
                }
            }
            case BF16 -> {
                var s = in.slice(in.position(), numel * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
                var t = o.asIntBuffer();
                short[] a = new short[Math.min(BLOCK, numel)];
                int[] b = new int[a.length];
                for (int done = 0; done < numel; done += a.length) {
                    int n = Math.min(a.length, numel - done);
                    s.get(a, 0, n);
                    for (int i = 0; i < n; i++) {
                        b[i] = (a[i] & 0xFFFF) << 16;
                    }
                    t.put(b, 0, n);
                }
            }
            case F16 -> {
                // short[] -> float[] with Float.float16ToFloat: C2 vectorizes it (vcvtph2ps), ~1e9 elements/s on one core,
                // where libtorch 2.7.1's CPU Half->Float copy runs at ~3e7/s
                var s = in.slice(in.position(), numel * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
                var t = o.asFloatBuffer();
                short[] a = new short[Math.min(BLOCK, numel)];
                float[] b = new float[a.length];
                for (int done = 0; done < numel; done += a.length) {
                    int n = Math.min(a.length, numel - done);
                    s.get(a, 0, n);
                    for (int i = 0; i < n; i++) {
                        b[i] = Float.float16ToFloat(a[i]);
                    }
                    t.put(b, 0, n);
                }
            }
            default -> throw new IllegalStateException(name());
        }
    }

    /** Rounds a float32 to bfloat16 bits, round-to-nearest-even (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Widens bfloat16 bits to float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
