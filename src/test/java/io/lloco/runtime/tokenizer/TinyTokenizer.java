/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a small Llama-2-style {@code tokenizer.json} (BPE with a "▁" word-boundary marker, a BOS template
 * post-processor, Llama's decoder chain): ids 0-2 are {@code <unk> <s> </s>}, then "▁", a-z, A-Z, digits, some
 * punctuation and a few merges ("▁t", "he", "▁the", "in", "▁in"). 80 tokens.
 */
public final class TinyTokenizer {

    private TinyTokenizer() {
    }

    public static final int VOCAB = 80;

    public static Map<String, Integer> vocab() {
        Map<String, Integer> v = new LinkedHashMap<>();
        v.put("<unk>", 0);
        v.put("<s>", 1);
        v.put("</s>", 2);
        v.put("\u2581", 3);
        for (char ch = 'a'; ch <= 'z'; ch++) {
            v.put(String.valueOf(ch), v.size());
        }
        for (char ch = 'A'; ch <= 'Z'; ch++) {
            v.put(String.valueOf(ch), v.size());
        }
        for (char ch = '0'; ch <= '9'; ch++) {
            v.put(String.valueOf(ch), v.size());
        }
        for (String p : new String[]{".", ",", "?", "!", ":", "\u2581t", "he", "\u2581the", "in", "\u2581in", "'", "-", ";", "("}) {
            v.put(p, v.size());
        }
        if (v.size() != VOCAB) {
            throw new AssertionError(v.size());
        }
        return v;
    }

    public static Path write(Path dir) throws IOException {
        StringBuilder vocab = new StringBuilder();
        for (Map.Entry<String, Integer> e : vocab().entrySet()) {
            vocab.append(vocab.length() == 0 ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
        }
        String special = "\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true";
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
            + "\"added_tokens\":[{\"id\":0,\"content\":\"<unk>\"," + special + "},{\"id\":1,\"content\":\"<s>\"," + special
            + "},{\"id\":2,\"content\":\"</s>\"," + special + "}],"
            + "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\u2581\"},"
            + "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\u2581\"}]},"
            + "\"pre_tokenizer\":null,"
            + "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
            + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"pair\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
            + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":1}},"
            + "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}],\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[1],\"tokens\":[\"<s>\"]}}},"
            + "\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\u2581\"},\"content\":\" \"},"
            + "{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]},"
            + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\"<unk>\",\"continuing_subword_prefix\":null,"
            + "\"end_of_word_suffix\":null,\"fuse_unk\":true,\"byte_fallback\":false,"
            + "\"vocab\":{" + vocab + "},"
            + "\"merges\":[\"\u2581 t\",\"h e\",\"\u2581t he\",\"i n\",\"\u2581 in\"]}}";
        Files.createDirectories(dir);
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, json, StandardCharsets.UTF_8);
        return f;
    }
}
