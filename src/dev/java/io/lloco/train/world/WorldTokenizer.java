/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A pure-Java implementation of the lloco-tiny {@code tokenizer.json} (the layout {@link TokenizerBuilder}
 * writes), giving the same ids as Hugging Face tokenizers / DJL without native code. The world generator uses
 * it to count tokens while building documents; tests check it against DJL's {@code HuggingFaceTokenizer}.
 *
 * <p>Pipeline: NFC; prepend "▁" (U+2581) to non-empty text; replace every space by "▁"; split with the
 * file's pre-tokenizer regex (isolated matches); WordPiece greedy longest match per piece with an empty
 * continuation prefix (a piece with an unknown character, or longer than {@code max_input_chars_per_word},
 * becomes one {@code <unk>}). Decoding concatenates the pieces, turns "▁" back into spaces and strips one
 * leading space, so {@code decode(encode(s)) == NFC(s)} when every character of s is in the vocabulary and s
 * has no "▁" and no letter run over the word limit.
 *
 * <p>Special ids are plain vocabulary entries (not "added tokens"): a literal "&lt;s&gt;" in a user document
 * is tokenized as characters, never as BOS. Callers append {@link #EOS_ID} themselves.
 */
public final class WorldTokenizer {

    /** Classpath location of the committed tokenizer. */
    public static final String RESOURCE = "/io/lloco/models/lloco-tiny/tokenizer.json";
    /** Id of {@code <unk>}. */
    public static final int UNK_ID = 0;
    /** Id of {@code <s>} (Llama BOS; never added by this tokenizer). */
    public static final int BOS_ID = 1;
    /** Id of {@code </s>} (Llama EOS: appended after every answer target). */
    public static final int EOS_ID = 2;
    /** Id of {@code <pad>}. */
    public static final int PAD_ID = 3;
    /** The word-boundary marker that replaces spaces (U+2581). */
    public static final String SPACE_MARK = "\u2581";

    private final String source;
    private final Map<String, Integer> vocab;
    private final String[] byId;
    private final Pattern split;
    private final int unkId;
    private final int maxCharsPerWord;

    private WorldTokenizer(String source, Map<String, Integer> vocab, Pattern split, String unk, int maxCharsPerWord) {
        this.source = source;
        this.vocab = vocab;
        this.byId = new String[vocab.size()];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= byId.length || byId[id] != null) {
                throw new IllegalArgumentException(
                    String.format(
                        Locale.ROOT,
                        "%s: model.vocab ids must be 0..%d without gaps or repeats; bad id %d",
                        source,
                        byId.length - 1,
                        id
                    )
                );
            }
            byId[id] = e.getKey();
        }
        this.split = split;
        Integer u = vocab.get(unk);
        if (u == null) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: model.unk_token [%s] is not in model.vocab", source, unk));
        }
        this.unkId = u;
        this.maxCharsPerWord = maxCharsPerWord;
    }

    /** The tokenizer committed at {@value #RESOURCE}. */
    public static WorldTokenizer bundled() {
        try (InputStream in = WorldTokenizer.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                    "classpath resource " + RESOURCE + " is missing; regenerate it with "
                        + "'java -cp <classpath> io.lloco.train.world.TokenizerBuilder src/main/resources" + RESOURCE + "'"
                );
            }
            return parse(in.readAllBytes(), "classpath:" + RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + RESOURCE, e);
        }
    }

    /** Loads a {@code tokenizer.json} file of the lloco-tiny layout. */
    public static WorldTokenizer load(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    /** Parses {@code tokenizer.json} bytes; {@code source} names the file in error messages. */
    public static WorldTokenizer parse(byte[] json, String source) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        JsonNode model = root.path("model");
        require(source, "model.type", "WordPiece".equals(model.path("type").asText()), "must be WordPiece");
        require(source, "model.continuing_subword_prefix", model.path("continuing_subword_prefix").asText("x").isEmpty(), "must be empty");
        JsonNode norm = root.path("normalizer");
        require(
            source,
            "normalizer",
            "Sequence".equals(norm.path("type").asText()) && norm.path("normalizers").size() == 3,
            "must be Sequence[NFC, Prepend, Replace]"
        );
        require(source, "normalizer[0]", "NFC".equals(norm.path("normalizers").get(0).path("type").asText()), "must be NFC");
        JsonNode prepend = norm.path("normalizers").get(1);
        require(
            source,
            "normalizer[1]",
            "Prepend".equals(prepend.path("type").asText()) && SPACE_MARK.equals(prepend.path("prepend").asText()),
            "must be Prepend ▁"
        );
        JsonNode replace = norm.path("normalizers").get(2);
        require(
            source,
            "normalizer[2]",
            "Replace".equals(replace.path("type").asText())
                && " ".equals(replace.path("pattern").path("String").asText())
                && SPACE_MARK.equals(replace.path("content").asText()),
            "must be Replace ' ' -> ▁"
        );
        JsonNode pre = root.path("pre_tokenizer");
        require(
            source,
            "pre_tokenizer",
            "Split".equals(pre.path("type").asText()) && "Isolated".equals(pre.path("behavior").asText())
                && pre.path("invert").asBoolean(true) == false,
            "must be Split(Regex, Isolated, invert=false)"
        );
        String regex = pre.path("pattern").path("Regex").asText(null);
        require(source, "pre_tokenizer.pattern.Regex", regex != null, "missing");
        require(source, "added_tokens", root.path("added_tokens").size() == 0, "must be empty (special ids are plain vocabulary entries)");
        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : model.path("vocab").properties()) {
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        require(source, "model.vocab", vocab.isEmpty() == false, "is empty");
        return new WorldTokenizer(
            source, vocab, Pattern.compile(regex), model.path("unk_token").asText(), model.path("max_input_chars_per_word").asInt(100)
        );
    }

    private static void require(String source, String field, boolean ok, String what) {
        if (ok == false) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "%s: field %s %s; WorldTokenizer only reads the layout written by TokenizerBuilder",
                    source,
                    field,
                    what
                )
            );
        }
    }

    /** Where this tokenizer was loaded from. */
    public String source() {
        return source;
    }

    /** Number of ids. */
    public int vocabSize() {
        return byId.length;
    }

    /** The token string of an id. */
    public String token(int id) {
        return byId[id];
    }

    /** The id of a token string, or -1. */
    public int id(String token) {
        Integer i = vocab.get(token);
        return i == null ? -1 : i;
    }

    /** Token ids of {@code text} (no BOS/EOS), as Hugging Face tokenizers would produce. */
    public int[] encode(String text) {
        IntList out = new IntList();
        encodeInto(text, true, out);
        return out.toArray();
    }

    /**
     * Token ids of {@code text} as it tokenizes when it continues earlier text, without the "▁" prepended at
     * the start of a whole input. Concatenating the continuation encodings of pieces that each start with a
     * space or a newline (and do not end with whitespace) gives the encoding of their concatenation.
     */
    public int[] encodeContinuation(String text) {
        IntList out = new IntList();
        encodeInto(text, false, out);
        return out.toArray();
    }

    /** Number of tokens of {@code text}. */
    public int count(String text) {
        IntList out = new IntList();
        encodeInto(text, true, out);
        return out.size;
    }

    /** Number of tokens of {@code text} continuing earlier text (see {@link #encodeContinuation}). */
    public int countContinuation(String text) {
        IntList out = new IntList();
        encodeInto(text, false, out);
        return out.size;
    }

    /** Token strings of {@code text}. */
    public List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        for (int id : encode(text)) {
            out.add(byId[id]);
        }
        return out;
    }

    /** The pre-tokenized pieces of {@code text} (after normalisation), before WordPiece. */
    public List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        String n = normalize(text, true);
        Matcher m = split.matcher(n);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                out.add(n.substring(last, m.start()));
            }
            if (m.end() > m.start()) {
                out.add(m.group());
            }
            last = m.end();
        }
        if (last < n.length()) {
            out.add(n.substring(last));
        }
        return out;
    }

    /**
     * Decodes ids as Hugging Face tokenizers does for this file: concatenate, "▁" to space, strip one leading
     * space. Special ids are ordinary entries and decode to their text ("&lt;/s&gt;"); drop them first if unwanted.
     */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id < 0 || id >= byId.length) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "token id %d out of range [0, %d)", id, byId.length));
            }
            sb.append(byId[id]);
        }
        String s = sb.toString().replace(SPACE_MARK, " ");
        return s.startsWith(" ") ? s.substring(1) : s;
    }

    /**
     * For each token of {@code ids}, the exclusive end of its characters in {@link #decode(int[])} of the same ids
     * (which is the original text for texts without unknown characters): the character spans that
     * {@link io.lloco.runtime.compress.Segmentation} needs.
     */
    public int[] charEnds(int[] ids) {
        int[] out = new int[ids.length];
        int at = 0;
        boolean strip = ids.length > 0 && byId[ids[0]].startsWith(SPACE_MARK);
        for (int i = 0; i < ids.length; i++) {
            at += byId[ids[i]].length();
            out[i] = Math.max(0, at - (strip ? 1 : 0));
        }
        return out;
    }

    private static String normalize(String text, boolean prepend) {
        String n = Normalizer.normalize(text, Normalizer.Form.NFC);
        if (prepend && n.isEmpty() == false) {
            n = SPACE_MARK + n;
        }
        return n.replace(" ", SPACE_MARK);
    }

    private void encodeInto(String text, boolean prepend, IntList out) {
        String n = normalize(text, prepend);
        Matcher m = split.matcher(n);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                wordPiece(n, last, m.start(), out);
            }
            if (m.end() > m.start()) {
                wordPiece(n, m.start(), m.end(), out);
            }
            last = m.end();
        }
        if (last < n.length()) {
            wordPiece(n, last, n.length(), out);
        }
    }

    private void wordPiece(String s, int from, int to, IntList out) {
        if (s.codePointCount(from, to) > maxCharsPerWord) {
            out.add(unkId);
            return;
        }
        Integer whole = vocab.get(s.substring(from, to));
        if (whole != null) {
            out.add(whole);
            return;
        }
        int mark = out.size;
        int start = from;
        while (start < to) {
            int end = to;
            Integer found = null;
            while (start < end) {
                found = vocab.get(s.substring(start, end));
                if (found != null) {
                    break;
                }
                end = s.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                out.size = mark;
                out.add(unkId);
                return;
            }
            out.add(found);
            start = end;
        }
    }

    /** A growable int array. */
    private static final class IntList {

        int[] data = new int[64];
        int size;

        void add(int v) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
