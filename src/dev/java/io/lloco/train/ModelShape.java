/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.checkpoint.LlamaConfig;

/**
 * The shape of a model trained from scratch: a small AutoCompressor-style Llama with tied embeddings, a
 * summary-token table of {@code summaryLength} rows, and the default segment length stored under the config
 * key {@value #SEGMENT_KEY} (AutoCompressor's own config has only {@code summary_length}).
 *
 * @param hidden hidden size
 * @param layers decoder layers
 * @param heads attention heads
 * @param kvHeads key/value heads (GQA when fewer than heads)
 * @param ffn MLP width
 * @param vocab vocabulary size (the tokenizer's)
 * @param summaryLength summary vectors per segment
 * @param segmentTokens default tokens per segment
 * @param maxPositions {@code max_position_embeddings}
 */
public record ModelShape(int hidden, int layers, int heads, int kvHeads, int ffn, int vocab, int summaryLength, int segmentTokens,
    int maxPositions) {

    /** The config key holding the default segment length. */
    public static final String SEGMENT_KEY = "lloco_segment_tokens";

    /** Validates the numbers. */
    public ModelShape {
        if (hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || ffn <= 0 || vocab <= 0 || summaryLength <= 0
            || segmentTokens <= 0) {
            throw new IllegalArgumentException("every model shape field must be > 0: " + this);
        }
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "hidden %d must divide by heads %d, heads by kv heads %d", hidden, heads, kvHeads)
            );
        }
    }

    /** lloco-tiny: hidden 256, 4 layers, 8 heads (4 kv), ffn 768, 16 summaries per 512-token segment. */
    public static ModelShape tiny(int vocab) {
        return new ModelShape(256, 4, 8, 4, 768, vocab, 16, 512, 2048);
    }

    /** A very small shape for CI: hidden 64, 2 layers, 4 heads, ffn 128, 4 summaries per 64-token segment. */
    public static ModelShape ci(int vocab) {
        return new ModelShape(64, 2, 4, 2, 128, vocab, 4, 64, 1024);
    }

    /** The Hugging Face config.json as JSON (Llama keys + summary_length + {@value #SEGMENT_KEY}). */
    public ObjectNode toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putArray("architectures").add("LlamaForCausalLM");
        n.put("model_type", "llama");
        n.put("hidden_size", hidden);
        n.put("intermediate_size", ffn);
        n.put("num_hidden_layers", layers);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", kvHeads);
        n.put("hidden_act", "silu");
        n.put("rms_norm_eps", 1e-5);
        n.put("rope_theta", 10000.0);
        n.put("tie_word_embeddings", true);
        n.put("vocab_size", vocab);
        n.put("bos_token_id", 1);
        n.put("eos_token_id", 2);
        n.put("pad_token_id", 3);
        n.put("max_position_embeddings", maxPositions);
        n.put("summary_length", summaryLength);
        n.put("accumulate_summary", true);
        n.put(SEGMENT_KEY, segmentTokens);
        n.put("torch_dtype", "float16");
        return n;
    }

    /** The validated runtime config (keeps {@value #SEGMENT_KEY} for a save/load round trip). */
    public LlamaConfig toConfig() {
        try {
            return LlamaConfig.parse(toJson(), "lloco model shape");
        } catch (CheckpointException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The default segment length of a config: {@value #SEGMENT_KEY}, else 512. */
    public static int segmentTokens(LlamaConfig config) {
        return config.toJson().path(SEGMENT_KEY).asInt(512);
    }
}
