/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.lora;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.lloco.runtime.model.LinearDelta;
import io.lloco.runtime.model.Projection;

/**
 * Different adapters (or none) for different rows of one batch: for each distinct adapter a,
 * {@code delta += rowScale_a * B_a (A_a x)} where {@code rowScale_a} is a's scale on the rows that use it
 * and 0 elsewhere. LoRA compute is small (rank r), so running each adapter over the whole batch is cheaper
 * than gathering rows.
 */
public final class LoraBatch implements LinearDelta {

    private record Group(LoraWeights adapter, NDArray rowScale) {
    }

    private final List<Group> groups;

    private LoraBatch(List<Group> groups) {
        this.groups = groups;
    }

    /**
     * The delta for a batch whose row b uses {@code perRow.get(b)} (null: no adapter). Returns null when no row
     * has an adapter, and the adapter itself when every row uses the same one.
     *
     * @param manager request manager for the row masks
     * @param dataType the model's compute dtype
     */
    public static LinearDelta of(NDManager manager, List<LoraWeights> perRow, DataType dataType) {
        Map<LoraWeights, float[]> masks = new IdentityHashMap<>();
        List<LoraWeights> order = new ArrayList<>();
        int rows = perRow.size();
        for (int b = 0; b < rows; b++) {
            LoraWeights a = perRow.get(b);
            if (a == null) {
                continue;
            }
            float[] m = masks.get(a);
            if (m == null) {
                m = new float[rows];
                masks.put(a, m);
                order.add(a);
            }
            m[b] = (float) a.config().scale();
        }
        if (order.isEmpty()) {
            return null;
        }
        if (order.size() == 1 && allSet(masks.get(order.get(0)))) {
            return order.get(0);
        }
        List<Group> groups = new ArrayList<>();
        for (LoraWeights a : order) {
            NDArray rs = manager.create(masks.get(a), new Shape(rows, 1, 1));
            if (dataType != DataType.FLOAT32) {
                NDArray c = rs.toType(dataType, false);
                rs.close();
                rs = c;
            }
            groups.add(new Group(a, rs));
        }
        return new LoraBatch(groups);
    }

    private static boolean allSet(float[] m) {
        for (float v : m) {
            if (v == 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public NDArray apply(int layer, Projection projection, NDArray input) {
        NDArray sum = null;
        for (Group g : groups) {
            NDArray low = g.adapter().lowRank(layer, projection, input);
            if (low == null) {
                continue;
            }
            NDArray scaled = low.mul(g.rowScale());
            sum = sum == null ? scaled : sum.add(scaled);
        }
        return sum;
    }
}
