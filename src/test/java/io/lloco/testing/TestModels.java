/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.ndarray.NDManager;

import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.model.LlamaWeights;

/** Writes small random AutoCompressor checkpoints (real HF layout + the project tokenizer) for plugin tests. */
public final class TestModels {

    private TestModels() {
    }

    /** Vocabulary size of the project tokenizer. */
    public static int tokenizerVocab() throws IOException {
        try (InputStream in = TestModels.class.getResourceAsStream("/io/lloco/models/lloco-tiny/tokenizer.json")) {
            return new ObjectMapper().readTree(in).path("model").path("vocab").size();
        }
    }

    /**
     * A random AutoCompressor: hidden 32, 2 layers, 4 heads (2 kv), summary length 4, segments of {@code segmentTokens},
     * saved to {@code dir} with {@code tokenizer.json} and {@code lloco.json}.
     */
    public static Path writeRandomAutoCompressor(Path dir, long seed, int segmentTokens) throws IOException {
        Files.createDirectories(dir);
        LlamaConfig config = LlamaConfig.builder()
            .hiddenSize(32)
            .intermediateSize(64)
            .numHiddenLayers(2)
            .numAttentionHeads(4)
            .numKeyValueHeads(2)
            .vocabSize(tokenizerVocab())
            .tieWordEmbeddings(true)
            .maxPositionEmbeddings(2048)
            .summaryLength(4)
            .build();
        try (NDManager m = NDManager.newBaseManager(); LlamaWeights w = LlamaWeights.random(config, m, seed, 0.2)) {
            w.save(dir);
        }
        try (InputStream in = TestModels.class.getResourceAsStream("/io/lloco/models/lloco-tiny/tokenizer.json")) {
            Files.copy(in, dir.resolve("tokenizer.json"));
        }
        Files.writeString(dir.resolve("lloco.json"), "{\"segment_tokens\": " + segmentTokens + "}");
        return dir;
    }
}
