/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.ingest;

import java.util.List;

import org.opensearch.core.action.ActionListener;

import io.lloco.engine.ModelInfo;
import io.lloco.engine.SummaryEncoder;
import io.lloco.runtime.compress.Segmentation;

/**
 * Where compression runs: on this node or on a {@code lloco} node. Asynchronous; never blocks the caller. Everything
 * that needs the model's weights or tokenizer (token counting, the {@code max_tokens} check, the model's facts) happens
 * where the model runs, so an ingest node never loads a model while the cluster has a {@code lloco} node.
 */
public interface CompressService {

    /** Whether {@code model} is known on this node (embedded or under the config directory); never loads it. */
    boolean knows(String model);

    /** Ids of the models this node knows, for error messages. */
    List<String> knownModels();

    /** Compresses a batch of documents; per-document problems are per-document outcomes, not a failure. */
    void compress(Job job, ActionListener<Result> listener);

    /**
     * One batch of documents to compress.
     *
     * @param model model id
     * @param field the source field (named in per-document errors)
     * @param texts one text per document, not empty
     * @param segmentTokens segment length, or null for the model's default
     * @param independent compress each segment alone instead of accumulating summaries
     * @param boundary where segments are cut: every segment length, or after whole sentences
     * @param maxTokens documents over this many tokens fail alone
     * @param maxNestedObjects documents whose segments and sentences would be more nested objects than this fail alone,
     *     before compression ({@code index.mapping.nested_objects.limit} of the target index; 0: no check)
     * @param indexSentences whether each segment's sentences are stored (nested objects too)
     */
    record Job(
        String model,
        String field,
        List<String> texts,
        Integer segmentTokens,
        boolean independent,
        Segmentation.Boundary boundary,
        int maxTokens,
        long maxNestedObjects,
        boolean indexSentences) {
    }

    /** One document's outcome: its compressed form, or why it failed. */
    record Outcome(SummaryEncoder.Encoded encoded, Exception error) {
    }

    /**
     * A compressed batch.
     *
     * @param info facts of the model that ran
     * @param segmentTokens the segment length used
     * @param node id of the node that ran the model
     * @param outcomes one per text, in order
     */
    record Result(ModelInfo info, int segmentTokens, String node, List<Outcome> outcomes) {
    }
}
