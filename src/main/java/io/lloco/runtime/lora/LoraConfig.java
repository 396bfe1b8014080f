/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.runtime.checkpoint.CheckpointException;
import io.lloco.runtime.model.Projection;

/**
 * A PEFT LoRA {@code adapter_config.json}: rank, alpha, target projections, rsLoRA. Features the runtime
 * does not implement (fan_in_fan_out, biases, DoRA, per-layer patterns, modules_to_save) are refused with
 * an error naming the field rather than silently ignored. The rank is at most {@value #MAX_R} and {@code lora_alpha} at most
 * 4096, the bounds {@code _train} puts on {@code r} and {@code alpha}.
 *
 * @param r rank
 * @param loraAlpha alpha
 * @param targets target projections
 * @param useRslora scale alpha/sqrt(r) instead of alpha/r
 * @param dropout training dropout (informational at inference)
 * @param baseModelNameOrPath the base model the adapter was trained on, or null
 */
public record LoraConfig(int r, double loraAlpha, Set<Projection> targets, boolean useRslora, double dropout, String baseModelNameOrPath) {

    /** The adapter config file name. */
    public static final String FILE = "adapter_config.json";

    /** Largest rank: the bound {@code _train} puts on {@code r}, for uploaded and directory adapters alike. */
    public static final int MAX_R = 256;

    /** Largest {@code lora_alpha}: the bound {@code _train} puts on {@code alpha}. */
    public static final double MAX_ALPHA = 4096;

    /** Validates the values. */
    public LoraConfig {
        if (r <= 0 || r > MAX_R) {
            throw new IllegalArgumentException("LoRA rank r must be between 1 and " + MAX_R + ", got " + r);
        }
        if ((loraAlpha > 0 && loraAlpha <= MAX_ALPHA) == false) {
            throw new IllegalArgumentException("lora_alpha must be in (0, " + (int) MAX_ALPHA + "], got " + loraAlpha);
        }
        if (targets == null || targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA target_modules must name at least one projection");
        }
        targets = Collections.unmodifiableSet(EnumSet.copyOf(targets));
    }

    /** The output multiplier: alpha/sqrt(r) with rsLoRA, else alpha/r. */
    public double scale() {
        return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
    }

    /** Reads and validates {@code adapter_config.json}. */
    public static LoraConfig load(Path file) throws IOException {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(String.format(Locale.ROOT, "adapter config [%s] does not exist", file));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "adapter config [%s] is not valid JSON: %s", file, e.getOriginalMessage())
            );
        }
        return parse(n, file.toString());
    }

    /** Validates a parsed adapter config; {@code source} names it in errors. */
    public static LoraConfig parse(JsonNode n, String source) throws CheckpointException {
        if (n == null || n.isObject() == false) {
            throw bad(source, "(root)", "must be a JSON object");
        }
        String peftType = text(n, "peft_type");
        if (peftType != null && peftType.equals("LORA") == false) {
            throw bad(source, "peft_type", "is \"" + peftType + "\"; only LORA adapters are supported");
        }
        JsonNode rNode = n.get("r");
        // canConvertToInt: asInt() would wrap 4294967304 to 8
        if (rNode == null || rNode.isIntegralNumber() == false || rNode.canConvertToInt() == false || rNode.asInt() <= 0
            || rNode.asInt() > MAX_R) {
            throw bad(source, "r", "must be an integer between 1 and " + MAX_R + ", got " + rNode);
        }
        JsonNode alphaNode = n.get("lora_alpha");
        if (alphaNode == null || alphaNode.isNumber() == false
            || (alphaNode.asDouble() > 0 && alphaNode.asDouble() <= MAX_ALPHA) == false) {
            throw bad(source, "lora_alpha", "must be a number in (0, " + (int) MAX_ALPHA + "], got " + alphaNode);
        }
        if (n.path("fan_in_fan_out").asBoolean(false)) {
            throw bad(source, "fan_in_fan_out", "is true; only fan_in_fan_out=false (weights stored (out, in)) is supported");
        }
        String bias = text(n, "bias");
        if (bias != null && bias.equals("none") == false) {
            throw bad(source, "bias", "is \"" + bias + "\"; only \"none\" is supported");
        }
        if (n.path("use_dora").asBoolean(false)) {
            throw bad(source, "use_dora", "is true; DoRA is not supported");
        }
        for (String f : new String[]{"modules_to_save", "layers_to_transform", "layers_pattern"}) {
            JsonNode v = n.get(f);
            if (v != null && v.isNull() == false && (v.isArray() && v.isEmpty()) == false) {
                throw bad(source, f, "is " + v + "; only null is supported (every layer adapted, no extra trained modules)");
            }
        }
        for (String f : new String[]{"rank_pattern", "alpha_pattern"}) {
            JsonNode v = n.get(f);
            if (v != null && v.isNull() == false && v.isEmpty() == false) {
                throw bad(source, f, "is " + v + "; per-module ranks/alphas are not supported");
            }
        }
        JsonNode t = n.get("target_modules");
        if (t == null || t.isArray() == false || t.isEmpty()) {
            throw bad(source, "target_modules", "must be a non-empty list of projection names, got " + t);
        }
        EnumSet<Projection> targets = EnumSet.noneOf(Projection.class);
        for (JsonNode e : t) {
            Projection p = Projection.fromModuleName(e.asText());
            if (p == null) {
                throw bad(source, "target_modules", "lists unknown module [" + e.asText() + "]; supported: " + supportedModules());
            }
            targets.add(p);
        }
        boolean rs = n.path("use_rslora").asBoolean(false);
        double dropout = n.path("lora_dropout").asDouble(0.0);
        return new LoraConfig(rNode.asInt(), alphaNode.asDouble(), targets, rs, dropout, text(n, "base_model_name_or_path"));
    }

    /** The config as PEFT writes it. */
    public ObjectNode toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("peft_type", "LORA");
        n.put("task_type", "CAUSAL_LM");
        if (baseModelNameOrPath == null) {
            n.putNull("base_model_name_or_path");
        } else {
            n.put("base_model_name_or_path", baseModelNameOrPath);
        }
        n.put("r", r);
        if (loraAlpha == Math.rint(loraAlpha)) {
            n.put("lora_alpha", (long) loraAlpha);
        } else {
            n.put("lora_alpha", loraAlpha);
        }
        n.put("lora_dropout", dropout);
        n.put("bias", "none");
        n.put("fan_in_fan_out", false);
        n.put("use_rslora", useRslora);
        ArrayNode t = n.putArray("target_modules");
        for (Projection p : targets) {
            t.add(p.moduleName());
        }
        n.putNull("modules_to_save");
        n.put("inference_mode", true);
        return n;
    }

    /** A copy naming another base model. */
    public LoraConfig withBaseModel(String base) {
        return new LoraConfig(r, loraAlpha, targets, useRslora, dropout, base);
    }

    private static String supportedModules() {
        List<String> names = new ArrayList<>();
        Arrays.stream(Projection.values()).forEach(p -> names.add(p.moduleName()));
        return names.toString();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static CheckpointException bad(String source, String field, String what) {
        return new CheckpointException(String.format(Locale.ROOT, "adapter config [%s]: field '%s' %s", source, field, what));
    }
}
