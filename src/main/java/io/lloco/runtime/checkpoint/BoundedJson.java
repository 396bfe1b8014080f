/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JSON of checkpoint directories (safetensors headers, {@code config.json}, shard indexes, {@code tokenizer.json})
 * read with stated bounds, so a hostile file costs at most a small multiple of its own size: files are read only up to
 * a per-kind cap ({@link #readCapped}), parsing refuses nesting deeper than {@value #MAX_DEPTH}, numbers longer than
 * {@value #MAX_NUMBER_CHARS} characters and names longer than {@value #MAX_NAME_CHARS}, and field names are neither
 * canonicalized nor interned (hostile names never enter a JVM-wide table). Messages quote file content clipped to
 * {@value #MAX_QUOTE_CHARS} characters ({@link #clip}).
 */
public final class BoundedJson {

    /** Deepest nesting accepted (real checkpoint JSON nests 3-10 levels). */
    public static final int MAX_DEPTH = 64;
    /** Longest number literal accepted. */
    public static final int MAX_NUMBER_CHARS = 64;
    /** Longest field name accepted (tensor names are under 200 characters). */
    public static final int MAX_NAME_CHARS = 64 * 1024;
    /** Longest string value accepted. */
    public static final int MAX_STRING_CHARS = 64 * 1024 * 1024;
    /** Longest quote of file content in an error message. */
    public static final int MAX_QUOTE_CHARS = 120;

    /** The factory every checkpoint JSON goes through. */
    static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxNumberLength(MAX_NUMBER_CHARS)
                .maxNameLength(MAX_NAME_CHARS)
                .maxStringLength(MAX_STRING_CHARS)
                .build()
        )
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
        .build();

    /** A tree mapper over {@link #FACTORY} (thread-safe, shared). */
    static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private BoundedJson() {
    }

    /**
     * Reads {@code file} whole, refusing a file of more than {@code maxBytes} (checked while reading, so a file that
     * grows meanwhile is refused too). {@code what} names the file kind in errors ("model config").
     */
    public static byte[] readCapped(Path file, long maxBytes, String what) throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > maxBytes) {
                throw new CheckpointException(
                    String.format(Locale.ROOT, "%s [%s] is larger than %d bytes: not a %s (or raise the limit)", what, file, maxBytes, what)
                );
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointException(String.format(Locale.ROOT, "%s [%s] does not exist", what, file));
        }
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(String.format(Locale.ROOT, "%s [%s] does not exist", what, file));
        }
        if (bytes.length > maxBytes) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "%s [%s] is larger than %d bytes: not a %s (or raise the limit)", what, file, maxBytes, what)
            );
        }
        return bytes;
    }

    /** A streaming parser over {@code bytes} that can also read sub-trees ({@link JsonParser#readValueAsTree()}). */
    public static JsonParser treeParser(byte[] bytes) throws IOException {
        return MAPPER.createParser(bytes);
    }

    /** Parses a small JSON document into a tree (its size is capped by the caller; the tree is ~10-40x its bytes). */
    public static JsonNode readTree(byte[] bytes, Path file, String what) throws CheckpointException {
        try {
            return MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "%s [%s] is not valid JSON: %s", what, file, clip(e.getOriginalMessage()))
            );
        } catch (IOException e) {
            throw new CheckpointException(String.format(Locale.ROOT, "%s [%s] cannot be read: %s", what, file, clip(e.getMessage())), e);
        }
    }

    /**
     * Streams the {@code "weight_map": {tensor: shard file}} object of a shard index ({@code *.index.json}) without
     * building a tree; other top-level fields are skipped. Refuses a missing or empty map, non-string values and a
     * tensor listed twice.
     */
    public static Map<String, String> readWeightMap(byte[] bytes, Path file, String what) throws CheckpointException {
        Map<String, String> out = new LinkedHashMap<>();
        boolean seen = false;
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new CheckpointException(String.format(Locale.ROOT, "%s [%s] is not a JSON object", what, file));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if ("weight_map".equals(field) == false) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_OBJECT) {
                    throw new CheckpointException(
                        String.format(Locale.ROOT, "%s [%s]: \"weight_map\" is not an object of tensor name -> shard file", what, file)
                    );
                }
                seen = true;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String tensor = p.currentName();
                    if (p.nextToken() != JsonToken.VALUE_STRING) {
                        throw new CheckpointException(
                            String.format(Locale.ROOT, "%s [%s]: weight_map[%s] is not a file name", what, file, clip(tensor))
                        );
                    }
                    if (out.put(tensor, p.getText()) != null) {
                        throw new CheckpointException(
                            String.format(Locale.ROOT, "%s [%s]: weight_map lists tensor [%s] twice", what, file, clip(tensor))
                        );
                    }
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new CheckpointException(String.format(Locale.ROOT, "%s [%s] is not a single JSON object", what, file));
            }
        } catch (JsonProcessingException e) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "%s [%s] is not valid JSON: %s", what, file, clip(e.getOriginalMessage()))
            );
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointException(String.format(Locale.ROOT, "%s [%s] cannot be read: %s", what, file, clip(e.getMessage())), e);
        }
        if (seen == false || out.isEmpty()) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "%s [%s] has no \"weight_map\" object of tensor name -> shard file", what, file)
            );
        }
        return out;
    }

    /** A path for an error message: whole up to 512 characters (a path built from a hostile index may be longer). */
    public static String clip(Path path) {
        String s = String.valueOf(path);
        return s.length() <= 512 ? s : s.substring(0, 512) + "... (" + s.length() + " characters)";
    }

    /** {@code s} cut to {@value #MAX_QUOTE_CHARS} characters for an error message. */
    public static String clip(String s) {
        if (s == null || s.length() <= MAX_QUOTE_CHARS) {
            return s;
        }
        return s.substring(0, MAX_QUOTE_CHARS) + "... (" + s.length() + " characters)";
    }

    /** {@code node} as JSON cut to {@value #MAX_QUOTE_CHARS} characters for an error message. */
    static String clip(JsonNode node) {
        if (node == null) {
            return "null";
        }
        if (node.isContainerNode() && node.size() > MAX_QUOTE_CHARS) {
            return (node.isArray() ? "an array of " : "an object of ") + node.size() + " items";
        }
        return clip(node.toString());
    }
}
