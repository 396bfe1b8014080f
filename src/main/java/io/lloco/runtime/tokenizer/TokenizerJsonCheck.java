/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import io.lloco.runtime.checkpoint.BoundedJson;
import io.lloco.runtime.checkpoint.CheckpointException;

/**
 * Checks a {@code tokenizer.json} in Java before the native Hugging Face tokenizers library (Rust, through DJL's JNI
 * binding, 0.21.x) sees it. That library aborts the whole JVM — the node — on a panic, and some malformed or crafted
 * tokenizer files make it panic instead of returning an error (found by the reader fuzz, {@code ReaderFuzzTests}, and
 * known upstream: huggingface/tokenizers#2151):
 * <ul>
 * <li>any JSON error inside the {@code decoder} value ({@code DecoderHelper ... .expect("Helper")}): so the whole file
 * must be JSON that serde_json accepts — one object, nesting within {@link BoundedJson#MAX_DEPTH}, no duplicate keys,
 * no unpaired UTF-16 surrogates (escaped), finite numbers;</li>
 * <li>a {@code Precompiled} normalizer whose charsmap does not parse ({@code .expect("Precompiled")}): refused;</li>
 * <li>a BPE merge whose second part is shorter than {@code continuing_subword_prefix} ({@code &b[prefix_len..]}):
 * every merge's parts and result must be in the vocabulary, as the library checks, after the prefix;</li>
 * <li>at encode/decode time: a {@code Strip} decoder with {@code stop > 0} (index underflow), a
 * {@code TemplateProcessing} post-processor naming a special token it does not define, truncation with
 * {@code stride >= max_length}.</li>
 * </ul>
 * Files that pass are handed to the library unchanged; it still validates the rest (unknown types, bad vocabularies)
 * and returns errors. Memory: one streaming pass, keeping the vocabulary's keys and the merges, and small trees of the
 * other components.
 */
final class TokenizerJsonCheck {

    private final Path file;
    private final Set<String> vocab = new HashSet<>();
    private final List<String[]> merges = new ArrayList<>();
    private boolean modelSeen;
    private String modelType;
    private String continuingPrefix;
    private JsonNode normalizer;
    private JsonNode decoder;
    private JsonNode postProcessor;
    private JsonNode truncation;

    private TokenizerJsonCheck(Path file) {
        this.file = file;
    }

    /** Refuses, with a {@link CheckpointException} naming the file and the part, what would make the library panic. */
    static void check(byte[] json, Path file) throws CheckpointException {
        TokenizerJsonCheck c = new TokenizerJsonCheck(file);
        try (JsonParser p = BoundedJson.treeParser(json)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            c.readTop(p);
        } catch (JsonProcessingException e) {
            throw c.bad("is not valid JSON: " + BoundedJson.clip(e.getOriginalMessage()));
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw c.bad("cannot be read: " + BoundedJson.clip(e.getMessage()));
        }
        c.checkComponents();
    }

    private CheckpointException bad(String what) {
        return new CheckpointException(String.format(Locale.ROOT, "tokenizer [%s] %s", file, what));
    }

    private void readTop(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw bad("is not a JSON object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = text(p);
            JsonToken t = p.nextToken();
            switch (field) {
                case "model" -> {
                    if (t != JsonToken.START_OBJECT) {
                        throw bad("has a \"model\" that is not an object");
                    }
                    modelSeen = true;
                    readModel(p);
                }
                case "normalizer" -> normalizer = tree(p);
                case "decoder" -> decoder = tree(p);
                case "post_processor" -> postProcessor = tree(p);
                case "truncation" -> truncation = tree(p);
                default -> tree(p); // checked for JSON the library accepts, then dropped
            }
        }
        if (p.nextToken() != null) {
            throw bad("has data after its JSON object");
        }
    }

