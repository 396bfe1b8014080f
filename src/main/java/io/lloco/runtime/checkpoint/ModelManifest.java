/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a model directory declares about itself in {@code lloco.json} beside its Hugging Face files: the segment length
 * its summaries were trained on ({@code segment_tokens}, the default of ingest when a pipeline sets none), and any
 * provenance the trainer records (stages, steps, seeds, lineage), kept as it is. The one reader and writer of the file:
 * the runtime reads it strictly, the trainer's export and grow tools write it. No {@code lloco.json}: LLoCO's 1,536.
 */
public final class ModelManifest {

    /** The file name, in the model directory. */
    public static final String FILE = "lloco.json";
    /** The field the runtime reads. */
    public static final String SEGMENT_TOKENS = "segment_tokens";
    /** Segment length when neither the request nor {@code lloco.json} sets one (LLoCO's 1,536). */
    public static final int DEFAULT_SEGMENT_TOKENS = 1536;
    /** The shortest segment a model may declare. */
    public static final int MIN_SEGMENT_TOKENS = 1;
    /** The longest segment a model may declare (the ingest processor's upper bound too). */
    public static final int MAX_SEGMENT_TOKENS = 8192;
    /** A manifest is a few kilobytes; anything far larger is not one. */
    static final long MAX_BYTES = 1 << 20;

    private final ObjectNode json;

    private ModelManifest(ObjectNode json) {
        this.json = json;
    }

    /** A manifest declaring {@code segmentTokens} and nothing else. */
    public static ModelManifest of(int segmentTokens) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put(SEGMENT_TOKENS, checkSegmentTokens(segmentTokens, "segmentTokens"));
        return new ModelManifest(n);
    }

    /**
     * Reads {@code <modelDir>/lloco.json}; {@link #DEFAULT_SEGMENT_TOKENS} and no provenance when there is no such file.
     * A file that is not a JSON object, or whose {@code segment_tokens} is not a whole number in
     * [{@value #MIN_SEGMENT_TOKENS}, {@value #MAX_SEGMENT_TOKENS}], is a {@link CheckpointException} naming the file and
     * the field.
     */
    public static ModelManifest read(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE);
        if (Files.isRegularFile(file) == false) {
            return of(DEFAULT_SEGMENT_TOKENS);
        }
        JsonNode n = BoundedJson.readTree(BoundedJson.readCapped(file, MAX_BYTES, "model manifest"), file, "model manifest");
        if (n instanceof ObjectNode o) {
            JsonNode st = o.get(SEGMENT_TOKENS);
            if (st == null) {
                o.put(SEGMENT_TOKENS, DEFAULT_SEGMENT_TOKENS);
            } else if (st.isIntegralNumber() == false
                || st.canConvertToInt() == false
                || st.intValue() < MIN_SEGMENT_TOKENS
                || st.intValue() > MAX_SEGMENT_TOKENS) {
                throw new CheckpointException(
                    String.format(
                        Locale.ROOT,
                        "model manifest [%s]: field [%s] must be a whole number in [%d, %d], got %s",
                        file,
                        SEGMENT_TOKENS,
                        MIN_SEGMENT_TOKENS,
                        MAX_SEGMENT_TOKENS,
                        BoundedJson.clip(st.toString())
                    )
                );
            }
            return new ModelManifest(o);
        }
        throw new CheckpointException(String.format(Locale.ROOT, "model manifest [%s] must be a JSON object", file));
    }

    /** The segment length the model's summaries were trained on. */
    public int segmentTokens() {
        return json.get(SEGMENT_TOKENS).intValue();
    }

    /** A field other than {@code segment_tokens} (provenance), or null. */
    public JsonNode get(String field) {
        return json.get(field);
    }

    /** This manifest with {@code field} set to {@code value} (a copy of it); {@code segment_tokens} via {@link #of}. */
    public ModelManifest with(String field, JsonNode value) {
        if (SEGMENT_TOKENS.equals(field)) {
            throw new IllegalArgumentException("set [" + SEGMENT_TOKENS + "] through ModelManifest.of, not with()");
        }
        ObjectNode copy = json.deepCopy();
        copy.set(field, value.deepCopy());
        return new ModelManifest(copy);
    }

    /** This manifest without {@code field}. */
    public ModelManifest without(String field) {
        if (SEGMENT_TOKENS.equals(field)) {
            throw new IllegalArgumentException("[" + SEGMENT_TOKENS + "] cannot be removed");
        }
        ObjectNode copy = json.deepCopy();
        copy.remove(field);
        return new ModelManifest(copy);
    }

    /** Writes {@code <modelDir>/lloco.json} (pretty-printed, UTF-8). */
    public void write(Path modelDir) throws IOException {
        Files.write(
            modelDir.resolve(FILE),
            (BoundedJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n").getBytes(StandardCharsets.UTF_8)
        );
    }

    private static int checkSegmentTokens(int v, String what) {
        if (v < MIN_SEGMENT_TOKENS || v > MAX_SEGMENT_TOKENS) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "[%s] must be in [%d, %d], got %d", what, MIN_SEGMENT_TOKENS, MAX_SEGMENT_TOKENS, v)
            );
        }
        return v;
    }
}
