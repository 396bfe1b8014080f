/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Locale;

/** The seven linear projections of a Llama decoder layer, with their Hugging Face module names. */
public enum Projection {

    /** Query projection, [heads * headDim, hidden]. */
    Q("self_attn", "q_proj"),
    /** Key projection, [kvHeads * headDim, hidden]. */
    K("self_attn", "k_proj"),
    /** Value projection, [kvHeads * headDim, hidden]. */
    V("self_attn", "v_proj"),
    /** Attention output projection, [hidden, heads * headDim]. */
    O("self_attn", "o_proj"),
    /** MLP gate projection, [intermediate, hidden]. */
    GATE("mlp", "gate_proj"),
    /** MLP up projection, [intermediate, hidden]. */
    UP("mlp", "up_proj"),
    /** MLP down projection, [hidden, intermediate]. */
    DOWN("mlp", "down_proj");

    private final String block;
    private final String module;

    Projection(String block, String module) {
        this.block = block;
        this.module = module;
    }

    /** The module name, e.g. {@code q_proj} (what PEFT's {@code target_modules} lists). */
    public String moduleName() {
        return module;
    }

    /** The path inside a layer, e.g. {@code self_attn.q_proj}. */
    public String path() {
        return block + "." + module;
    }

    /** The full weight key, e.g. {@code model.layers.3.self_attn.q_proj.weight}. */
    public String weightKey(int layer) {
        return String.format(Locale.ROOT, "model.layers.%d.%s.weight", layer, path());
    }

    /** Parses a module name ({@code q_proj} ...); null when it is not one of the seven. */
    public static Projection fromModuleName(String name) {
        for (Projection p : values()) {
            if (p.module.equals(name)) {
                return p;
            }
        }
        return null;
    }
}
