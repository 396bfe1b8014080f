/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

import java.util.List;

/**
 * Decoding settings of one request.
 *
 * @param maxNewTokens at most this many new tokens
 * @param temperature 0 for greedy; otherwise logits are divided by it before sampling
 * @param topP nucleus sampling mass in (0, 1] (1: no truncation); ignored when greedy
 * @param seed seed of this request's sampler (same seed, same output)
 * @param stopStrings stop when the decoded output contains one of these (needs a tokenizer)
 * @param eosIds stop ids; null means the model config's {@code eos_token_id}
 */
public record GenerationParams(int maxNewTokens, double temperature, double topP, long seed, List<String> stopStrings,
    List<Integer> eosIds) {

    /** Validates. */
    public GenerationParams {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max_new_tokens must be >= 0, got " + maxNewTokens);
        }
        if ((temperature >= 0) == false || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if ((topP > 0 && topP <= 1) == false) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        eosIds = eosIds == null ? null : List.copyOf(eosIds);
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, stopping at the model's EOS. */
    public static GenerationParams greedy(int maxNewTokens) {
        return new GenerationParams(maxNewTokens, 0, 1, 0, List.of(), null);
    }

    /** Seeded sampling. */
    public static GenerationParams sampling(int maxNewTokens, double temperature, double topP, long seed) {
        return new GenerationParams(maxNewTokens, temperature, topP, seed, List.of(), null);
    }

    /** A copy with stop strings. */
    public GenerationParams withStopStrings(List<String> stops) {
        return new GenerationParams(maxNewTokens, temperature, topP, seed, stops, eosIds);
    }

    /** A copy with explicit EOS ids (empty: never stop on a token). */
    public GenerationParams withEosIds(List<Integer> ids) {
        return new GenerationParams(maxNewTokens, temperature, topP, seed, stopStrings, ids);
    }

    /** Whether decoding is greedy. */
    public boolean isGreedy() {
        return temperature == 0;
    }
}
