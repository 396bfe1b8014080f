/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.lloco.runtime.prompt.PromptTemplate;
import io.lloco.runtime.prompt.PromptTemplates;

/**
 * Builds the lloco-tiny {@code tokenizer.json} (Hugging Face tokenizers format), deterministically.
 *
 * <p>Regenerate the committed file from the repository root with:
 * <pre>
 * ./mvnw -B -q -Dbuild.dir=target-W compile dependency:build-classpath -Dmdep.outputFile=target-W/cp.txt
 * java -cp target-W/classes:$(cat target-W/cp.txt) io.lloco.train.world.TokenizerBuilder \
 *     src/main/resources/io/lloco/models/lloco-tiny/tokenizer.json
 * </pre>
 * ({@code tools/world/regen-tokenizer.sh} does exactly this.) A unit test fails when the committed file differs
 * from what this class builds.
 *
 * <p>Layout: normalizer NFC + Prepend("▁") + Replace(" " → "▁") (Llama/SentencePiece style: a word after a
 * space starts with "▁"); pre-tokenizer Split(regex, Isolated) into "▁"-optional letter runs, single digits,
 * single other characters, lone "▁" and whitespace runs; model WordPiece with an empty continuation prefix
 * (greedy longest match) and every covered character as a fallback piece; decoder Replace("▁" → " "),
 * Fuse, Strip(one leading space). Ids 0-3 are {@code <unk>}, {@code <s>}, {@code </s>}, {@code <pad>}.
 *
 * <p>Vocabulary, in id order: specials; whitespace; the character inventory (ASCII, Latin-1, Latin
 * Extended-A, Greek, Cyrillic, general punctuation, a few symbols); "▁" + each printable ASCII character;
 * every word form the world generator, its questions and all prompt templates produce; the name syllables
 * ("▁Ma", "Ma", "ra", ...); about 2,000 common English words (see {@link EnglishLexicon}); then BPE merges
 * learned on those words (they run out at 6,323 entries, under the {@link #MAX_VOCAB} cap). English pieces
 * that would change how a world name splits (e.g. "▁Man" against "Ma"+"nne") are left out, so every name is
 * always exactly its two syllable tokens.
 */
public final class TokenizerBuilder {

    /** Upper bound on the vocabulary. */
    public static final int MAX_VOCAB = 8192;
    /** WordPiece's per-piece character limit (longer letter runs become one {@code <unk>}). */
    public static final int MAX_CHARS_PER_WORD = 100;
    /** Special tokens, ids 0..3. */
    public static final List<String> SPECIALS = List.of("<unk>", "<s>", "</s>", "<pad>");

    private static final String MARK = WorldTokenizer.SPACE_MARK;

    /** Letter code point ranges (inclusive pairs): each letter here is a vocabulary entry and part of a word. */
    static final int[][] LETTER_RANGES = {
        {'A', 'Z'},
        {'a', 'z'},
        {0xAA, 0xAA},
        {0xB5, 0xB5},
        {0xBA, 0xBA},
        {0xC0, 0xD6},
        {0xD8, 0xF6},
        {0xF8, 0x17F},
        {0x386, 0x386},
        {0x388, 0x38A},
        {0x38C, 0x38C},
        {0x38E, 0x3A1},
        {0x3A3, 0x3CE},
        {0x400, 0x45F}};

    /** Whitespace other than the space (which becomes "▁"); runs of these form their own pieces. */
    static final int[][] WHITESPACE_RANGES = {
        {0x09, 0x0D},
        {0x85, 0x85},
        {0xA0, 0xA0},
        {0x1680, 0x1680},
        {0x2000, 0x200A},
        {0x2028, 0x2029},
        {0x202F, 0x202F},
        {0x205F, 0x205F},
        {0x3000, 0x3000}};

    /** Non-letter, non-digit, non-space characters with their own token. */
    static final int[][] OTHER_RANGES = {
        {0x21, 0x2F},
        {0x3A, 0x40},
        {0x5B, 0x60},
        {0x7B, 0x7E},
        {0xA1, 0xA9},
        {0xAB, 0xB4},
        {0xB6, 0xB9},
        {0xBB, 0xBF},
        {0xD7, 0xD7},
        {0xF7, 0xF7},
        {0x200B, 0x200D},
        {0x2010, 0x2027},
        {0x2030, 0x205E},
        {0x20AC, 0x20AC},
        {0x2122, 0x2122},
        {0x2190, 0x2193},
        {0x2212, 0x2212},
        {0x221E, 0x221E},
        {0x2248, 0x2248},
        {0x2260, 0x2260},
        {0x2264, 0x2265},
        {0xFEFF, 0xFEFF}};