    private void readModel(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = text(p);
            JsonToken t = p.nextToken();
            switch (field) {
                case "type" -> modelType = t == JsonToken.VALUE_STRING ? text(p) : String.valueOf(tree(p));
                case "continuing_subword_prefix" -> continuingPrefix = t == JsonToken.VALUE_STRING ? text(p) : nullOrTree(p, t);
                case "vocab" -> readVocab(p, t);
                case "merges" -> readMerges(p, t);
                default -> tree(p);
            }
        }
    }

    private String nullOrTree(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        tree(p);
        return null;
    }

    /** {@code {"token": id, ...}} (BPE, WordPiece, WordLevel) or {@code [["piece", score], ...]} (Unigram). */
    private void readVocab(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                vocab.add(text(p));
                JsonToken v = p.nextToken();
                if (v.isStructStart()) {
                    tree(p);
                } else {
                    scalar(p, v);
                }
            }
        } else if (t == JsonToken.START_ARRAY) {
            while (p.nextToken() != JsonToken.END_ARRAY) {
                JsonNode entry = tree(p);
                if (entry.isArray() && entry.size() > 0 && entry.get(0).isTextual()) {
                    vocab.add(entry.get(0).textValue());
                }
            }
        } else {
            scalar(p, t);
        }
    }

    /** {@code ["a b", ...]} or {@code [["a", "b"], ...]}. */
    private void readMerges(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            if (t.isStructStart()) {
                tree(p);
            } else {
                scalar(p, t);
            }
            return;
        }
        for (JsonToken m = p.nextToken(); m != JsonToken.END_ARRAY; m = p.nextToken()) {
            if (m == JsonToken.VALUE_STRING) {
                String s = text(p);
                int space = s.indexOf(' ');
                merges.add(space < 0 ? new String[]{s} : new String[]{s.substring(0, space), s.substring(space + 1)});
            } else {
                JsonNode pair = tree(p);
                if (pair.isArray() && pair.size() == 2 && pair.get(0).isTextual() && pair.get(1).isTextual()) {
                    merges.add(new String[]{pair.get(0).textValue(), pair.get(1).textValue()});
                }
            }
        }
    }

    /** The current structure (or scalar) as a tree, checked the way serde_json would read it. */
    private JsonNode tree(JsonParser p) throws IOException {
        JsonNode n = p.readValueAsTree();
        checkTree(n);
        return n;
    }

    private void scalar(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            text(p);
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT && Double.isFinite(p.getDoubleValue()) == false) {
            throw bad("holds a number out of the double range: " + BoundedJson.clip(p.getText()));
        }
    }

    private String text(JsonParser p) throws IOException {
        String s = p.getText();
        checkString(s);
        return s;
    }

    private void checkString(String s) throws CheckpointException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw bad("holds an unpaired UTF-16 surrogate (\\\\u" + Integer.toHexString(c) + ") in a string");
            }
            if (Character.isLowSurrogate(c)) {
                throw bad("holds an unpaired UTF-16 surrogate (\\\\u" + Integer.toHexString(c) + ") in a string");
            }
        }
    }

    private void checkTree(JsonNode n) throws CheckpointException {
        List<JsonNode> todo = new ArrayList<>(List.of(n));
        while (todo.isEmpty() == false) {
            JsonNode x = todo.remove(todo.size() - 1);
            if (x.isTextual()) {
                checkString(x.textValue());
            } else if (x.isFloatingPointNumber() && Double.isFinite(x.doubleValue()) == false) {
                throw bad("holds a number out of the double range");
            } else if (x.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = x.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    checkString(e.getKey());
                    todo.add(e.getValue());
                }
            } else if (x.isArray()) {
                x.forEach(todo::add);
            }
        }
    }

    private void checkComponents() throws CheckpointException {
        if (modelSeen == false) {
            throw bad("has no \"model\" object");
        }
        if (objectsOfType(normalizer, "Precompiled").isEmpty() == false) {
            throw bad("has a \"Precompiled\" normalizer, which this runtime does not load (a SentencePiece charsmap)");
        }
        for (JsonNode n : objectsOfType(decoder, "Strip")) {
            JsonNode stop = n.get("stop");
            if (stop != null && (stop.isIntegralNumber() == false || stop.longValue() != 0)) {
                throw bad("has a \"Strip\" decoder with stop " + BoundedJson.clip(stop.toString()) + ": only stop 0 is supported");
            }
        }
        for (JsonNode n : objectsOfType(postProcessor, "TemplateProcessing")) {
            JsonNode special = n.get("special_tokens");
            for (String id : templateTokens(n.get("single"), n.get("pair"))) {
                if (special == null || special.isObject() == false || special.has(id) == false) {
                    throw bad(
                        "has a TemplateProcessing post_processor that uses special token ["
                            + BoundedJson.clip(id)
                            + "] without defining it in special_tokens"
                    );
                }
            }
        }
        if (truncation != null && truncation.isObject()) {
            JsonNode stride = truncation.get("stride");
            JsonNode max = truncation.get("max_length");
            if (stride != null && max != null && stride.isNumber() && max.isNumber() && stride.doubleValue() >= max.doubleValue()) {
                throw bad("has truncation.stride " + stride + " >= truncation.max_length " + max);
            }
        }
        if (merges.isEmpty() == false && (modelType == null || modelType.equals("BPE"))) {
            byte[] prefix = continuingPrefix == null ? new byte[0] : continuingPrefix.getBytes(StandardCharsets.UTF_8);
            for (String[] m : merges) {
                if (m.length != 2) {
                    continue; // the library refuses a merge that is not a pair, with an error
                }
                byte[] b = m[1].getBytes(StandardCharsets.UTF_8);
                if (b.length < prefix.length || (b.length > prefix.length && (b[prefix.length] & 0xC0) == 0x80)) {
                    throw bad(
                        "has a BPE merge ["
                            + BoundedJson.clip(m[0] + " " + m[1])
                            + "] whose second part does not extend continuing_subword_prefix ["
                            + BoundedJson.clip(continuingPrefix)
                            + "]"
                    );
                }
                String merged = m[0] + new String(b, prefix.length, b.length - prefix.length, StandardCharsets.UTF_8);
                if (vocab.contains(m[0]) == false || vocab.contains(m[1]) == false || vocab.contains(merged) == false) {
                    throw bad("has a BPE merge [" + BoundedJson.clip(m[0] + " " + m[1]) + "] whose parts or result are not in the vocab");
                }
            }
        }
    }

    /** Every object of {@code root} (itself included) whose "type" is {@code type}. */
    private static List<JsonNode> objectsOfType(JsonNode root, String type) {
        List<JsonNode> out = new ArrayList<>();
        if (root == null) {
            return out;
        }
        List<JsonNode> todo = new ArrayList<>(List.of(root));
        while (todo.isEmpty() == false) {
            JsonNode x = todo.remove(todo.size() - 1);
            if (x.isObject() && x.get("type") != null && type.equals(x.get("type").asText())) {
                out.add(x);
            }
            if (x.isContainerNode()) {
                x.forEach(todo::add);
            }
        }
        return out;
    }

    /** Special token ids a template uses: {"SpecialToken": {"id": X}} pieces, or "X:0"/"X" words of a string template. */
    private static Set<String> templateTokens(JsonNode... templates) {
        Set<String> out = new HashSet<>();
        for (JsonNode t : templates) {
            if (t == null) {
                continue;
            }
            List<JsonNode> pieces = new ArrayList<>();
            if (t.isTextual()) {
                for (String w : t.textValue().trim().split("\\s+")) {
                    if (w.isEmpty() == false && w.startsWith("$") == false) {
                        int colon = w.lastIndexOf(':');
                        out.add(colon > 0 ? w.substring(0, colon) : w);
                    }
                }
                continue;
            }
            t.forEach(pieces::add);
            for (JsonNode piece : pieces) {
                if (piece.isTextual()) {
                    String w = piece.textValue();
                    if (w.startsWith("$") == false) {
                        int colon = w.lastIndexOf(':');
                        out.add(colon > 0 ? w.substring(0, colon) : w);
                    }
                } else if (piece.has("SpecialToken") && piece.get("SpecialToken").has("id")) {
                    out.add(piece.get("SpecialToken").get("id").asText());
                }
            }
        }
        return out;
    }
}
