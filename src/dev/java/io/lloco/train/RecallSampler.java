/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import io.lloco.train.world.Document;
import io.lloco.train.world.Fact;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldTokenizer;

/**
 * Batches for {@link RecallTrainer}: documents cut to exactly {@code docTokens} tokens (so a batch needs no
 * padding, raw or compressed), each followed by a chain of short questions about the facts (and needle) stated in
 * the kept part: {@code "Question: Q\nAnswer:"} then the answer and EOS, the next question after that EOS. Only
 * answer tokens and their EOS carry a loss. Lookup questions ask for the value, choice questions list four
 * options and want {@code "{letter}. {value}"}, needle questions ask for the planted value; every question has
 * exactly one answer in the context. Deterministic: a batch is a function of (seed, split, batch index).
 */
public final class RecallSampler {

    /**
     * One document and its question chain.
     *
     * @param docId the world document id
     * @param context exactly {@code docTokens} token ids
     * @param chain question/answer tokens after the context
     * @param target whether {@code chain[i]} is an answer token (predicted from the position before it)
     * @param questions number of questions in the chain
     * @param avoid per chain position: the token that would start another person's value of the same kind where the
     *     answer first differs from it (the binding contrast: "Mara Quill lives in" must not continue with the town of
     *     another person whose home the context states too), or -1; set only on answer positions, and only for facts
     *     whose same-kind rival the context states ({@link Rivals}; for a choice, when the rival's value is an option;
     *     never for needles)
     */
    public record Row(String docId, int[] context, int[] chain, boolean[] target, int questions, int[] avoid) {

        /** Answer positions that carry a rival token. */
        public int contrasted() {
            int n = 0;
            for (int a : avoid) {
                n += a >= 0 ? 1 : 0;
            }
            return n;
        }
    }

    /** The shortest document the world writes. */
    private static final int MIN_WORLD_TOKENS = 64;

    private final World world;
    private final WorldTokenizer tok;
    private final long seed;
    private final int docTokens;
    private final int maxQuestions;
    private final double choiceRate;
    private final double needleRate;
    /** Retrieval rows: 0 = whole documents; K = the K segments that best match a question (see {@link #retrieval}). */
    private final int retrieve;
    private final int segmentTokens;
    private final int[] sourceTokens;
    /** Chains of cloze statements ("Mara Quill lives in" → "Tallowmere") instead of questions: see {@link #statements}. */
    private final boolean statements;

    /**
     * @param world the world
     * @param seed data seed
     * @param docTokens tokens per document (>= 32)
     * @param maxQuestions most questions per document (>= 1)
     * @param choiceRate share of fact questions asked as 4-option choice
     * @param needleRate share of documents with a planted needle
     */
    public RecallSampler(World world, long seed, int docTokens, int maxQuestions, double choiceRate, double needleRate) {
        if (docTokens < 32) {
            throw new IllegalArgumentException("--doc-tokens must be >= 32, got " + docTokens);
        }
        if (maxQuestions < 1) {
            throw new IllegalArgumentException("--questions must be >= 1, got " + maxQuestions);
        }
        this.world = world;
        this.tok = world.tokenizer();
        this.seed = seed;
        this.docTokens = docTokens;
        this.maxQuestions = maxQuestions;
        this.choiceRate = choiceRate;
        this.needleRate = needleRate;
        this.retrieve = 0;
        this.segmentTokens = 0;
        this.sourceTokens = new int[0];
        this.statements = false;
    }

    private RecallSampler(RecallSampler base, int retrieve, int segmentTokens, int[] sourceTokens, boolean statements) {
        this.world = base.world;
        this.tok = base.tok;
        this.seed = base.seed;
        this.docTokens = retrieve > 0 ? retrieve * segmentTokens : base.docTokens;
        this.maxQuestions = base.maxQuestions;
        this.choiceRate = base.choiceRate;
        this.needleRate = base.needleRate;
        this.retrieve = retrieve;
        this.segmentTokens = segmentTokens;
        this.sourceTokens = sourceTokens.clone();
        this.statements = statements;
    }

