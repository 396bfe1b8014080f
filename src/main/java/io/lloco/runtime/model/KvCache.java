/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Per-layer key/value cache for incremental decoding, in its own sub-manager of the request. Keys are kept
 * transposed, [B, kvHeads, headDim, T], values as [B, kvHeads, T, headDim].
 *
 * <p>With a capacity the buffers are allocated once and each step writes its new positions in place (no
 * copy of the cache per step; inference only, not differentiable). Without one, each step concatenates.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keysT;
    private final NDArray[] values;
    private final int capacity;
    private int length;

    /** A growing (concatenating) cache for {@code layers} layers, allocated under {@code parent}. */
    public KvCache(NDManager parent, int layers) {
        this(parent, layers, 0);
    }

    /**
     * A cache preallocated for {@code capacity} positions (0: grow by concatenation).
     *
     * @param capacity the most positions (padded slots included) this cache will ever hold
     */
    public KvCache(NDManager parent, int layers, int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        this.manager = parent.newSubManager();
        this.keysT = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = capacity;
    }

    /** Number of cached positions (padded slots included). */
    public int length() {
        return length;
    }

    /** The preallocated capacity, or 0 for a growing cache. */
    public int capacity() {
        return capacity;
    }

    /**
     * Appends one layer's new keys/values and returns the full arrays: {@code [kT, v]}, valid for this step.
     *
     * @param kT new keys, [B, kvHeads, headDim, T]
     * @param v new values, [B, kvHeads, T, headDim]
     */
    NDArray[] append(int layer, NDArray kT, NDArray v) {
        if (capacity > 0) {
            return write(layer, kT, v);
        }
        if (keysT[layer] == null) {
            kT.attach(manager);
            v.attach(manager);
            keysT[layer] = kT;
            values[layer] = v;
        } else {
            NDArray nk = keysT[layer].concat(kT, 3);
            NDArray nv = values[layer].concat(v, 2);
            keysT[layer].close();
            values[layer].close();
            keysT[layer] = nk;
            values[layer] = nv;
        }
        return new NDArray[]{keysT[layer], values[layer]};
    }

    private NDArray[] write(int layer, NDArray kT, NDArray v) {
        Shape ks = kT.getShape();
        long b = ks.get(0);
        long kv = ks.get(1);
        long hd = ks.get(2);
        long t = ks.get(3);
        long end = length + t;
        if (end > capacity) {
            throw new IllegalStateException(
                String.format(Locale.ROOT, "KV cache capacity %d exceeded: %d cached + %d new positions", capacity, length, t)
            );
        }
        if (keysT[layer] == null) {
            keysT[layer] = manager.zeros(new Shape(b, kv, hd, capacity), kT.getDataType(), kT.getDevice());
            values[layer] = manager.zeros(new Shape(b, kv, capacity, hd), v.getDataType(), v.getDevice());
        }
        JniUtils.indexSet(
            (PtNDArray) keysT[layer],
            (PtNDArray) kT,
            new long[]{0, 0, 0, length},
            new long[]{b, kv, hd, end},
            new long[]{1, 1, 1, 1}
        );
        JniUtils.indexSet(
            (PtNDArray) values[layer],
            (PtNDArray) v,
            new long[]{0, 0, length, 0},
            new long[]{b, kv, end, hd},
            new long[]{1, 1, 1, 1}
        );
        NDManager step = kT.getManager();
        return new NDArray[]{
            keysT[layer].get(step, new NDIndex(":, :, :, :{}", end)),
            values[layer].get(step, new NDIndex(":, :, :{}, :", end))};
    }

    /**
     * Keeps, in this order, the batch rows {@code rows} of every layer (a row may repeat): beam search continues
     * each kept hypothesis from its parent's cache. The batch size becomes {@code rows.length}.
     */
    public void selectRows(long[] rows) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray idx = tmp.create(rows);
            for (int l = 0; l < keysT.length; l++) {
                if (keysT[l] == null) {
                    continue;
                }
                NDArray nk = keysT[l].get(idx);
                NDArray nv = values[l].get(idx);
                nk.attach(manager);
                nv.attach(manager);
                keysT[l].close();
                values[l].close();
                keysT[l] = nk;
                values[l] = nv;
            }
        }
    }

    /** Records that a forward of {@code t} positions went through every layer. */
    void advance(int t) {
        length += t;
    }

    /** Frees the cache. */
    @Override
    public void close() {
        manager.close();
    }
}
