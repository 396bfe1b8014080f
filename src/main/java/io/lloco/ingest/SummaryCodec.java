/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Locale;

/**
 * Binary form of a summary block: little-endian float16 or float32 values, row-major {@code [summary_length, hidden]},
 * stored base64 in {@code _source} (a {@code binary} field in the mapping). float16 halves the bytes: a lloco-tiny
 * segment (16 x 256) is 8,192 bytes, a 7B segment (50 x 4096) 409,600 bytes.
 */
public final class SummaryCodec {

    /** Storage dtypes. */
    public enum Dtype {

        /** IEEE 754 half precision, 2 bytes per value. */
        FLOAT16(2),
        /** IEEE 754 single precision, 4 bytes per value. */
        FLOAT32(4);

        private final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per value. */
        public int bytes() {
            return bytes;
        }

        /** Name as written in requests and documents. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code float16} / {@code float32}; the error lists the accepted values. */
        public static Dtype parse(String s) {
            for (Dtype d : values()) {
                if (d.value().equals(s)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("unknown storage dtype [" + s + "]; use [float16] or [float32]");
        }
    }

    private SummaryCodec() {
    }

    /** Raw little-endian bytes of {@code values}. */
    public static byte[] toBytes(float[] values, Dtype dtype) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == Dtype.FLOAT16) {
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

    /** Values from raw little-endian bytes; the length must be a whole number of values. */
    public static float[] fromBytes(byte[] bytes, Dtype dtype) {
        if (bytes.length % dtype.bytes() != 0) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "summary block of %d bytes is not a whole number of %s values", bytes.length, dtype.value())
            );
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / dtype.bytes()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype == Dtype.FLOAT16 ? Float.float16ToFloat(b.getShort()) : b.getFloat();
        }
        return out;
    }

    /** Base64 text of the block, as stored in {@code _source}. */
    public static String encode(float[] values, Dtype dtype) {
        return Base64.getEncoder().encodeToString(toBytes(values, dtype));
    }

    /** Values from the stored base64 text. */
    public static float[] decode(String base64, Dtype dtype) {
        return fromBytes(Base64.getDecoder().decode(base64), dtype);
    }
}