    /**
     * The same rows with every question replaced by a cloze statement about the same fact, cut before its value
     * ({@link ClozeMaker}: "Mara Quill lives in" → "Tallowmere", "The secret number is" → "4711"), and no
     * multiple-choice rows. This is the AutoCompressor-style fact-recall objective of LLOCO-SPEC's pretraining: the
     * base learns to read its summaries without ever seeing a question, so that answering questions in the paper's
     * prompt formats is left to the LoRA step (the paper's AutoCompressor, too, was never trained on QA).
     */
    public RecallSampler statements() {
        return new RecallSampler(this, retrieve, segmentTokens, sourceTokens, true);
    }

    /** Whether the chains are cloze statements instead of questions. */
    public boolean isStatements() {
        return statements;
    }

    /**
     * Rows of the segment-retrieval path ({@code lloco eval --retrieve K}, {@code _lloco_qa granularity: segment}):
     * a long document (lengths cycling through {@code sourceTokens}) is cut into segments of {@code segmentTokens};
     * one of its questions picks its {@code retrieve} best BM25 segments ({@link SegmentRetriever}, full segments
     * only); the context is those segments in document order ({@code retrieve * segmentTokens} tokens, to be compressed
     * segment by segment), and the chain asks that question first, then other questions whose statement lies inside
     * the retrieved segments — often about other people than the retrieved name, which is what reading several
     * retrieved segments must get right. Questions whose statement was not retrieved are not asked.
     */
    public RecallSampler retrieval(int retrieve, int segmentTokens, int[] sourceTokens) {
        if (retrieve < 1 || segmentTokens < 16 || sourceTokens.length == 0) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "retrieval rows need --retrieve >= 1 (got %d), --segment >= 16 (got %d) and source lengths",
                    retrieve,
                    segmentTokens
                )
            );
        }
        for (int t : sourceTokens) {
            if (t < retrieve * segmentTokens) {
                throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "--source-tokens %d is shorter than %d retrieved segments of %d", t, retrieve, segmentTokens)
                );
            }
        }
        return new RecallSampler(this, retrieve, segmentTokens, sourceTokens, statements);
    }

    /** Tokens per document. */
    public int docTokens() {
        return docTokens;
    }

    /** Batch {@code index} of {@code size} rows from {@code split}; documents {@code index * size ...} of a per-seed stream. */
    public List<Row> batch(Split split, long index, int size) {
        List<Row> rows = new ArrayList<>(size);
        long next = index * size * 4L;
        while (rows.size() < size) {
            Row r = row(split, next++);
            if (r != null) {
                rows.add(r);
            }
        }
        return rows;
    }

    /** The row of document {@code docIndex}, or null when the cut leaves nothing to ask. */
    Row row(Split split, long docIndex) {
        if (retrieve > 0) {
            return retrievalRow(split, docIndex);
        }
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + docIndex * 31 + split.ordinal());
        boolean needle = rnd.nextDouble() < needleRate;
        long worldIndex = (seed << 32) + docIndex;
        Document doc = null;
        int[] ids = null;
        for (int extra : new int[]{8, 40, 120}) {
            double depth = needle ? rnd.nextDouble() : 0;
            // the world writes documents of at least 64 tokens: a shorter row is the head of one, its needle
            // planted at a depth within the kept head
            int gen = Math.max(MIN_WORLD_TOKENS, docTokens + extra);
            double d = gen > docTokens + extra ? depth * docTokens / gen : depth;
            doc = needle ? world.needleDocument(split, worldIndex, gen, d) : world.document(split, worldIndex, gen);
            ids = tok.encode(doc.text());
            if (ids.length >= docTokens) {
                break;
            }
        }
        if (ids.length < docTokens) {
            return null;
        }
        int[] context = Arrays.copyOf(ids, docTokens);
        List<Fact> kept = new ArrayList<>();
        for (Fact f : doc.facts()) {
            if (f.tokenOffset() + tok.count(f.sentence()) + 1 <= docTokens) {
                kept.add(f);
            }
        }
        List<int[][]> qa = new ArrayList<>();
        if (kept.isEmpty() == false) {
            int n = doc.facts().size();
            List<QaExample> lookup = world.questions(doc, TaskFamily.LOOKUP, n);
            List<QaExample> choice = world.questions(doc, TaskFamily.CHOICE, n);
            for (int i = 0; i < n; i++) {
                QaExample q = rnd.nextDouble() < choiceRate && statements == false ? choice.get(i) : lookup.get(i);
                if (asksAbout(q, kept)) {
                    qa.add(encode(q, doc, rnd, kept));
                }
            }
        }
        if (doc.hasNeedle() && doc.needle().tokenOffset() + tok.count(doc.needle().sentence()) + 2 <= docTokens) {
            qa.add(encode(world.questions(doc, TaskFamily.NEEDLE, 1).get(0), doc, rnd, List.of()));
        }
        if (qa.isEmpty()) {
            return null;
        }
        // shuffle, cap
        for (int i = qa.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int[][] t = qa.get(i);
            qa.set(i, qa.get(j));
            qa.set(j, t);
        }
        return chain(doc.id(), context, qa.subList(0, Math.min(maxQuestions, qa.size())));
    }

    private Row retrievalRow(Split split, long docIndex) {
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + docIndex * 31 + split.ordinal() + 7);
        boolean needle = rnd.nextDouble() < needleRate;
        long worldIndex = (seed << 32) + docIndex;
        int tokens = sourceTokens[(int) Math.floorMod(docIndex, (long) sourceTokens.length)];
        Document doc = needle
            ? world.needleDocument(split, worldIndex, tokens, rnd.nextDouble())
            : world.document(split, worldIndex, tokens);
        int[] ids = tok.encode(doc.text());
        int full = ids.length / segmentTokens;
        if (full < retrieve) {
            return null;
        }
        List<String> texts = new ArrayList<>(full);
        for (int k = 0; k < full; k++) {
            texts.add(tok.decode(Arrays.copyOfRange(ids, k * segmentTokens, (k + 1) * segmentTokens)));
        }
        // every question this document can be asked, in random order; the first one whose statement its own
        // retrieval finds decides the segments
        List<QaExample> asked = new ArrayList<>();
        List<int[]> spans = new ArrayList<>(); // {first token, end token} of the statement
        int n = doc.facts().size();
        List<QaExample> lookup = world.questions(doc, TaskFamily.LOOKUP, n);
        List<QaExample> choice = world.questions(doc, TaskFamily.CHOICE, n);
        for (int i = 0; i < n; i++) {
            QaExample q = rnd.nextDouble() < choiceRate && statements == false ? choice.get(i) : lookup.get(i);
            Fact f = factOf(q, doc.facts());
            if (f != null) {
                asked.add(q);
                spans.add(new int[]{f.tokenOffset(), f.tokenOffset() + tok.count(f.sentence()) + 1});
            }
        }
        if (doc.hasNeedle()) {
            asked.add(world.questions(doc, TaskFamily.NEEDLE, 1).get(0));
            spans.add(new int[]{doc.needle().tokenOffset(), doc.needle().tokenOffset() + tok.count(doc.needle().sentence()) + 2});
        }
        int[] order = new int[asked.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        if (doc.hasNeedle() && order.length > 0) {
            // a needle document asks its needle first
            for (int i = 0; i < order.length; i++) {
                if (order[i] == order.length - 1) {
                    order[i] = order[0];
                    order[0] = order.length - 1;
                    break;
                }
            }
        }
        for (int first : order) {
            int[] top = SegmentRetriever.topK(texts, asked.get(first).question(), retrieve);
            if (inside(spans.get(first), top) == false) {
                continue;
            }
            List<Fact> visible = new ArrayList<>();
            for (Fact f : doc.facts()) {
                if (inside(new int[]{f.tokenOffset(), f.tokenOffset() + tok.count(f.sentence()) + 1}, top)) {
                    visible.add(f);
                }
            }
            List<int[][]> chosen = new ArrayList<>();
            chosen.add(encode(asked.get(first), doc, rnd, visible));
            for (int i : order) {
                if (chosen.size() >= maxQuestions) {
                    break;
                }
                if (i != first && inside(spans.get(i), top)) {
                    chosen.add(encode(asked.get(i), doc, rnd, visible));
                }
            }
            int[] context = new int[retrieve * segmentTokens];
            for (int k = 0; k < top.length; k++) {
                System.arraycopy(ids, top[k] * segmentTokens, context, k * segmentTokens, segmentTokens);
            }
            return chain(doc.id(), context, chosen);
        }
        return null;
    }

    /** Whether the token span lies inside one of the segments {@code top} (sorted, in document order). */
    private boolean inside(int[] span, int[] top) {
        for (int k : top) {
            if (span[0] >= k * segmentTokens && span[1] <= (k + 1) * segmentTokens) {
                return true;
            }
        }
        return false;
    }

    /** The fact of {@code facts} that {@code q} asks about, or null. */
    private static Fact factOf(QaExample q, List<Fact> facts) {
        return Rivals.factOf(q, facts);
    }

    private static Row chain(String docId, int[] context, List<int[][]> chosen) {
        int len = 0;
        for (int[][] p : chosen) {
            len += p[0].length + p[1].length;
        }
        int[] chain = new int[len];
        boolean[] target = new boolean[len];
        int[] avoid = new int[len];
        Arrays.fill(avoid, -1);
        int j = 0;
        for (int[][] p : chosen) {
            for (int t : p[0]) {
                chain[j++] = t;
            }
            for (int k = 0; k < p[1].length; k++) {
                target[j] = true;
                avoid[j] = p[2][k];
                chain[j++] = p[1][k];
            }
        }
        return new Row(docId, context, chain, target, chosen.size(), avoid);
    }

    /** Whether the question's fact is one of {@code kept} (matched by type, value and the person named in the question). */
    private static boolean asksAbout(QaExample q, List<Fact> kept) {
        return factOf(q, kept) != null;
    }

    /**
     * {prompt ids, answer ids + EOS, rival per answer token}: the short question format, or the fact's cloze statement
     * in statement mode; the rival ({@link Row#avoid}) comes from the same-kind facts of other people in
     * {@code visible}, the facts the row's context states.
     */
    private int[][] encode(QaExample q, Document doc, SplittableRandom rnd, List<Fact> visible) {
        if (statements) {
            ClozeMaker.Cloze c = q.task() == TaskFamily.NEEDLE ? ClozeMaker.of(doc.needle()) : ClozeMaker.of(factOf(q, doc.facts()), rnd);
            int[] answer = PretrainSampler.withEos(tok.encode(c.value()));
            Fact f = q.task() == TaskFamily.NEEDLE ? null : factOf(q, doc.facts());
            return new int[][]{tok.encode(c.prefix()), answer, Rivals.of(tok, f, List.of(), c.value(), visible, answer)};
        }
        StringBuilder p = new StringBuilder("Question: ").append(q.question());
        if (q.options().isEmpty() == false) {
            for (int i = 0; i < q.options().size(); i++) {
                p.append(i == 0 ? "\nChoices: " : " ").append((char) ('A' + i)).append(". ").append(q.options().get(i));
            }
        }
        p.append("\nAnswer:");
        int[] answer = PretrainSampler.withEos(tok.encode(q.answer()));
        Fact f = q.task() == TaskFamily.NEEDLE ? null : factOf(q, doc.facts());
        return new int[][]{tok.encode(p.toString()), answer, Rivals.of(tok, f, q.options(), q.answer(), visible, answer)};
    }

}
