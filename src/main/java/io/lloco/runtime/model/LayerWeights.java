/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import ai.djl.ndarray.NDArray;

/**
 * One decoder layer's weights; projections are stored (out, in) as in Hugging Face checkpoints.
 *
 * @param inputNorm {@code input_layernorm.weight} [hidden]
 * @param q {@code self_attn.q_proj.weight}
 * @param k {@code self_attn.k_proj.weight}
 * @param v {@code self_attn.v_proj.weight}
 * @param o {@code self_attn.o_proj.weight}
 * @param postNorm {@code post_attention_layernorm.weight} [hidden]
 * @param gate {@code mlp.gate_proj.weight}
 * @param up {@code mlp.up_proj.weight}
 * @param down {@code mlp.down_proj.weight}
 */
public record LayerWeights(
    NDArray inputNorm,
    NDArray q,
    NDArray k,
    NDArray v,
    NDArray o,
    NDArray postNorm,
    NDArray gate,
    NDArray up,
    NDArray down) {

    /** The weight of one projection. */
    public NDArray get(Projection p) {
        return switch (p) {
            case Q -> q;
            case K -> k;
            case V -> v;
            case O -> o;
            case GATE -> gate;
            case UP -> up;
            case DOWN -> down;
        };
    }
}
