package io.lloco.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Per-layer key/value cache for incremental decoding, in its own sub-manager of the request. Keys are
 * kept transposed, [B, kvHeads, headDim, T], values as [B, kvHeads, T, headDim]; each step appends and
 * frees the previous arrays.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keysT;
    private final NDArray[] values;
    private int length;

    /** An empty cache for {@code layers} layers, allocated under {@code parent}. */
    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keysT = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of cached positions (padded slots included). */
    public int length() {
        return length;
    }

    /**
     * Appends one layer's new keys/values and returns the full arrays: {@code [kT, v]}.
     *
     * @param kT new keys, [B, kvHeads, headDim, T]
     * @param v new values, [B, kvHeads, T, headDim]
     */
    NDArray[] append(int layer, NDArray kT, NDArray v) {
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
        return new NDArray[] { keysT[layer], values[layer] };
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
