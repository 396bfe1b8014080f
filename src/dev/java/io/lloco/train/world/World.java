/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.world;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The synthetic long-document QA world: deterministic documents of a requested token length, with a cast of
 * people, facts about them stated in a few regular sentence patterns, narrative filler, optional needles, and
 * questions in three task families. See the package documentation for the design.
 *
 * <p>Thread-safe: instances are immutable; every call derives its own random generator from the world seed,
 * the split and the document index.
 */
public final class World {

    private final long seed;
    private final WorldConfig config;
    private final WorldTokenizer tokenizer;

    /** A world with the default config and the bundled lloco-tiny tokenizer. */
    public World(long seed) {
        this(seed, WorldConfig.defaults(), WorldTokenizer.bundled());
    }

    /** A world with an explicit config and tokenizer (the tokenizer measures document lengths). */
    public World(long seed, WorldConfig config, WorldTokenizer tokenizer) {
        this.seed = seed;
        this.config = config;
        this.tokenizer = tokenizer;
    }

    /** The world seed. */
    public long seed() {
        return seed;
    }

    /** The tokenizer used for length control. */
    public WorldTokenizer tokenizer() {
        return tokenizer;
    }

    /** The seed of document {@code index} of {@code split}: distinct splits never share a seed stream. */
    public long documentSeed(Split split, long index) {
        return Rng.seed(seed, split.salt(), index);
    }

    /** A document without a needle, {@code targetTokens} long (within 5%, usually within a few tokens). */
    public Document document(Split split, long index, int targetTokens) {
        return build(split, index, targetTokens, Double.NaN);
    }

