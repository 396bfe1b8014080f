/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The subset of a Hugging Face Llama {@code config.json} the runtime needs, validated, plus the
 * AutoCompressor fields {@code summary_length} (0 or absent: a plain Llama) and {@code accumulate_summary}.
 *
 * <p>Unknown keys are kept (see {@link #toJson()}) so a config survives a load/save round trip.
 */
public final class LlamaConfig {

    private final int hiddenSize;
    private final int intermediateSize;
    private final int numHiddenLayers;
    private final int numAttentionHeads;
    private final int numKeyValueHeads;
    private final int headDim;
    private final double rmsNormEps;
    private final double ropeTheta;
    private final double ropeScalingFactor;
    private final boolean tieWordEmbeddings;
    private final int vocabSize;
    private final Integer bosTokenId;
    private final List<Integer> eosTokenIds;
    private final int maxPositionEmbeddings;
    private final int summaryLength;
    private final boolean accumulateSummary;
    private final ObjectNode raw;

    private LlamaConfig(Builder b, ObjectNode raw) {
        this.hiddenSize = b.hiddenSize;
        this.intermediateSize = b.intermediateSize;
        this.numHiddenLayers = b.numHiddenLayers;
        this.numAttentionHeads = b.numAttentionHeads;
        this.numKeyValueHeads = b.numKeyValueHeads;
        this.headDim = b.headDim;
        this.rmsNormEps = b.rmsNormEps;
        this.ropeTheta = b.ropeTheta;
        this.ropeScalingFactor = b.ropeScalingFactor;
        this.tieWordEmbeddings = b.tieWordEmbeddings;
        this.vocabSize = b.vocabSize;
        this.bosTokenId = b.bosTokenId;
        this.eosTokenIds = List.copyOf(b.eosTokenIds);
        this.maxPositionEmbeddings = b.maxPositionEmbeddings;
        this.summaryLength = b.summaryLength;
        this.accumulateSummary = b.accumulateSummary;
        this.raw = raw;
    }

    /** A {@code config.json} larger than this is refused (real ones are a few kilobytes). */
    public static final long MAX_CONFIG_BYTES = 4L * 1024 * 1024;

    /** Reads and validates {@code config.json} (at most {@link #MAX_CONFIG_BYTES}, parsed with {@link BoundedJson}). */
    public static LlamaConfig load(Path file) throws IOException {
        byte[] bytes = BoundedJson.readCapped(file, MAX_CONFIG_BYTES, "model config");
        return parse(BoundedJson.readTree(bytes, file, "model config"), file.toString());
    }

    /** Validates a parsed config; {@code source} names it in error messages. */
    public static LlamaConfig parse(JsonNode node, String source) throws CheckpointException {
        if (node == null || node.isObject() == false) {
            throw new CheckpointException(String.format(Locale.ROOT, "model config [%s] must be a JSON object", source));
        }
        Reader r = new Reader(node, source);
        Builder b = new Builder();
        b.hiddenSize = r.positiveInt("hidden_size", null);
        b.intermediateSize = r.positiveInt("intermediate_size", null);
        b.numHiddenLayers = r.positiveInt("num_hidden_layers", null);
        b.numAttentionHeads = r.positiveInt("num_attention_heads", null);
        b.numKeyValueHeads = r.positiveInt("num_key_value_heads", b.numAttentionHeads);
        Integer defaultHeadDim = b.hiddenSize % b.numAttentionHeads == 0 ? b.hiddenSize / b.numAttentionHeads : null;
        b.headDim = r.positiveInt("head_dim", defaultHeadDim);
        b.rmsNormEps = r.positiveDouble("rms_norm_eps", 1e-6);
        b.ropeTheta = r.positiveDouble("rope_theta", 10000.0);
        b.ropeScalingFactor = r.ropeScalingFactor();
        b.tieWordEmbeddings = r.bool("tie_word_embeddings", false);
        b.vocabSize = r.positiveInt("vocab_size", null);
        b.bosTokenId = r.optionalTokenId("bos_token_id");
        b.eosTokenIds = r.tokenIds("eos_token_id");
        b.maxPositionEmbeddings = r.positiveInt("max_position_embeddings", 2048);
        b.summaryLength = r.nonNegativeInt("summary_length", 0);
        b.accumulateSummary = r.bool("accumulate_summary", true);
        r.requireString("hidden_act", "silu");
        r.requireFalse("attention_bias");
        r.requireFalse("mlp_bias");
        return b.build(source, node.deepCopy());
    }

    /** A builder for configs made in code (tests, benchmarks, training from scratch). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.hiddenSize = hiddenSize;
        b.intermediateSize = intermediateSize;
        b.numHiddenLayers = numHiddenLayers;
        b.numAttentionHeads = numAttentionHeads;
        b.numKeyValueHeads = numKeyValueHeads;
        b.headDim = headDim;
        b.rmsNormEps = rmsNormEps;
        b.ropeTheta = ropeTheta;
        b.ropeScalingFactor = ropeScalingFactor;
        b.tieWordEmbeddings = tieWordEmbeddings;
        b.vocabSize = vocabSize;
        b.bosTokenId = bosTokenId;
        b.eosTokenIds = new ArrayList<>(eosTokenIds);
        b.maxPositionEmbeddings = maxPositionEmbeddings;
        b.summaryLength = summaryLength;
        b.accumulateSummary = accumulateSummary;
        return b;
    }

    /** Model width. */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** MLP width. */
    public int intermediateSize() {
        return intermediateSize;
    }

    /** Number of decoder layers. */
    public int numHiddenLayers() {
        return numHiddenLayers;
    }

    /** Number of query heads. */
    public int numAttentionHeads() {
        return numAttentionHeads;
    }

    /** Number of key/value heads (equal to {@link #numAttentionHeads()} for MHA). */
    public int numKeyValueHeads() {
        return numKeyValueHeads;
    }

    /** Per-head dimension. */
    public int headDim() {
        return headDim;
    }

    /** RMSNorm epsilon. */
    public double rmsNormEps() {
        return rmsNormEps;
    }

    /** RoPE base. */
    public double ropeTheta() {
        return ropeTheta;
    }

    /** Linear RoPE scaling factor: positions are divided by it (1 when there is no scaling). */
    public double ropeScalingFactor() {
        return ropeScalingFactor;
    }

    /** Whether the output head reuses the input embedding matrix. */
    public boolean tieWordEmbeddings() {
        return tieWordEmbeddings;
    }

    /** Vocabulary size. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The BOS id, or null when the config has none. */
    public Integer bosTokenId() {
        return bosTokenId;
    }

    /** The EOS ids (a config may list several); possibly empty. */
    public List<Integer> eosTokenIds() {
        return eosTokenIds;
    }

    /** Trained context length (informational; the runtime does not cap positions). */
    public int maxPositionEmbeddings() {
        return maxPositionEmbeddings;
    }

    /** AutoCompressor summary vectors per segment; 0 for a plain Llama. */
    public int summaryLength() {
        return summaryLength;
    }

    /** Whether this is an AutoCompressor (it has an {@code embed_summary} table). */
    public boolean isAutoCompressor() {
        return summaryLength > 0;
    }

    /** AutoCompressor: whether summaries accumulate across segments. */
    public boolean accumulateSummary() {
        return accumulateSummary;
    }

    /** Query heads per key/value head. */
    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** The config as JSON: the original keys (if parsed) with the runtime's fields written over them. */
    public ObjectNode toJson() {
        ObjectNode n = raw == null ? new ObjectMapper().createObjectNode() : raw.deepCopy();
        if (n.has("architectures") == false) {
            n.putArray("architectures").add("LlamaForCausalLM");
        }
        if (n.has("model_type") == false) {
            n.put("model_type", "llama");
        }
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numHiddenLayers);
        n.put("num_attention_heads", numAttentionHeads);
        n.put("num_key_value_heads", numKeyValueHeads);
        n.put("head_dim", headDim);
        n.put("hidden_act", "silu");
        n.put("rms_norm_eps", rmsNormEps);
        n.put("rope_theta", ropeTheta);
        if (ropeScalingFactor == 1.0) {
            n.putNull("rope_scaling");
        } else {
            ObjectNode rs = n.putObject("rope_scaling");
            rs.put("type", "linear");
            rs.put("factor", ropeScalingFactor);
        }
        n.put("tie_word_embeddings", tieWordEmbeddings);
        n.put("vocab_size", vocabSize);
        if (bosTokenId == null) {
            n.putNull("bos_token_id");
        } else {
            n.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.isEmpty()) {
            n.putNull("eos_token_id");
        } else if (eosTokenIds.size() == 1) {
            n.put("eos_token_id", eosTokenIds.get(0));
        } else {
            ArrayNode a = n.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        n.put("max_position_embeddings", maxPositionEmbeddings);
        if (summaryLength > 0) {
            n.put("summary_length", summaryLength);
            n.put("accumulate_summary", accumulateSummary);
        } else {
            n.remove("summary_length");
            n.remove("accumulate_summary");
        }
        return n;
    }

    @Override
    public String toString() {
        return String.format(
            Locale.ROOT,
            "Llama[hidden=%d, ffn=%d, layers=%d, heads=%d, kv=%d, headDim=%d, vocab=%d, tied=%s, theta=%s, ropeFactor=%s, summary=%d]",
            hiddenSize,
            intermediateSize,
            numHiddenLayers,
            numAttentionHeads,
            numKeyValueHeads,
            headDim,
            vocabSize,
            tieWordEmbeddings,
            ropeTheta,
            ropeScalingFactor,
            summaryLength
        );
    }

    /** Mutable config builder; {@link #build()} validates. */
    public static final class Builder {

        private int hiddenSize;
        private int intermediateSize;
        private int numHiddenLayers;
        private int numAttentionHeads;
        private int numKeyValueHeads;
        private int headDim;
        private double rmsNormEps = 1e-5;
        private double ropeTheta = 10000.0;
        private double ropeScalingFactor = 1.0;
        private boolean tieWordEmbeddings;
        private int vocabSize;
        private Integer bosTokenId = 1;
        private List<Integer> eosTokenIds = new ArrayList<>(List.of(2));
        private int maxPositionEmbeddings = 4096;
        private int summaryLength;
        private boolean accumulateSummary = true;

        private Builder() {
        }

        /** Sets {@code hidden_size}. */
        public Builder hiddenSize(int v) {
            hiddenSize = v;
            return this;
        }

        /** Sets {@code intermediate_size}. */
        public Builder intermediateSize(int v) {
            intermediateSize = v;
            return this;
        }

        /** Sets {@code num_hidden_layers}. */
        public Builder numHiddenLayers(int v) {
            numHiddenLayers = v;
            return this;
        }

        /** Sets {@code num_attention_heads}. */
        public Builder numAttentionHeads(int v) {
            numAttentionHeads = v;
            return this;
        }

        /** Sets {@code num_key_value_heads} (0: same as heads). */
        public Builder numKeyValueHeads(int v) {
            numKeyValueHeads = v;
            return this;
        }

        /** Sets {@code head_dim} (0: hidden / heads). */
        public Builder headDim(int v) {
            headDim = v;
            return this;
        }

        /** Sets {@code rms_norm_eps}. */
        public Builder rmsNormEps(double v) {
            rmsNormEps = v;
            return this;
        }

        /** Sets {@code rope_theta}. */
        public Builder ropeTheta(double v) {
            ropeTheta = v;
            return this;
        }

        /** Sets the linear {@code rope_scaling} factor (1: none). */
        public Builder ropeScalingFactor(double v) {
            ropeScalingFactor = v;
            return this;
        }

        /** Sets {@code tie_word_embeddings}. */
        public Builder tieWordEmbeddings(boolean v) {
            tieWordEmbeddings = v;
            return this;
        }

        /** Sets {@code vocab_size}. */
        public Builder vocabSize(int v) {
            vocabSize = v;
            return this;
        }

        /** Sets {@code bos_token_id} (null: none). */
        public Builder bosTokenId(Integer v) {
            bosTokenId = v;
            return this;
        }

        /** Sets {@code eos_token_id}. */
        public Builder eosTokenIds(List<Integer> v) {
            eosTokenIds = new ArrayList<>(v);
            return this;
        }

        /** Sets {@code max_position_embeddings}. */
        public Builder maxPositionEmbeddings(int v) {
            maxPositionEmbeddings = v;
            return this;
        }

        /** Sets the AutoCompressor {@code summary_length} (0: plain Llama). */
        public Builder summaryLength(int v) {
            summaryLength = v;
            return this;
        }

        /** Sets {@code accumulate_summary}. */
        public Builder accumulateSummary(boolean v) {
            accumulateSummary = v;
            return this;
        }

        /** Validates and builds. */
        public LlamaConfig build() {
            try {
                return build("builder", null);
            } catch (CheckpointException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }

        private LlamaConfig build(String source, ObjectNode raw) throws CheckpointException {
            if (numKeyValueHeads == 0) {
                numKeyValueHeads = numAttentionHeads;
            }
            if (headDim == 0 && numAttentionHeads > 0 && hiddenSize % numAttentionHeads == 0) {
                headDim = hiddenSize / numAttentionHeads;
            }
            check(source, hiddenSize > 0, "hidden_size", "must be > 0, got " + hiddenSize);
            check(source, intermediateSize > 0, "intermediate_size", "must be > 0, got " + intermediateSize);
            check(source, numHiddenLayers > 0, "num_hidden_layers", "must be > 0, got " + numHiddenLayers);
            check(source, numAttentionHeads > 0, "num_attention_heads", "must be > 0, got " + numAttentionHeads);
            check(source, vocabSize > 0, "vocab_size", "must be > 0, got " + vocabSize);
            check(
                source,
                numKeyValueHeads > 0 && numAttentionHeads % numKeyValueHeads == 0,
                "num_key_value_heads",
                String.format(Locale.ROOT, "must divide num_attention_heads (%d), got %d", numAttentionHeads, numKeyValueHeads)
            );
            check(
                source,
                headDim > 0 && headDim % 2 == 0,
                "head_dim",
                "must be a positive even number (RoPE rotates pairs), got " + headDim
            );
            check(source, rmsNormEps > 0, "rms_norm_eps", "must be > 0, got " + rmsNormEps);
            check(source, ropeTheta > 0, "rope_theta", "must be > 0, got " + ropeTheta);
            check(source, ropeScalingFactor > 0, "rope_scaling.factor", "must be > 0, got " + ropeScalingFactor);
            check(source, summaryLength >= 0, "summary_length", "must be >= 0, got " + summaryLength);
            for (int id : eosTokenIds) {
                check(source, id >= 0 && id < vocabSize, "eos_token_id", "id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
            }
            if (bosTokenId != null) {
                check(
                    source,
                    bosTokenId >= 0 && bosTokenId < vocabSize,
                    "bos_token_id",
                    "id " + bosTokenId + " is outside the vocabulary [0, " + vocabSize + ")"
                );
            }
            return new LlamaConfig(this, raw);
        }

        private static void check(String source, boolean ok, String field, String message) throws CheckpointException {
            if (ok == false) {
                throw new CheckpointException(String.format(Locale.ROOT, "model config [%s]: field '%s' %s", source, field, message));
            }
        }
    }

    /** Field readers that name the field and the file in every error. */
    private static final class Reader {

        private final JsonNode node;
        private final String source;

        Reader(JsonNode node, String source) {
            this.node = node;
            this.source = source;
        }

        private CheckpointException bad(String field, String what) {
            return new CheckpointException(String.format(Locale.ROOT, "model config [%s]: field '%s' %s", source, field, what));
        }

        private JsonNode get(String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : v;
        }

        int positiveInt(String field, Integer dflt) throws CheckpointException {
            JsonNode v = get(field);
            if (v == null) {
                if (dflt == null) {
                    throw bad(field, "is missing");
                }
                return dflt;
            }
            if (v.isIntegralNumber() == false || v.canConvertToInt() == false || v.intValue() <= 0) {
                throw bad(field, "must be a positive integer, got " + BoundedJson.clip(v));
            }
            return v.intValue();
        }

        int nonNegativeInt(String field, int dflt) throws CheckpointException {
            JsonNode v = get(field);
            if (v == null) {
                return dflt;
            }
            if (v.isIntegralNumber() == false || v.canConvertToInt() == false || v.intValue() < 0) {
                throw bad(field, "must be a non-negative integer, got " + BoundedJson.clip(v));
            }
            return v.intValue();
        }

        double positiveDouble(String field, double dflt) throws CheckpointException {
            JsonNode v = get(field);
            if (v == null) {
                return dflt;
            }
            if (v.isNumber() == false || (v.doubleValue() > 0) == false || Double.isInfinite(v.doubleValue())) {
                throw bad(field, "must be a positive number, got " + BoundedJson.clip(v));
            }
            return v.doubleValue();
        }

        boolean bool(String field, boolean dflt) throws CheckpointException {
            JsonNode v = get(field);
            if (v == null) {
                return dflt;
            }
            if (v.isBoolean() == false) {
                throw bad(field, "must be true or false, got " + BoundedJson.clip(v));
            }
            return v.booleanValue();
        }

        void requireString(String field, String expected) throws CheckpointException {
            JsonNode v = get(field);
            if (v != null && (v.isTextual() == false || expected.equals(v.textValue()) == false)) {
                throw bad(field, "must be \"" + expected + "\" (the only supported value), got " + BoundedJson.clip(v));
            }
        }

        void requireFalse(String field) throws CheckpointException {
            if (bool(field, false)) {
                throw bad(field, "is true, but biases are not supported by this runtime");
            }
        }

        Integer optionalTokenId(String field) throws CheckpointException {
            JsonNode v = get(field);
            if (v == null) {
                return null;
            }
            if (v.isArray() && v.size() > 0) {
                v = v.get(0);
            }
            if (v.isIntegralNumber() == false || v.canConvertToInt() == false) {
                throw bad(field, "must be an integer token id, got " + BoundedJson.clip(v));
            }
            return v.intValue();
        }

        List<Integer> tokenIds(String field) throws CheckpointException {
            JsonNode v = get(field);
            List<Integer> out = new ArrayList<>();
            if (v == null) {
                return out;
            }
            if (v.isArray()) {
                for (JsonNode e : v) {
                    if (e.isIntegralNumber() == false || e.canConvertToInt() == false) {
                        throw bad(field, "must be an integer or a list of integers, got " + BoundedJson.clip(v));
                    }
                    out.add(e.intValue());
                }
                return out;
            }
            if (v.isIntegralNumber() == false || v.canConvertToInt() == false) {
                throw bad(field, "must be an integer or a list of integers, got " + BoundedJson.clip(v));
            }
            out.add(v.intValue());
            return out;
        }

        double ropeScalingFactor() throws CheckpointException {
            JsonNode v = get("rope_scaling");
            if (v == null) {
                return 1.0;
            }
            if (v.isObject() == false) {
                throw bad(
                    "rope_scaling",
                    "must be null or an object like {\"type\": \"linear\", \"factor\": 2.0}, got " + BoundedJson.clip(v)
                );
            }
            JsonNode type = v.get("rope_type");
            if (type == null || type.isNull()) {
                type = v.get("type");
            }
            String kind = type == null || type.isNull() ? null : type.asText();
            if ("default".equals(kind)) {
                return 1.0;
            }
            if ("linear".equals(kind) == false) {
                throw bad(
                    "rope_scaling",
                    "has type " + (kind == null ? "(missing)" : "\"" + BoundedJson.clip(kind) + "\"")
                        + "; only \"linear\" RoPE scaling is supported"
                );
            }
            JsonNode f = v.get("factor");
            if (f == null || f.isNumber() == false || (f.doubleValue() > 0) == false) {
                throw bad("rope_scaling.factor", "must be a positive number, got " + BoundedJson.clip(f));
            }
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                String k = e.getKey();
                if (k.equals("type") == false && k.equals("rope_type") == false && k.equals("factor") == false) {
                    throw bad("rope_scaling." + BoundedJson.clip(k), "is not supported with linear scaling; remove it");
                }
            }
            return f.doubleValue();
        }
    }
}
