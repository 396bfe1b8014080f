/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.tokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import io.lloco.runtime.DjlBootstrap;
import io.lloco.runtime.checkpoint.BoundedJson;
import io.lloco.runtime.checkpoint.CheckpointException;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's tokenizers binding, set up for LLoCO: no
 * truncation (DJL otherwise cuts at 512 tokens), no padding, and no special tokens added unless asked
 * (LLoCO never adds BOS). Loaded from a local path only, never from the Hub.
 */
public final class HfTokenizer implements TokenCodec, AutoCloseable {

    /** The file name looked up in a model directory. */
    public static final String FILE = "tokenizer.json";

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    /** A {@code tokenizer.json} larger than this is refused (Llama 3's is 9 MB, the largest common ones ~35 MB). */
    public static final long MAX_BYTES = 64L * 1024 * 1024;

    /**
     * Loads {@code tokenizer.json} (a file, or a directory holding one). The file is read here, at most
     * {@link #MAX_BYTES}, and checked ({@link TokenizerJsonCheck}: JSON the native library accepts, within
     * {@link BoundedJson}'s limits, and none of the inputs known to make that library panic and abort the JVM) before the
     * native tokenizer parses those same bytes; every failure is a {@link CheckpointException} naming the file.
     */
    public static HfTokenizer load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(FILE) : path;
        if (Files.isRegularFile(file) == false) {
            throw new CheckpointException(String.format(Locale.ROOT, "tokenizer [%s] does not exist", file));
        }
        byte[] json = BoundedJson.readCapped(file, MAX_BYTES, "tokenizer");
        TokenizerJsonCheck.check(json, file);
        Map<String, String> options = Map.of(
            "addSpecialTokens",
            "false",
            "truncation",
            "false",
            "padding",
            "false",
            "modelMaxLength",
            Integer.toString(Integer.MAX_VALUE)
        );
        try {
            HuggingFaceTokenizer t = DjlBootstrap.withRuntimeClassLoader(() -> {
                try {
                    return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            probe(t, file);
            return new HfTokenizer(t, file);
        } catch (UncheckedIOException e) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "tokenizer [%s] cannot be read: %s", file, e.getCause().getMessage()), e
            );
        } catch (RuntimeException e) {
            throw new CheckpointException(
                String.format(Locale.ROOT, "tokenizer [%s] is not a valid tokenizer.json: %s", file, BoundedJson.clip(e.getMessage())), e
            );
        }
    }

    /** Text of every kind the runtime meets (letters, digits, punctuation, accents, CJK, emoji, spaces, newlines). */
    static final String PROBE = "Ada Fenn walked 42 km to the market; \"Zoë\" paid 3.5 EUR. 模型 \uD83D\uDE00 \t\n end";

    /**
     * Encodes and decodes {@link #PROBE} once: a tokenizer that loads but cannot encode (e.g. a WordPiece model whose
     * {@code unk_token} is not in its vocabulary) is refused now, naming the file, rather than failing every document
     * later with an unchecked native error.
     */
    private static void probe(HuggingFaceTokenizer t, Path file) throws CheckpointException {
        try {
            Encoding e = t.encode(PROBE, false, false);
            t.decode(e.getIds(), true);
        } catch (RuntimeException e) {
            t.close();
            throw new CheckpointException(
                String.format(Locale.ROOT, "tokenizer [%s] loads but cannot encode text: %s", file, BoundedJson.clip(e.getMessage())),
                e
            );
        }
    }

    /** The file it was loaded from. */
    public Path file() {
        return file;
    }

    /** The checked native tokenizer ({@link #close()} closes it). */
    public HuggingFaceTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int[] encode(String text) {
        return encode(text, false);
    }

    /** Token ids of {@code text}, with the tokenizer's special tokens (e.g. BOS) when asked. */
    public int[] encode(String text, boolean addSpecialTokens) {
        Encoding e = tokenizer.encode(text, addSpecialTokens, false);
        long[] ids = e.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /** Text of {@code ids}, keeping special tokens unless {@code skipSpecialTokens}. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    /** Frees the native tokenizer. */
    @Override
    public void close() {
        tokenizer.close();
    }
}