    /**
     * A document with a needle sentence planted as its own line at {@code depth} (0 = first line, 1 = last
     * line): like the paper, at the last paragraph boundary at or before depth x length.
     */
    public Document needleDocument(Split split, long index, int targetTokens, double depth) {
        if ((depth >= 0 && depth <= 1) == false) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "needle depth must be in [0, 1], got %s", depth));
        }
        return build(split, index, targetTokens, depth);
    }

    /** Plain world text for language-model pretraining: document {@code index} of the PRETRAIN split. */
    public String lmText(long index, int targetTokens) {
        return document(Split.PRETRAIN, index, targetTokens).text();
    }

    /**
     * An endless stream of PRETRAIN documents starting at {@code startIndex}, each with a length drawn
     * uniformly from [minTokens, maxTokens] (deterministic from the world seed and the index).
     */
    public java.util.Iterator<Document> lmStream(long startIndex, int minTokens, int maxTokens) {
        if (minTokens < WorldConfig.MIN_TOKENS || maxTokens < minTokens || maxTokens > WorldConfig.MAX_TOKENS) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "need %d <= minTokens <= maxTokens <= %d, got %d..%d",
                    WorldConfig.MIN_TOKENS,
                    WorldConfig.MAX_TOKENS,
                    minTokens,
                    maxTokens
                )
            );
        }
        return new java.util.Iterator<>() {

            private long index = startIndex;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Document next() {
                long i = index++;
                int tokens = minTokens + new Rng(Rng.seed(seed, Split.PRETRAIN.salt(), i, 7)).nextInt(maxTokens - minTokens + 1);
                return document(Split.PRETRAIN, i, tokens);
            }
        };
    }

    // ------------------------------------------------------------------------------------------ cast

    private static final int POOL = 20;

    /** "a empty" becomes "an empty" in filler (fact sentences choose their article explicitly). */
    private static final java.util.regex.Pattern AN_BEFORE_VOWEL = java.util.regex.Pattern.compile("\\b([Aa]) ([aeiou])");

    /** The full cast pool of a document (its first k members are the cast), with sibling pairs. */
    private static final class Pool {

        final List<Person> people = new ArrayList<>();
        final List<String> towns = new ArrayList<>();
        final List<String> years = new ArrayList<>();
        final List<String> colours = new ArrayList<>();
        final List<String> jobs = new ArrayList<>();
        final List<String> possessions = new ArrayList<>();
        final List<String> counts = new ArrayList<>();
        /** sibling[i] = index of i's sibling or -1. */
        final int[] sibling = new int[POOL];
    }

    private static Pool pool(long docSeed) {
        Rng r = new Rng(Rng.seed(docSeed, 1));
        Pool p = new Pool();
        java.util.Arrays.fill(p.sibling, -1);
        for (int i = 0; i + 1 < POOL; i++) {
            if (p.sibling[i] < 0 && r.chance(0.3)) {
                p.sibling[i] = i + 1;
                p.sibling[i + 1] = i;
                i++;
            }
        }
        Set<String> firsts = new HashSet<>();
        Set<String> surnames = new HashSet<>();
        Set<String> towns = new HashSet<>();
        for (int i = 0; i < POOL; i++) {
            boolean female = r.chance(0.5);
            String first;
            do {
                first = r.pick(WorldLexicon.FIRST_STARTS) + r.pick(female ? WorldLexicon.FEMALE_ENDS : WorldLexicon.MALE_ENDS);
            } while (firsts.add(first) == false);
            String surname;
            if (p.sibling[i] >= 0 && p.sibling[i] < i) {
                surname = p.people.get(p.sibling[i]).surname();
            } else {
                do {
                    surname = r.pick(WorldLexicon.SURNAME_STARTS) + r.pick(WorldLexicon.SURNAME_ENDS);
                } while (surnames.add(surname) == false);
            }
            p.people.add(new Person(first, surname, female));
            String town;
            do {
                town = town(r);
            } while (towns.add(town) == false);
            p.towns.add(town);
            p.years.add(Integer.toString(r.nextInt(WorldLexicon.MIN_YEAR, WorldLexicon.MAX_YEAR)));
            p.colours.add(r.pick(WorldLexicon.COLOURS));
            p.jobs.add(r.pick(WorldLexicon.JOBS));
            p.possessions.add(r.pick(WorldLexicon.POSSESSIONS));
            p.counts.add(Integer.toString(r.nextInt(WorldLexicon.MIN_COUNT, WorldLexicon.MAX_COUNT)));
        }
        return p;
    }

    private static String town(Rng r) {
        return r.pick(WorldLexicon.TOWN_STARTS) + r.pick(WorldLexicon.TOWN_ENDS);
    }

    private static String article(String noun) {
        return "aeiou".indexOf(noun.charAt(0)) >= 0 ? "an" : "a";
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String fill(String pattern, String p, String v, String o, String a, String r, String q) {
        String s = pattern.replace("{P}", p).replace("{V}", v);
        if (o != null) {
            s = s.replace("{O}", o);
        }
        if (a != null) {
            s = s.replace("{A}", a);
        }
        if (r != null) {
            s = s.replace("{R}", r);
        }
        if (q != null) {
            s = s.replace("{Q}", q);
        }
        return capitalize(s);
    }

    /** The facts a document of this size states, in random order, sentences unplaced. */
    private List<Fact> chooseFacts(Pool pool, int castSize, int numFacts, Rng r) {
        List<Fact> candidates = new ArrayList<>();
        for (int i = 0; i < castSize; i++) {
            Person person = pool.people.get(i);
            for (FactType t : FactType.values()) {
                if (t == FactType.SIBLING) {
                    int j = pool.sibling[i];
                    if (j >= 0 && j < castSize && i < j) {
                        boolean iIsSubject = r.chance(0.5);
                        Person subject = iIsSubject ? person : pool.people.get(j);
                        Person anchor = iIsSubject ? pool.people.get(j) : person;
                        candidates.add(new Fact(t, subject, subject.fullName(), null, anchor, null, -1, -1));
                    }
                    continue;
                }
                String value = switch (t) {
                    case LIVES_IN -> pool.towns.get(i);
                    case BORN_IN -> pool.years.get(i);
                    case COLOUR -> pool.colours.get(i);
                    case JOB -> pool.jobs.get(i);
                    case OWNS -> pool.counts.get(i);
                    default -> throw new AssertionError(t);
                };
                String possession = t == FactType.OWNS ? pool.possessions.get(i) : null;
                candidates.add(new Fact(t, person, value, possession, null, null, -1, -1));
            }
        }
        r.shuffle(candidates);
        List<Fact> chosen = new ArrayList<>(candidates.subList(0, Math.min(numFacts, candidates.size())));
        List<Fact> out = new ArrayList<>();
        for (Fact f : chosen) {
            String pattern = r.pick(WorldLexicon.factPatterns(f.type()));
            String sentence = switch (f.type()) {
                case SIBLING ->
                    fill(pattern, f.subject().fullName(), f.value(), null, null, f.subject().siblingWord(), f.anchor().fullName());
                case JOB -> fill(pattern, f.subject().fullName(), f.value(), null, article(f.value()), null, null);
                default -> fill(pattern, f.subject().fullName(), f.value(), f.possession(), null, null, null);
            };
            out.add(new Fact(f.type(), f.subject(), f.value(), f.possession(), f.anchor(), sentence, -1, -1));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ filler

    private String filler(Rng r, List<Person> cast) {
        String template = r.pick(WorldLexicon.FILLER_TEMPLATES);
        String s1 = subject(r, cast, null);
        String s2 = subject(r, cast, s1);
        String l1 = r.pick(WorldLexicon.PLACES);
        String l2;
        do {
            l2 = r.pick(WorldLexicon.PLACES);
        } while (l2.equals(l1));
        String j1 = r.pick(WorldLexicon.ADJECTIVES);
        String j2;
        do {
            j2 = r.pick(WorldLexicon.ADJECTIVES);
        } while (j2.equals(j1));
        String s = template.replace("{S2}", s2)
            .replace("{S}", s1)
            .replace("{L2}", l2)
            .replace("{L}", l1)
            .replace("{T}", r.pick(WorldLexicon.TIMES))
            .replace("{W}", r.pick(WorldLexicon.WEATHER))
            .replace("{J2}", j2)
            .replace("{J}", j1)
            .replace("{H}", r.pick(WorldLexicon.THINGS))
            .replace("{N}", r.pick(WorldLexicon.SOUNDS))
            .replace("{A}", r.pick(WorldLexicon.ACTIONS))
            .replace("{M}", r.pick(WorldLexicon.MOTIONS));
        return capitalize(AN_BEFORE_VOWEL.matcher(s).replaceAll("$1n $2"));
    }

    private String subject(Rng r, List<Person> cast, String not) {
        while (true) {
            String s = r.chance(config.castMentionRate()) ? r.pick(cast).fullName() : r.pick(WorldLexicon.GENERIC_SUBJECTS);
            if (s.equals(not) == false) {
                return s;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ layout

    /** One sentence in the layout. */
    private record Item(String text, Fact fact, boolean needle) {
    }

    private Document build(Split split, long index, int targetTokens, double depth) {
        if (targetTokens < WorldConfig.MIN_TOKENS || targetTokens > WorldConfig.MAX_TOKENS) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "targetTokens must be in [%d, %d], got %d",
                    WorldConfig.MIN_TOKENS,
                    WorldConfig.MAX_TOKENS,
                    targetTokens
                )
            );
        }
        long docSeed = documentSeed(split, index);
        Pool pool = pool(docSeed);
        Rng r = new Rng(Rng.seed(docSeed, 2, targetTokens));
        int numFacts = Math.max(config.minFacts(), Math.min(config.maxFacts(), targetTokens / config.tokensPerFact()));
        // very short documents: at most one fact per 40 tokens, so facts never crowd out the length target
        numFacts = Math.min(numFacts, Math.max(1, targetTokens / 40));
        int castSize = Math.max(config.minCast(), Math.min(Math.min(config.maxCast(), POOL), (numFacts + 2) / 3));
        List<Person> cast = List.copyOf(pool.people.subList(0, castSize));
        List<Fact> facts = chooseFacts(pool, castSize, numFacts, r);

        Needle needleSpec = null;
        String needleSentence = null;
        int needleTokens = 0;
        if (Double.isNaN(depth) == false) {
            Rng nr = new Rng(Rng.seed(docSeed, 3));
            WorldLexicon.NeedleKind kind = nr.pick(List.of(WorldLexicon.NeedleKind.values()));
            String value = switch (kind) {
                case MAGIC_CITY -> {
                    Set<String> used = new HashSet<>(pool.towns);
                    String t;
                    do {
                        t = town(nr);
                    } while (used.contains(t));
                    yield t;
                }
                // above every birth year and count, so the number occurs nowhere else
                case SECRET_NUMBER -> Integer.toString(nr.nextInt(2000, 9999));
                case MAGIC_ANIMAL -> nr.pick(WorldLexicon.NEEDLE_ANIMALS);
            };
            needleSentence = kind.pattern().replace("{V}", value);
            needleSpec = new Needle(kind, needleSentence, kind.question(), value, depth, Double.NaN, -1, -1);
            needleTokens = tokenizer.countContinuation("\n" + needleSentence);
        }

        // Facts are spoken at random points of the filler stream; filler stops when the budget is spent.
        int factTokens = 0;
        for (Fact f : facts) {
            factTokens += tokenizer.countContinuation(" " + f.sentence());
        }
        int budget = targetTokens - needleTokens;
        int fillerBudget = Math.max(0, budget - factTokens);
        double[] at = new double[facts.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = r.nextDouble() * fillerBudget;
        }
        java.util.Arrays.sort(at);

        List<List<Item>> paragraphs = new ArrayList<>();
        List<Item> para = new ArrayList<>();
        int paraSize = r.nextInt(config.minParagraph(), config.maxParagraph());
        int fillerSoFar = 0;
        int nextFact = 0;
        // rough per-sentence cost of a paragraph break ("\n" is one extra token)
        while (true) {
            Item item;
            if (nextFact < facts.size() && at[nextFact] <= fillerSoFar) {
                item = new Item(facts.get(nextFact).sentence(), facts.get(nextFact), false);
                nextFact++;
            } else {
                int gap = fillerBudget - fillerSoFar - paragraphs.size();
                if (gap <= 0) {
                    break;
                }
                String s;
                int len;
                if (gap > 40) {
                    s = filler(r, cast);
                    len = tokenizer.countContinuation(" " + s);
                } else {
                    // close to the end: pick the best-fitting of a few candidates, or stop if none helps
                    String best = null;
                    int bestLen = 0;
                    for (int c = 0; c < 8; c++) {
                        String cand = filler(r, cast);
                        int l = tokenizer.countContinuation(" " + cand);
                        if (best == null || Math.abs(gap - l) < Math.abs(gap - bestLen)) {
                            best = cand;
                            bestLen = l;
                        }
                    }
                    if (Math.abs(gap - bestLen) >= gap) {
                        break;
                    }
                    s = best;
                    len = bestLen;
                }
                item = new Item(s, null, false);
                fillerSoFar += len;
            }
            para.add(item);
            if (para.size() >= paraSize) {
                paragraphs.add(para);
                para = new ArrayList<>();
                paraSize = r.nextInt(config.minParagraph(), config.maxParagraph());
            }
        }
        while (nextFact < facts.size()) {
            para.add(new Item(facts.get(nextFact).sentence(), facts.get(nextFact), false));
            nextFact++;
        }
        if (para.isEmpty() == false) {
            paragraphs.add(para);
        }

        // Needle: its own line, at the last paragraph boundary at or before depth x length.
        int needleParagraph = -1;
        if (needleSpec != null) {
            int[] paraTokens = new int[paragraphs.size()];
            int total = 0;
            for (int i = 0; i < paragraphs.size(); i++) {
                for (Item it : paragraphs.get(i)) {
                    paraTokens[i] += tokenizer.countContinuation(" " + it.text());
                }
                paraTokens[i] += 1;
                total += paraTokens[i];
            }
            total += needleTokens;
            if (depth >= 1.0) {
                needleParagraph = paragraphs.size();
            } else {
                double p = depth * total;
                int boundary = 0;
                needleParagraph = 0;
                for (int i = 0; i < paragraphs.size(); i++) {
                    if (boundary + paraTokens[i] > p) {
                        break;
                    }
                    boundary += paraTokens[i];
                    needleParagraph = i + 1;
                }
            }
            paragraphs.add(needleParagraph, List.of(new Item(needleSentence, null, true)));
        }

        // Assemble with exact counts: each sentence is counted with the separator it actually follows.
        StringBuilder text = new StringBuilder(targetTokens * 6);
        int tokens = 0;
        List<Fact> placed = new ArrayList<>();
        Needle placedNeedle = null;
        for (int pi = 0; pi < paragraphs.size(); pi++) {
            List<Item> items = paragraphs.get(pi);
            for (int si = 0; si < items.size(); si++) {
                Item it = items.get(si);
                String sep = text.length() == 0 ? "" : (si == 0 ? "\n" : " ");
                int sentenceTokens = sep.isEmpty() ? tokenizer.count(it.text()) : tokenizer.countContinuation(sep + it.text());
                int sepTokens = sep.equals("\n") ? 1 : 0;
                text.append(sep);
                int charOffset = text.length();
                int tokenOffset = tokens + sepTokens;
                if (it.fact() != null) {
                    placed.add(it.fact().at(charOffset, tokenOffset));
                } else if (it.needle()) {
                    placedNeedle = needleSpec;
                    placedNeedle = new Needle(
                        needleSpec.kind(),
                        needleSpec.sentence(),
                        needleSpec.question(),
                        needleSpec.value(),
                        depth,
                        Double.NaN,
                        charOffset,
                        tokenOffset
                    );
                }
                text.append(it.text());
                tokens += sentenceTokens;
            }
        }
        if (placedNeedle != null) {
            placedNeedle = new Needle(
                placedNeedle.kind(),
                placedNeedle.sentence(),
                placedNeedle.question(),
                placedNeedle.value(),
                depth,
                tokens == 0 ? 0 : (double) placedNeedle.tokenOffset() / tokens,
                placedNeedle.charOffset(),
                placedNeedle.tokenOffset()
            );
        }
        String id = String.format(Locale.ROOT, "w%d-%s-%d-t%d", seed, split.tag(), index, targetTokens);
        if (placedNeedle != null) {
            id += String.format(Locale.ROOT, "-n%.4f", depth);
        }
        return new Document(id, split, index, docSeed, targetTokens, text.toString(), tokens, cast, List.copyOf(placed), placedNeedle);
    }

    // ------------------------------------------------------------------------------------------ questions

    /**
     * {@code n} questions about {@code doc} in {@code family}. LOOKUP and CHOICE ask about the document's facts
     * (each fact once before any repeats, with another phrasing on repeat); NEEDLE returns the single needle
     * question (at most one example) and requires a needle document. Deterministic: the first k of n questions
     * equal the k questions of a call with n = k.
     */
    public List<QaExample> questions(Document doc, TaskFamily family, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("question count must be >= 0, got " + n);
        }
        List<QaExample> out = new ArrayList<>();
        if (family == TaskFamily.NEEDLE) {
            if (doc.needle() == null) {
                throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "document %s has no needle; create it with World.needleDocument(...)", doc.id())
                );
            }
            if (n > 0) {
                Needle nd = doc.needle();
                out.add(
                    new QaExample(
                        doc.id() + "/needle/0", doc.id(), family, nd.question(), List.of(), nd.value(), nd.value(), nd.depth(), null
                    )
                );
            }
            return out;
        }
        if (doc.facts().isEmpty()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "document %s states no facts", doc.id()));
        }
        Rng r = new Rng(Rng.seed(doc.seed(), 4, doc.targetTokens(), family.ordinal()));
        List<Fact> order = new ArrayList<>(doc.facts());
        r.shuffle(order);
        int phrasing = r.nextInt(2);
        for (int i = 0; i < n; i++) {
            Fact f = order.get(i % order.size());
            List<String> patterns = WorldLexicon.questionPatterns(f.type());
            String pattern = patterns.get((phrasing + i % order.size() + i / order.size()) % patterns.size());
            String question = switch (f.type()) {
                case SIBLING -> fill(pattern, "", "", null, null, f.subject().siblingWord(), f.anchor().fullName());
                default -> fill(pattern, f.subject().fullName(), "", f.possession(), null, null, null);
            };
            String qid = String.format(Locale.ROOT, "%s/%s/%d", doc.id(), family.templateName(), i);
            if (family == TaskFamily.LOOKUP) {
                out.add(new QaExample(qid, doc.id(), family, question, List.of(), f.value(), f.value(), Double.NaN, f.type()));
            } else {
                Rng cr = new Rng(Rng.seed(doc.seed(), 5, doc.targetTokens(), i));
                List<String> options = new ArrayList<>(distractors(doc, f, cr));
                int correct = cr.nextInt(4);
                options.add(correct, f.value());
                String letter = String.valueOf((char) ('A' + correct));
                out.add(
                    new QaExample(
                        qid, doc.id(), family, question, List.copyOf(options), letter + ". " + f.value(), letter, Double.NaN, f.type()
                    )
                );
            }
        }
        return out;
    }

    /** Three distinct wrong values of the fact's type: stated in the document first, then the cast pool, then global. */
    private List<String> distractors(Document doc, Fact f, Rng r) {
        Set<String> chosen = new LinkedHashSet<>();
        List<String> stated = new ArrayList<>();
        for (Fact g : doc.facts()) {
            if (g.type() == f.type()) {
                stated.add(g.value());
            }
        }
        Pool pool = pool(doc.seed());
        List<String> fromPool = new ArrayList<>();
        for (int i = 0; i < doc.cast().size(); i++) {
            Person p = pool.people.get(i);
            switch (f.type()) {
                case LIVES_IN -> fromPool.add(pool.towns.get(i));
                case BORN_IN -> fromPool.add(pool.years.get(i));
                case COLOUR -> fromPool.add(pool.colours.get(i));
                case JOB -> fromPool.add(pool.jobs.get(i));
                case OWNS -> fromPool.add(pool.counts.get(i));
                case SIBLING -> {
                    if (p.equals(f.anchor()) == false && p.female() == f.subject().female()) {
                        fromPool.add(p.fullName());
                    }
                }
            }
        }
        r.shuffle(stated);
        r.shuffle(fromPool);
        String excluded = f.anchor() == null ? null : f.anchor().fullName();
        for (List<String> source : List.of(stated, fromPool)) {
            for (String v : source) {
                if (chosen.size() < 3 && v.equals(f.value()) == false && v.equals(excluded) == false) {
                    chosen.add(v);
                }
            }
        }
        int guard = 0;
        while (chosen.size() < 3) {
            String v = switch (f.type()) {
                case LIVES_IN -> town(r);
                case BORN_IN -> Integer.toString(r.nextInt(WorldLexicon.MIN_YEAR, WorldLexicon.MAX_YEAR));
                case COLOUR -> r.pick(WorldLexicon.COLOURS);
                case JOB -> r.pick(WorldLexicon.JOBS);
                case OWNS -> Integer.toString(r.nextInt(WorldLexicon.MIN_COUNT, WorldLexicon.MAX_COUNT));
                case SIBLING -> r.pick(WorldLexicon.FIRST_STARTS)
                    + r.pick(f.subject().female() ? WorldLexicon.FEMALE_ENDS : WorldLexicon.MALE_ENDS)
                    + " "
                    + f.subject().surname();
            };
            if (v.equals(f.value()) == false && v.equals(excluded) == false) {
                chosen.add(v);
            }
            if (++guard > 10_000) {
                throw new IllegalStateException("cannot find distractors for " + f);
            }
        }
        List<String> out = new ArrayList<>(chosen);
        r.shuffle(out);
        return out;
    }
}
