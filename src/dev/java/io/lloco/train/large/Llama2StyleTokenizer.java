/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.large;

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
import java.util.SplittableRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.lloco.train.world.EnglishLexicon;

/**
 * Builds a {@code tokenizer.json} laid out like Llama-2's (Hugging Face tokenizers format), deterministically, for the
 * 7B-shaped test and benchmark checkpoints: exactly {@value #VOCAB} ids; {@code <unk>}, {@code <s>}, {@code </s>} at
 * 0-2; the 256 byte tokens {@code <0x00>}..{@code <0xFF>} at 3-258 (byte fallback: any text tokenizes, a character
 * outside the vocabulary becomes its UTF-8 bytes); BPE merges learned on about 2,000 English words and a deterministic
 * set of pronounceable pseudo-words (word-initial pieces carry "▁"); the single characters last, as in Llama-2.
 * Normalizer Prepend("▁") + Replace(" " → "▁"), no pre-tokenizer, decoder Replace("▁" → " ") + ByteFallback + Fuse +
 * Strip(1 leading space) — Llama-2's. Digits and punctuation are never merged (each is one token).
 *
 * <p>It is not Llama-2's vocabulary (no weights or tokenizer can be downloaded here): ids mean nothing to a real
 * checkpoint; shapes, the vocabulary size and the tokenizer's behaviour class are what the 7B-shape tests need.
 */
public final class Llama2StyleTokenizer {

    /** Vocabulary size (Llama-2's). */
    public static final int VOCAB = 32_000;

    /** The word-start marker. */
    public static final String MARK = "\u2581";

    /** Bits of the right symbol in a pair key; symbol ids stay below 2^17. */
    private static final int PAIR_BITS = 17;
    private static final long PAIR_MASK = (1L << PAIR_BITS) - 1;

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String OTHERS = "0123456789.,;:!?'\"()[]{}-_/\\@#$%&*+=<>|~`^";

    private Llama2StyleTokenizer() {
    }

    /** The tokenizer.json text (built once per JVM: learning the merges takes seconds). */
    public static String json() {
        return Built.JSON;
    }

    private static final class Built {

        static final String JSON = build();
    }

