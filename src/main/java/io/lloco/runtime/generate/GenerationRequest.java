/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;

/**
 * One generation: input embeddings {@code [prefix ; embed(promptIds)]} (positions from 0, no BOS added),
 * an optional LoRA adapter applied unmerged to this request only, and decoding settings.
 *
 * @param prefix soft prompt (e.g. AutoCompressor summaries) [S, hidden], or null
 * @param promptIds prompt token ids
 * @param adapter LoRA adapter for this request, or null for the base model
 * @param params decoding settings
 */
public record GenerationRequest(Embeddings prefix, int[] promptIds, LoraWeights adapter, GenerationParams params) {

    /** Validates. */
    public GenerationRequest {
        promptIds = promptIds == null ? new int[0] : promptIds.clone();
        if (params == null) {
            throw new IllegalArgumentException("generation params are required");
        }
        if ((prefix == null ? 0 : prefix.rows()) + promptIds.length == 0) {
            throw new IllegalArgumentException("a generation needs at least one prefix vector or prompt token");
        }
    }

    /** Number of prefix vectors. */
    public int prefixRows() {
        return prefix == null ? 0 : prefix.rows();
    }
}
