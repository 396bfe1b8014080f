/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.decode;

import java.util.List;
import java.util.function.BooleanSupplier;

import io.lloco.engine.ModelInfo;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Hypothesis;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;

/**
 * What the decode queue needs of a loaded model: its facts, its tokenizer, its adapters, and the three ways of
 * decoding. {@link RuntimeDecodeModel} implements it over the runtime; tests use small fakes.
 */
public interface DecodeModel {

    /**
     * An adapter resolved by name: the name reported (null for none), its weights (null for none), and the prompt
     * template it declares in its {@code lloco.json} (null for none) with the manifest's path (for messages).
     */
    record Adapter(String name, LoraWeights weights, String template, String manifest) {

        /** No adapter. */
        public static final Adapter NONE = new Adapter(null, null);

        /** An adapter that declares no template. */
        public Adapter(String name, LoraWeights weights) {
            this(name, weights, null, null);
        }
    }

    /** The model's facts. */
    ModelInfo info();

    /** Token ids of {@code text}, no special tokens. */
    int[] tokenize(String text);

    /**
     * The adapter {@code name}: null for none, {@link DecodeService#MODEL_DEFAULT_ADAPTER} for the model's own default
     * (none when it has none), with the template its {@code lloco.json} declares. 404 for an unknown adapter, 400 for
     * one that does not fit this model or whose {@code lloco.json} is invalid (naming the file and the field).
     */
    Adapter adapter(String name);

    /** Batched greedy or sampled generation, with a cancellation check per request polled between steps. */
    List<GenerationResult> generate(List<GenerationRequest> requests, List<BooleanSupplier> cancelled);

    /** The {@code beams} most likely answers of one request, best first. */
    List<Hypothesis> beamSearch(GenerationRequest request, int beams, BooleanSupplier cancelled);

    /** Log-likelihood of each continuation (followed by EOS) after {@code [prefix ; prompt]} under {@code adapter}. */
    double[] rank(Embeddings prefix, int[] prompt, List<String> continuations, LoraWeights adapter);
}