    private TokenizerBuilder() {
    }

    /** Writes the tokenizer to {@code args[0]} (default: the committed resource path, relative to the working directory). */
    public static void main(String[] args) throws IOException {
        Path out = Paths.get(args.length > 0 ? args[0] : "src/main/resources/io/lloco/models/lloco-tiny/tokenizer.json");
        String json = buildJson();
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json, StandardCharsets.UTF_8);
        System.out.printf(
            Locale.ROOT,
            "wrote %s (%d vocabulary entries, %d bytes)%n",
            out,
            buildVocab().size(),
            json.getBytes(StandardCharsets.UTF_8).length
        );
    }

    /** The tokenizer.json text (UTF-8, trailing newline). */
    public static String buildJson() {
        return json(buildVocab());
    }

    /** The pre-tokenizer regex (same text for Oniguruma in tokenizers and for java.util.regex). */
    public static String splitRegex() {
        String letters = charClass(LETTER_RANGES);
        String ws = charClass(WHITESPACE_RANGES);
        String mark = "\\x{2581}";
        return mark + "?[" + letters + "]+|" + mark + "?[0-9]|" + mark + "?[^" + ws + mark + letters + "0-9]|" + mark + "|[" + ws + "]+";
    }

    private static String charClass(int[][] ranges) {
        StringBuilder sb = new StringBuilder();
        for (int[] r : ranges) {
            if (r[0] == 'A' && r[1] == 'Z' || r[0] == 'a' && r[1] == 'z') {
                sb.appendCodePoint(r[0]).append('-').appendCodePoint(r[1]);
            } else if (r[0] == r[1]) {
                sb.append(String.format(Locale.ROOT, "\\x{%04X}", r[0]));
            } else {
                sb.append(String.format(Locale.ROOT, "\\x{%04X}-\\x{%04X}", r[0], r[1]));
            }
        }
        return sb.toString();
    }

    /** Serialises a vocabulary (index = id) into the tokenizer.json layout. */
    static String json(List<String> vocab) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", List.of());
        root.put(
            "normalizer",
            ordered(
                "type",
                "Sequence",
                "normalizers",
                List.of(
                    ordered("type", "NFC"),
                    ordered("type", "Prepend", "prepend", MARK),
                    ordered("type", "Replace", "pattern", ordered("String", " "), "content", MARK)
                )
            )
        );
        root.put(
            "pre_tokenizer",
            ordered("type", "Split", "pattern", ordered("Regex", splitRegex()), "behavior", "Isolated", "invert", false)
        );
        root.put("post_processor", null);
        root.put(
            "decoder",
            ordered(
                "type",
                "Sequence",
                "decoders",
                List.of(
                    ordered("type", "Replace", "pattern", ordered("String", MARK), "content", " "),
                    ordered("type", "Fuse"),
                    ordered("type", "Strip", "content", " ", "start", 1, "stop", 0)
                )
            )
        );
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (String t : vocab) {
            ids.put(t, ids.size());
        }
        root.put(
            "model",
            ordered(
                "type",
                "WordPiece",
                "unk_token",
                SPECIALS.get(0),
                "continuing_subword_prefix",
                "",
                "max_input_chars_per_word",
                MAX_CHARS_PER_WORD,
                "vocab",
                ids
            )
        );
        try {
            ObjectMapper om = new ObjectMapper().disable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
            return om.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise tokenizer.json", e);
        }
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    // ------------------------------------------------------------------------------------------ vocabulary

    /** The vocabulary in id order. */
    public static List<String> buildVocab() {
        LinkedHashSet<String> vocab = new LinkedHashSet<>(SPECIALS);
        // whitespace
        forEach(WHITESPACE_RANGES, cp -> vocab.add(new String(Character.toChars(cp))));
        vocab.add("\n\n");
        vocab.add("\n\n\n");
        vocab.add("\r\n");
        vocab.add("\t\t");
        vocab.add(MARK);
        // characters
        for (int c = '0'; c <= '9'; c++) {
            vocab.add(String.valueOf((char) c));
        }
        forEach(OTHER_RANGES, cp -> vocab.add(new String(Character.toChars(cp))));
        forEach(LETTER_RANGES, cp -> vocab.add(new String(Character.toChars(cp))));
        for (int c = 0x21; c <= 0x7E; c++) {
            vocab.add(MARK + (char) c);
        }
        // world: names (two pieces each), then every observed word form
        Set<String> names = nameStrings();
        for (List<String> starts : List.of(WorldLexicon.FIRST_STARTS, WorldLexicon.SURNAME_STARTS, WorldLexicon.TOWN_STARTS)) {
            for (String s : starts) {
                vocab.add(MARK + s);
                vocab.add(s);
            }
        }
        for (List<String> ends : List
            .of(WorldLexicon.FEMALE_ENDS, WorldLexicon.MALE_ENDS, WorldLexicon.SURNAME_ENDS, WorldLexicon.TOWN_ENDS)) {
            vocab.addAll(ends);
        }
        for (String w : WorldLexicon.allWords()) {
            vocab.add(MARK + w);
        }
        for (String piece : observedWorldPieces()) {
            String letters = piece.startsWith(MARK) ? piece.substring(1) : piece;
            if (names.contains(letters) == false) {
                vocab.add(piece);
                if (letters.codePoints().allMatch(Character::isLetter)) {
                    // both forms: a template word may follow a newline in one place and a space in another
                    vocab.add(MARK + letters);
                    vocab.add(letters);
                }
            }
        }
        int protectedSize = vocab.size();

        // English words, minus anything that would split a world name differently
        Set<String> forbidden = forbiddenPrefixes();
        List<String> english = EnglishLexicon.words();
        for (int i = 0; i < english.size(); i++) {
            String w = english.get(i);
            addUnlessForbidden(vocab, forbidden, MARK + w);
            String cap = capitalize(w);
            if (i < 800) {
                addUnlessForbidden(vocab, forbidden, MARK + cap);
            }
            if (i < 300) {
                addUnlessForbidden(vocab, forbidden, cap);
            }
            if (i < 150) {
                addUnlessForbidden(vocab, forbidden, w);
            }
        }
        if (vocab.size() > MAX_VOCAB) {
            throw new IllegalStateException("vocabulary already has " + vocab.size() + " entries before BPE; MAX_VOCAB is " + MAX_VOCAB);
        }
        // BPE pieces learned on English and world words fill the rest
        Map<String, Long> corpus = new LinkedHashMap<>();
        for (int i = 0; i < english.size(); i++) {
            long weight = 1_000_000L / (i + 20);
            corpus.merge(english.get(i), weight, Long::sum);
            corpus.merge(capitalize(english.get(i)), weight / 8, Long::sum);
        }
        for (String w : WorldLexicon.allWords()) {
            corpus.merge(w, 2_000L, Long::sum);
        }
        bpe(corpus, piece -> {
            if (vocab.size() < MAX_VOCAB) {
                addUnlessForbidden(vocab, forbidden, piece);
            }
            return vocab.size() < MAX_VOCAB;
        });
        List<String> out = new ArrayList<>(vocab);
        checkNames(out, protectedSize);
        return out;
    }

    private static void addUnlessForbidden(Set<String> vocab, Set<String> forbidden, String token) {
        if (forbidden.contains(token) == false) {
            vocab.add(token);
        }
    }

    private static String capitalize(String w) {
        return w.isEmpty() ? w : Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }

    private interface IntConsumer {

        void accept(int v);
    }

    private static void forEach(int[][] ranges, IntConsumer c) {
        for (int[] r : ranges) {
            for (int cp = r[0]; cp <= r[1]; cp++) {
                c.accept(cp);
            }
        }
    }

    /** Every generated name: first names, surnames, towns. */
    static Set<String> nameStrings() {
        Set<String> out = new LinkedHashSet<>();
        for (String[] n : nameSplits()) {
            out.add(n[0] + n[1]);
        }
        return out;
    }

    /** (start, end) of every generatable name. */
    static List<String[]> nameSplits() {
        List<String[]> out = new ArrayList<>();
        for (String s : WorldLexicon.FIRST_STARTS) {
            for (String e : WorldLexicon.FEMALE_ENDS) {
                out.add(new String[]{s, e});
            }
            for (String e : WorldLexicon.MALE_ENDS) {
                out.add(new String[]{s, e});
            }
        }
        for (String s : WorldLexicon.SURNAME_STARTS) {
            for (String e : WorldLexicon.SURNAME_ENDS) {
                out.add(new String[]{s, e});
            }
        }
        for (String s : WorldLexicon.TOWN_STARTS) {
            for (String e : WorldLexicon.TOWN_ENDS) {
                out.add(new String[]{s, e});
            }
        }
        return out;
    }

    /** Tokens that greedy longest match would prefer over a name's start piece. */
    private static Set<String> forbiddenPrefixes() {
        Set<String> out = new HashSet<>();
        for (String[] n : nameSplits()) {
            String full = n[0] + n[1];
            for (int len = n[0].length() + 1; len <= full.length(); len++) {
                out.add(full.substring(0, len));
                out.add(MARK + full.substring(0, len));
            }
        }
        return out;
    }

    /** Every name must split into exactly its two syllables, with and without the word marker. */
    private static void checkNames(List<String> vocab, int protectedSize) {
        WorldTokenizer tok = bootstrap(vocab);
        List<String> bad = new ArrayList<>();
        for (String[] n : nameSplits()) {
            String full = n[0] + n[1];
            List<String> spaced = tok.tokens(full);
            List<String> bare = new ArrayList<>();
            for (int id : tok.encodeContinuation(full)) {
                bare.add(tok.token(id));
            }
            if (spaced.equals(List.of(MARK + n[0], n[1])) == false || bare.equals(List.of(n[0], n[1])) == false) {
                bad.add(full + " -> " + spaced + " / " + bare);
            }
        }
        if (bad.isEmpty() == false) {
            throw new IllegalStateException(
                "world names do not split into their two syllables (fix WorldLexicon so no start piece plus a prefix of an "
                    + "end equals another protected token): "
                    + bad.subList(0, Math.min(bad.size(), 30))
                    + (bad.size() > 30 ? " ... (" + bad.size() + " in all)" : "")
            );
        }
    }

    /** A tokenizer over {@code vocab} for use inside the builder. */
    static WorldTokenizer bootstrap(List<String> vocab) {
        try {
            return WorldTokenizer.parse(json(vocab).getBytes(StandardCharsets.UTF_8), "TokenizerBuilder(bootstrap)");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Pre-tokenizer pieces of world documents, questions, answers, options and every prompt template. */
    private static Set<String> observedWorldPieces() {
        List<String> chars = new ArrayList<>(SPECIALS);
        forEach(WHITESPACE_RANGES, cp -> chars.add(new String(Character.toChars(cp))));
        chars.add(MARK);
        for (int c = '0'; c <= '9'; c++) {
            chars.add(String.valueOf((char) c));
        }
        forEach(OTHER_RANGES, cp -> chars.add(new String(Character.toChars(cp))));
        forEach(LETTER_RANGES, cp -> chars.add(new String(Character.toChars(cp))));
        WorldTokenizer charLevel = bootstrap(new ArrayList<>(new LinkedHashSet<>(chars)));
        Set<String> out = new LinkedHashSet<>();
        World world = new World(0, WorldConfig.defaults(), charLevel);
        PromptTemplates templates = PromptTemplates.defaults();
        List<String> texts = new ArrayList<>();
        for (String name : templates.names()) {
            PromptTemplate t = templates.get(name);
            texts.add(t.kind() == PromptTemplate.Kind.FREE_FORM ? t.render("Where?") : t.render("Where?", List.of("a", "b", "c", "d")));
        }
        for (int i = 0; i < 24; i++) {
            Document d = world.needleDocument(Split.TRAIN, i, 4000, (i % 11) / 10.0);
            texts.add(d.text());
            for (TaskFamily f : TaskFamily.values()) {
                for (QaExample q : world.questions(d, f, 20)) {
                    texts.add(q.question());
                    texts.add(q.answer());
                    texts.addAll(q.options());
                }
            }
        }
        for (String text : texts) {
            for (String p : charLevel.pieces(text)) {
                if (p.codePointCount(0, p.length()) > 1 && p.chars().noneMatch(Character::isDigit) && isWhitespaceRun(p) == false) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static boolean isWhitespaceRun(String p) {
        return p.codePoints().allMatch(cp -> Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0);
    }

    // ------------------------------------------------------------------------------------------ BPE

    /**
     * Byte-pair-encoding merges over weighted words (each word as "▁" + characters), handing each merge's new
     * symbol to {@code sink} in merge order until it returns false or nothing is left to merge. Ties go to the
     * lexicographically smallest merged string.
     */
    static void bpe(Map<String, Long> corpus, Predicate<String> sink) {
        List<String> symbols = new ArrayList<>();
        Map<String, Integer> symbolIds = new HashMap<>();
        List<int[]> words = new ArrayList<>();
        List<Long> weights = new ArrayList<>();
        for (Map.Entry<String, Long> e : corpus.entrySet()) {
            String w = e.getKey();
            int[] seq = new int[w.length() + 1];
            seq[0] = intern(MARK, symbols, symbolIds);
            for (int i = 0; i < w.length(); i++) {
                seq[i + 1] = intern(String.valueOf(w.charAt(i)), symbols, symbolIds);
            }
            words.add(seq);
            weights.add(e.getValue());
        }
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> pairWords = new HashMap<>();
        for (int wi = 0; wi < words.size(); wi++) {
            addPairs(words.get(wi), weights.get(wi), wi, pairCounts, pairWords, 1);
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
            queue.add(candidate(e.getKey(), e.getValue(), symbols));
        }
        while (queue.isEmpty() == false) {
            Candidate best = queue.poll();
            Long current = pairCounts.get(best.key);
            if (current == null || current != best.count || current <= 0) {
                continue;
            }
            int a = (int) (best.key >>> 32);
            int b = (int) (best.key & 0xFFFFFFFFL);
            int merged = intern(best.merged, symbols, symbolIds);
            Set<Long> touched = new HashSet<>();
            for (int wi : new ArrayList<>(pairWords.getOrDefault(best.key, Set.of()))) {
                int[] seq = words.get(wi);
                addPairs(seq, weights.get(wi), wi, pairCounts, pairWords, -1);
                int[] next = new int[seq.length];
                int n = 0;
                for (int i = 0; i < seq.length; i++) {
                    if (i + 1 < seq.length && seq[i] == a && seq[i + 1] == b) {
                        next[n++] = merged;
                        i++;
                    } else {
                        next[n++] = seq[i];
                    }
                }
                int[] shrunk = java.util.Arrays.copyOf(next, n);
                words.set(wi, shrunk);
                addPairs(shrunk, weights.get(wi), wi, pairCounts, pairWords, 1);
                for (int i = 0; i + 1 < seq.length; i++) {
                    touched.add(((long) seq[i] << 32) | (seq[i + 1] & 0xFFFFFFFFL));
                }
                for (int i = 0; i + 1 < shrunk.length; i++) {
                    touched.add(((long) shrunk[i] << 32) | (shrunk[i + 1] & 0xFFFFFFFFL));
                }
            }
            pairCounts.remove(best.key);
            pairWords.remove(best.key);
            for (long key : touched) {
                Long c = pairCounts.get(key);
                if (c != null && c > 0) {
                    queue.add(candidate(key, c, symbols));
                }
            }
            if (sink.test(best.merged) == false) {
                return;
            }
        }
    }

    private record Candidate(long key, long count, String merged) implements Comparable<Candidate> {

        @Override
        public int compareTo(Candidate o) {
            int c = Long.compare(o.count, count);
            if (c == 0) {
                c = merged.compareTo(o.merged);
            }
            return c != 0 ? c : Long.compare(key, o.key);
        }
    }

    private static Candidate candidate(long key, long count, List<String> symbols) {
        return new Candidate(key, count, symbols.get((int) (key >>> 32)) + symbols.get((int) (key & 0xFFFFFFFFL)));
    }

    private static int intern(String s, List<String> symbols, Map<String, Integer> ids) {
        Integer id = ids.get(s);
        if (id == null) {
            id = symbols.size();
            symbols.add(s);
            ids.put(s, id);
        }
        return id;
    }

    private static void addPairs(int[] seq, long weight, int wi, Map<Long, Long> counts, Map<Long, Set<Integer>> where, int sign) {
        for (int i = 0; i + 1 < seq.length; i++) {
            long key = ((long) seq[i] << 32) | (seq[i + 1] & 0xFFFFFFFFL);
            counts.merge(key, sign * weight, Long::sum);
            if (sign > 0) {
                where.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(wi);
            }
        }
    }
}
