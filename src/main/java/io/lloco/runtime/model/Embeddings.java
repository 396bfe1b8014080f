/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A [rows, dim] float32 matrix on the Java heap: AutoCompressor summaries, or a soft prompt (prefix of
 * input embeddings) for generation. Row-major.
 *
 * @param rows number of vectors
 * @param dim vector width (the model's hidden size)
 * @param data rows * dim values
 */
public record Embeddings(int rows, int dim, float[] data) {

    /** Checks the sizes. */
    public Embeddings {
        if (rows < 0 || dim <= 0 || data.length != (long) rows * dim) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "embeddings [%d, %d] cannot hold %d values", rows, dim, data.length)
            );
        }
    }

    /** No vectors. */
    public static Embeddings empty(int dim) {
        return new Embeddings(0, dim, new float[0]);
    }

    /** Copies a [rows, dim] (or [1, rows, dim]) array to the heap as float32. */
    public static Embeddings of(NDArray a) {
        Shape s = a.getShape();
        int dim = (int) s.get(s.dimension() - 1);
        int rows = (int) (s.size() / dim);
        float[] v = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : toF32(a);
        return new Embeddings(rows, dim, v);
    }

    private static float[] toF32(NDArray a) {
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    /** Concatenates row-wise. */
    public static Embeddings concat(List<Embeddings> parts, int dim) {
        int rows = 0;
        for (Embeddings e : parts) {
            if (e.dim != dim) {
                throw new IllegalArgumentException("cannot concatenate embeddings of width " + e.dim + " and " + dim);
            }
            rows += e.rows;
        }
        float[] out = new float[rows * dim];
        int at = 0;
        for (Embeddings e : parts) {
            System.arraycopy(e.data, 0, out, at, e.data.length);
            at += e.data.length;
        }
        return new Embeddings(rows, dim, out);
    }

    /** Rows [from, to). */
    public Embeddings slice(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException(String.format(Locale.ROOT, "rows [%d, %d) of %d", from, to, rows));
        }
        return new Embeddings(to - from, dim, Arrays.copyOfRange(data, from * dim, to * dim));
    }

    /** One row. */
    public float[] row(int i) {
        return Arrays.copyOfRange(data, i * dim, (i + 1) * dim);
    }

    /** As a [rows, dim] array in {@code manager}, in {@code dataType}. */
    public NDArray toNDArray(NDManager manager, DataType dataType) {
        NDArray a = manager.create(data, new Shape(rows, dim));
        if (dataType == DataType.FLOAT32) {
            return a;
        }
        NDArray c = a.toType(dataType, false);
        a.close();
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Embeddings e && e.rows == rows && e.dim == dim && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + dim) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Embeddings[" + rows + ", " + dim + "]";
    }
}