    private static String build() {
        List<String> alphabet = new ArrayList<>();
        alphabet.add(MARK);
        for (char c : (LETTERS + OTHERS).toCharArray()) {
            alphabet.add(String.valueOf(c));
        }
        int fixed = 3 + 256;
        List<String[]> merges = learnMerges(corpus(), VOCAB - fixed - alphabet.size());
        Map<String, Integer> vocab = new LinkedHashMap<>();
        vocab.put("<unk>", 0);
        vocab.put("<s>", 1);
        vocab.put("</s>", 2);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format(Locale.ROOT, "<0x%02X>", b), vocab.size());
        }
        for (String[] m : merges) {
            vocab.put(m[0] + m[1], vocab.size());
        }
        for (String a : alphabet) {
            vocab.put(a, vocab.size());
        }
        if (vocab.size() != VOCAB) {
            throw new IllegalStateException("vocabulary has " + vocab.size() + " entries, not " + VOCAB);
        }
        List<String> mergeLines = new ArrayList<>(merges.size());
        for (String[] m : merges) {
            mergeLines.add(m[0] + " " + m[1]);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        for (String s : List.of("<unk>", "<s>", "</s>")) {
            added.add(
                ordered(
                    "id",
                    vocab.get(s),
                    "content",
                    s,
                    "single_word",
                    false,
                    "lstrip",
                    false,
                    "rstrip",
                    false,
                    "normalized",
                    false,
                    "special",
                    true
                )
            );
        }
        root.put("added_tokens", added);
        root.put(
            "normalizer",
            ordered(
                "type",
                "Sequence",
                "normalizers",
                List.of(
                    ordered("type", "Prepend", "prepend", MARK),
                    ordered("type", "Replace", "pattern", ordered("String", " "), "content", MARK)
                )
            )
        );
        root.put("pre_tokenizer", null);
        root.put("post_processor", null);
        root.put(
            "decoder",
            ordered(
                "type",
                "Sequence",
                "decoders",
                List.of(
                    ordered("type", "Replace", "pattern", ordered("String", MARK), "content", " "),
                    ordered("type", "ByteFallback"),
                    ordered("type", "Fuse"),
                    ordered("type", "Strip", "content", " ", "start", 1, "stop", 0)
                )
            )
        );
        root.put(
            "model",
            ordered(
                "type",
                "BPE",
                "dropout",
                null,
                "unk_token",
                "<unk>",
                "continuing_subword_prefix",
                null,
                "end_of_word_suffix",
                null,
                "fuse_unk",
                true,
                "byte_fallback",
                true,
                "vocab",
                vocab,
                "merges",
                mergeLines
            )
        );
        try {
            return new ObjectMapper().disable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise tokenizer.json", e);
        }
    }

    /** Word (with "▁" when word-initial) to weight: English words and capitalised forms, then pseudo-words. */
    static Map<String, Long> corpus() {
        Map<String, Long> c = new LinkedHashMap<>();
        List<String> english = EnglishLexicon.words();
        for (int i = 0; i < english.size(); i++) {
            String w = english.get(i);
            long weight = 1_000_000L / (i + 10);
            c.merge(MARK + w, weight, Long::sum);
            c.merge(MARK + Character.toUpperCase(w.charAt(0)) + w.substring(1), weight / 6 + 1, Long::sum);
            c.merge(w, weight / 10 + 1, Long::sum);
        }
        for (String w : pseudoWords(40_000, 11)) {
            c.merge(MARK + w, 3L, Long::sum);
            c.merge(w, 1L, Long::sum);
        }
        return c;
    }

    /** Deterministic pronounceable pseudo-words of 2-4 consonant-vowel syllables. */
    static List<String> pseudoWords(int n, long seed) {
        String[] onsets = {"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch", "cl", "dr",
            "fl", "gr", "pl", "pr", "sh", "st", "th", "tr"};
        String[] vowels = {"a", "e", "i", "o", "u", "ai", "ea", "ou", "y"};
        String[] codas = {"", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck"};
        SplittableRandom r = new SplittableRandom(seed);
        Set<String> out = new LinkedHashSet<>();
        while (out.size() < n) {
            int syl = 2 + r.nextInt(3);
            StringBuilder sb = new StringBuilder();
            for (int s = 0; s < syl; s++) {
                sb.append(onsets[r.nextInt(onsets.length)]).append(vowels[r.nextInt(vowels.length)]);
                if (s == syl - 1) {
                    sb.append(codas[r.nextInt(codas.length)]);
                }
            }
            out.add(sb.toString());
        }
        return new ArrayList<>(out);
    }

    /**
     * Byte-pair merges learned on a weighted word list (symbols are characters; merges never cross words): the most
     * frequent adjacent pair is merged first, ties broken by the pair's symbol ids, until {@code count} merges exist or no
     * pair is left. Incremental pair counts, so 30,000 merges over ~80,000 words take a few seconds.
     */
    static List<String[]> learnMerges(Map<String, Long> corpus, int count) {
        Map<String, Integer> ids = new HashMap<>();
        List<String> tokens = new ArrayList<>();
        List<int[]> words = new ArrayList<>();
        List<Long> weights = new ArrayList<>();
        for (Map.Entry<String, Long> e : corpus.entrySet()) {
            String w = e.getKey();
            int[] syms = w.codePoints().map(cp -> ids.computeIfAbsent(new String(Character.toChars(cp)), k -> {
                tokens.add(k);
                return tokens.size() - 1;
            })).toArray();
            words.add(syms);
            weights.add(e.getValue());
        }
        Map<Long, Long> pairCount = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        for (int wi = 0; wi < words.size(); wi++) {
            addPairs(words.get(wi), wi, weights.get(wi), pairCount, where, null);
        }
        // most frequent first; ties by the pair's ids (assigned in corpus order: deterministic)
        PriorityQueue<long[]> queue = new PriorityQueue<>((x, y) -> x[1] != y[1] ? Long.compare(y[1], x[1]) : Long.compare(x[0], y[0]));
        for (Map.Entry<Long, Long> e : pairCount.entrySet()) {
            queue.add(new long[]{e.getKey(), e.getValue()});
        }
        List<String[]> merges = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (merges.size() < count && queue.isEmpty() == false) {
            long[] top = queue.poll();
            Long current = pairCount.get(top[0]);
            if (current == null || current != top[1] || current <= 0) {
                continue; // stale entry
            }
            int a = (int) (top[0] >>> PAIR_BITS);
            int b = (int) (top[0] & PAIR_MASK);
            String merged = tokens.get(a) + tokens.get(b);
            if (seen.add(merged) == false) {
                pairCount.remove(top[0]); // the same string made from another split: one vocabulary entry
                continue;
            }
            if (tokens.size() >= PAIR_MASK) {
                throw new IllegalStateException("more than " + PAIR_MASK + " symbols");
            }
            int c = ids.computeIfAbsent(merged, k -> {
                tokens.add(k);
                return tokens.size() - 1;
            });
            merges.add(new String[]{tokens.get(a), tokens.get(b)});
            Map<Long, Long> delta = new HashMap<>();
            for (int wi : new ArrayList<>(where.getOrDefault(top[0], Set.of()))) {
                int[] old = words.get(wi);
                if (contains(old, a, b) == false) {
                    continue; // the word lost this pair to an earlier merge
                }
                int[] nw = replace(old, a, b, c);
                words.set(wi, nw);
                update(pairs(old), pairs(nw), wi, weights.get(wi), pairCount, where, delta);
            }
            for (Map.Entry<Long, Long> d : delta.entrySet()) {
                if (d.getValue() != 0 && d.getKey() != top[0]) {
                    queue.add(new long[]{d.getKey(), pairCount.get(d.getKey())}); // only pairs whose count changed
                }
            }
            pairCount.remove(top[0]);
        }
        return merges;
    }

    /** Adds a word's pairs with {@code weight} (negative: removes them), keeping where-sets and the net change per pair. */
    private static void addPairs(
        int[] w,
        int wi,
        long weight,
        Map<Long, Long> count,
        Map<Long, Set<Integer>> where,
        Map<Long, Long> delta
    ) {
        for (int i = 0; i + 1 < w.length; i++) {
            long p = ((long) w[i] << PAIR_BITS) | w[i + 1]; // (a << 17 | b): Long.hashCode spreads it (a << 32 | b would hash to a ^ b)
            count.merge(p, weight, Long::sum);
            if (delta != null) {
                delta.merge(p, weight, Long::sum);
            }
            if (weight > 0) {
                where.computeIfAbsent(p, k -> new HashSet<>()).add(wi); // never removed: a superset, checked on use
            }
        }
    }

    private static long[] pairs(int[] w) {
        long[] p = new long[Math.max(0, w.length - 1)];
        for (int i = 0; i + 1 < w.length; i++) {
            p[i] = ((long) w[i] << PAIR_BITS) | w[i + 1];
        }
        java.util.Arrays.sort(p);
        return p;
    }

    /** Applies a word's change of pairs (sorted multisets): only pairs whose multiplicity changed are touched. */
    private static void update(
        long[] before,
        long[] after,
        int wi,
        long weight,
        Map<Long, Long> count,
        Map<Long, Set<Integer>> where,
        Map<Long, Long> delta
    ) {
        int i = 0;
        int j = 0;
        while (i < before.length || j < after.length) {
            if (j >= after.length || (i < before.length && before[i] < after[j])) {
                count.merge(before[i], -weight, Long::sum);
                delta.merge(before[i], -weight, Long::sum);
                i++;
            } else if (i >= before.length || after[j] < before[i]) {
                count.merge(after[j], weight, Long::sum);
                delta.merge(after[j], weight, Long::sum);
                where.computeIfAbsent(after[j], k -> new HashSet<>()).add(wi);
                j++;
            } else {
                i++;
                j++;
            }
        }
    }

    private static boolean contains(int[] w, int a, int b) {
        for (int i = 0; i + 1 < w.length; i++) {
            if (w[i] == a && w[i + 1] == b) {
                return true;
            }
        }
        return false;
    }

    private static int[] replace(int[] w, int a, int b, int c) {
        int[] out = new int[w.length];
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (i + 1 < w.length && w[i] == a && w[i + 1] == b) {
                out[n++] = c;
                i++;
            } else {
                out[n++] = w[i];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
