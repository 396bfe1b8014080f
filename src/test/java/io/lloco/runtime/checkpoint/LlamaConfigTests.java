/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.opensearch.test.OpenSearchTestCase;

import com.fasterxml.jackson.databind.ObjectMapper;

public class LlamaConfigTests extends OpenSearchTestCase {

    private static final String AUTOCOMPRESSOR_7B = "{\"architectures\":[\"LlamaAutoCompressorModel\"],\"model_type\":\"llama\","
        + "\"hidden_size\":4096,\"intermediate_size\":11008,\"num_hidden_layers\":32,\"num_attention_heads\":32,"
        + "\"num_key_value_heads\":32,\"rms_norm_eps\":1e-05,\"rope_scaling\":null,\"tie_word_embeddings\":false,"
        + "\"vocab_size\":32000,\"bos_token_id\":1,\"eos_token_id\":2,\"max_position_embeddings\":4096,"
        + "\"summary_length\":50,\"accumulate_summary\":true,\"segment_gradient_checkpointing\":true,\"torch_dtype\":\"bfloat16\","
        + "\"hidden_act\":\"silu\"}";

    private static LlamaConfig parse(String json) throws IOException {
        return LlamaConfig.parse(new ObjectMapper().readTree(json), "test.json");
    }

    public void testAutoCompressorConfig() throws IOException {
        LlamaConfig c = parse(AUTOCOMPRESSOR_7B);
        assertEquals(4096, c.hiddenSize());
        assertEquals(128, c.headDim());
        assertEquals(32, c.numKeyValueHeads());
        assertEquals(1, c.groupSize());
        assertEquals(10000.0, c.ropeTheta(), 0);
        assertEquals(1.0, c.ropeScalingFactor(), 0);
        assertEquals(1e-5, c.rmsNormEps(), 0);
        assertEquals(List.of(2), c.eosTokenIds());
        assertEquals(Integer.valueOf(1), c.bosTokenId());
        assertEquals(50, c.summaryLength());
        assertTrue(c.isAutoCompressor());
        assertTrue(c.accumulateSummary());
        assertFalse(c.tieWordEmbeddings());
    }

    public void testDefaultsAndVariants() throws IOException {
        LlamaConfig c = parse(
            "{\"hidden_size\":64,\"intermediate_size\":96,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                + "\"vocab_size\":128,\"eos_token_id\":[2,7],\"rope_scaling\":{\"type\":\"linear\",\"factor\":4.0},"
                + "\"rope_theta\":500000.0,\"tie_word_embeddings\":true}"
        );
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(List.of(2, 7), c.eosTokenIds());
        assertEquals(4.0, c.ropeScalingFactor(), 0);
        assertEquals(500000.0, c.ropeTheta(), 0);
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.isAutoCompressor());
        assertEquals(0, c.summaryLength());
        // new-style rope_type key, and "default" meaning no scaling
        assertEquals(
            2.0,
            parse(AUTOCOMPRESSOR_7B.replace("\"rope_scaling\":null", "\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":2}"))
                .ropeScalingFactor(),
            0
        );
        assertEquals(
            1.0,
            parse(AUTOCOMPRESSOR_7B.replace("\"rope_scaling\":null", "\"rope_scaling\":{\"rope_type\":\"default\"}")).ropeScalingFactor(),
            0
        );
        // explicit head_dim
        assertEquals(64, parse(AUTOCOMPRESSOR_7B.replace("\"hidden_act\"", "\"head_dim\":64,\"hidden_act\"")).headDim());
    }

    public void testErrorsNameTheField() throws IOException {
        assertBad(AUTOCOMPRESSOR_7B.replace("\"hidden_size\":4096,", ""), "'hidden_size' is missing");
        assertBad(
            AUTOCOMPRESSOR_7B.replace("\"num_key_value_heads\":32", "\"num_key_value_heads\":5"),
            "'num_key_value_heads' must divide"
        );
        assertBad(
            AUTOCOMPRESSOR_7B.replace("\"rope_scaling\":null", "\"rope_scaling\":{\"type\":\"dynamic\",\"factor\":2.0}"),
            "only \"linear\""
        );
        assertBad(
            AUTOCOMPRESSOR_7B.replace("\"rope_scaling\":null", "\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0}"),
            "\"llama3\""
        );
        assertBad(AUTOCOMPRESSOR_7B.replace("\"rope_scaling\":null", "\"rope_scaling\":{\"type\":\"linear\"}"), "'rope_scaling.factor'");
        assertBad(AUTOCOMPRESSOR_7B.replace("\"vocab_size\":32000", "\"vocab_size\":\"big\""), "'vocab_size' must be a positive integer");
        assertBad(AUTOCOMPRESSOR_7B.replace("\"rms_norm_eps\":1e-05", "\"rms_norm_eps\":-1"), "'rms_norm_eps'");
        assertBad(AUTOCOMPRESSOR_7B.replace("\"eos_token_id\":2", "\"eos_token_id\":32000"), "'eos_token_id'");
        assertBad(AUTOCOMPRESSOR_7B.replace("\"summary_length\":50", "\"summary_length\":-3"), "'summary_length'");
        assertBad(AUTOCOMPRESSOR_7B.replace("\"hidden_act\":\"silu\"", "\"hidden_act\":\"gelu\""), "'hidden_act'");
        assertBad(AUTOCOMPRESSOR_7B.replace("\"hidden_act\"", "\"attention_bias\":true,\"hidden_act\""), "'attention_bias'");
        assertBad(AUTOCOMPRESSOR_7B.replace("\"hidden_act\"", "\"head_dim\":63,\"hidden_act\""), "'head_dim'");
        assertBad("[1,2]", "must be a JSON object");
    }

    private static void assertBad(String json, String expected) {
        CheckpointException e = expectThrows(CheckpointException.class, () -> parse(json));
        assertTrue(e.getMessage(), e.getMessage().contains(expected));
        assertTrue(e.getMessage(), e.getMessage().contains("test.json"));
    }

    public void testLoadFromFileAndRoundTrip() throws IOException {
        Path dir = createTempDir();
        Path f = dir.resolve("config.json");
        Files.writeString(f, AUTOCOMPRESSOR_7B, StandardCharsets.UTF_8);
        LlamaConfig c = LlamaConfig.load(f);
        Path g = dir.resolve("again.json");
        Files.writeString(g, c.toJson().toString(), StandardCharsets.UTF_8);
        LlamaConfig again = LlamaConfig.load(g);
        assertEquals(c.toString(), again.toString());
        assertTrue("unknown keys survive", again.toJson().get("segment_gradient_checkpointing").booleanValue());
        CheckpointException missing = expectThrows(CheckpointException.class, () -> LlamaConfig.load(dir.resolve("nope.json")));
        assertTrue(missing.getMessage(), missing.getMessage().contains("does not exist"));
        Files.writeString(g, "{not json", StandardCharsets.UTF_8);
        CheckpointException bad = expectThrows(CheckpointException.class, () -> LlamaConfig.load(g));
        assertTrue(bad.getMessage(), bad.getMessage().contains("not valid JSON"));
    }

    public void testBuilderValidates() {
        IllegalArgumentException e = expectThrows(
            IllegalArgumentException.class,
            () -> LlamaConfig.builder().hiddenSize(32).intermediateSize(64).numHiddenLayers(1).numAttentionHeads(3).vocabSize(10).build()
        );
        assertTrue(e.getMessage(), e.getMessage().contains("head_dim"));
    }
}
