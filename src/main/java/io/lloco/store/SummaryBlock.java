/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Locale;

/**
 * The binary form of one segment's summaries: {@code summary_length x hidden} values, row-major, little-endian, in
 * the document's {@link SummaryDtype}. Stored as a {@code binary} field (base64 in JSON, raw bytes in doc values) and
 * sent to the decoding node as these bytes.
 */
public final class SummaryBlock {

    private static final short HALF_EXPONENT = 0x7C00;

    private SummaryBlock() {
    }

    /** Raw little-endian bytes of {@code values}. */
    public static byte[] toBytes(float[] values, SummaryDtype dtype) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == SummaryDtype.FLOAT16) {
            for (float v : values) {
                b.putShort(Float.floatToFloat16(v));
            }
        } else {
            for (float v : values) {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    /** Base64 of {@link #toBytes}, as a {@code binary} field takes it in {@code _source}. */
    public static String toBase64(float[] values, SummaryDtype dtype) {
        return Base64.getEncoder().encodeToString(toBytes(values, dtype));
    }

    /** Values from raw bytes; the length must be a whole number of values. */
    public static float[] toFloats(byte[] bytes, SummaryDtype dtype) {
        if (bytes.length % dtype.bytes() != 0) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "summary block of %d bytes is not a whole number of %s values", bytes.length, dtype.value())
            );
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / dtype.bytes()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype == SummaryDtype.FLOAT16 ? Float.float16ToFloat(b.getShort()) : b.getFloat();
        }
        return out;
    }

    /** Values of several blocks, concatenated in order into one array of {@code totalValues}. */
    public static float[] concat(java.util.List<byte[]> blocks, SummaryDtype dtype, int totalValues) {
        float[] out = new float[totalValues];
        int at = 0;
        for (byte[] b : blocks) {
            float[] v = toFloats(b, dtype);
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        if (at != totalValues) {
            throw new IllegalArgumentException("blocks hold " + at + " values, expected " + totalValues);
        }
        return out;
    }

    /** Index of the first value that is NaN or infinite, or -1 when all are finite. */
    public static int firstNonFinite(byte[] bytes, SummaryDtype dtype) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = bytes.length / dtype.bytes();
        for (int i = 0; i < n; i++) {
            if (dtype == SummaryDtype.FLOAT16) {
                if ((b.getShort() & HALF_EXPONENT) == HALF_EXPONENT) {
                    return i;
                }
            } else if (Float.isFinite(b.getFloat()) == false) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the first value that is NaN or infinite, or -1 when all are finite. */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (Float.isFinite(values[i]) == false) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the first finite value beyond float16's range (65,504), or -1. */
    public static int firstOverHalfRange(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (Math.abs(values[i]) > 65504f) {
                return i;
            }
        }
        return -1;
    }
}
