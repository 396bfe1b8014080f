/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.lloco.retrieval.AnswerSupport;
import io.lloco.runtime.compress.AutoCompressor;
import io.lloco.runtime.compress.Segmentation;
import io.lloco.runtime.generate.GenerationParams;
import io.lloco.runtime.generate.GenerationRequest;
import io.lloco.runtime.generate.GenerationResult;
import io.lloco.runtime.generate.Generator;
import io.lloco.runtime.generate.Hypothesis;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.prompt.PromptTemplates;
import io.lloco.runtime.tokenizer.TokenCodec;
import io.lloco.train.world.Document;
import io.lloco.train.world.Fact;
import io.lloco.train.world.FactType;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldEval;
import io.lloco.train.world.WorldTokenizer;

/**
 * Held-out evaluation on the world's TEST split through the runtime's own code paths: {@link AutoCompressor}
 * (accumulated summaries, no LoRA) and the batched greedy {@link Generator} (with or without an adapter).
 *
 * <p>Modes: {@code lloco} = {@code [summaries ; prompt]}; {@code full} = {@code [document tokens ; prompt]}
 * when it fits {@code max_position_embeddings} (questions that do not fit are counted in
 * {@code skipped_not_fitting}); {@code none} = the prompt alone. Scores: CHOICE = first character equals the
 * gold letter (QuALITY); NEEDLE = the answer contains the value; LOOKUP accuracy = exact match after
 * SQuAD normalisation (token F1 is reported as {@code f1}). {@code well_formed} is the share of answers in the
 * target's form (right or wrong), which shows what an adapter learned even when accuracy does not move.
 */
public final class Evaluator {

    /** How a CHOICE question is answered. */
    public enum ChoiceScoring {

        /** The answer is generated freely and scored on its first letter (the paper's QuALITY protocol). */
        GENERATE,
        /** The four "{letter}. {option}" targets are ranked by likelihood under the multiple-choice prompt. */
        RANK,
        /**
         * Each option's own text is ranked by its likelihood as the answer to the question under the short-answer
         * prompt, without the options in the prompt (cloze scoring, as language-model evaluation harnesses score
         * multiple choice).
         */
        CLOZE;

        /** The value as written on the command line and in requests. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses generate|rank|cloze. */
        public static ChoiceScoring parse(String s) {
            for (ChoiceScoring c : values()) {
                if (c.value().equals(s)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("--choice-mode must be generate, rank or cloze, got [" + s + "]");
        }
    }

    /** Evaluation modes. */
    public enum Mode {

        /** Summaries + prompt. */
        LLOCO,
        /** Uncompressed document + prompt. */
        FULL,
        /** Prompt only. */
        NONE;

        /** Parses lloco|full|none. */
        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--mode must be lloco, full or none, got [%s]", s));
        }
    }

    /**
     * One evaluation.
     *
     * @param task task family
     * @param mode mode
     * @param n number of questions
     * @param seed world seed
     * @param docTokens document length
     * @param questionsPerDoc questions per document (lookup and choice; needle has one)
     * @param choiceScoring CHOICE only: generate the answer freely, rank the four "{letter}. {option}" targets by their
     *     likelihood under the multiple-choice prompt ({@link Generator#continuationLogProbs}), or rank the options'
     *     own text as answers to the question under the short-answer prompt (cloze)
     * @param retrieve 0: the whole document; k > 0: the plugin's {@code granularity: segment} path — every segment
     *     compressed independently, the k segments that best match the question (BM25, {@link SegmentRetriever}) in
     *     document order, their summaries ({@code lloco}) or their text ({@code full}) before the prompt
     * @param boundary where segments are cut ({@link Segmentation}): fixed token counts or whole sentences
     * @param sentenceBoost with {@code retrieve}: weight of a segment's best-matching sentence in its retrieval score
     *     ({@link SegmentRetriever#scores(List, String, double)}; the plugin's {@code sentence_boost}), 0 for plain BM25
     * @param matchChoices with {@code retrieve}, CHOICE: match the question followed by the options' text against the
     *     segments (the plugin's {@code match_choices}), not the question alone
     * @param answerCandidates with {@code retrieve}, LOOKUP and NEEDLE: 1, or read each of this many best segments
     *     alone and keep the answer its segment supports best ({@link AnswerSupport}; the plugin's
     *     {@code answer_candidates}); decoder positions are summed over the reads
     * @param answerBeams with {@code retrieve}, LOOKUP and NEEDLE: 1 (greedy), or read every candidate segment with a
     *     beam search of this many hypotheses ({@link Generator#beamSearch}) and keep, over all segments and
     *     hypotheses, the answer best supported by its segment's text (the plugin's {@code answer_beams})
     * @param answerCandidatesMax with {@code answerCandidates}: while no answer read so far is confirmed by its segment
     *     (stated in a sentence holding all the question's names), read the next {@code answerCandidates} best segments, up to this many in all (the plugin's
     *     {@code answer_candidates_max}); decoder positions count every read
     */
    public record Spec(
        TaskFamily task,
        Mode mode,
        int n,
        long seed,
        int docTokens,
        int questionsPerDoc,
        ChoiceScoring choiceScoring,
        int retrieve,
        Segmentation.Boundary boundary,
        double sentenceBoost,
        boolean matchChoices,
        int answerCandidates,
        int answerBeams,
        int answerCandidatesMax) {

        /** Validates. */
        public Spec {
            if (retrieve < 0) {
                throw new IllegalArgumentException("--retrieve must be >= 0, got " + retrieve);
            }
            Objects.requireNonNull(boundary, "boundary");
            Objects.requireNonNull(choiceScoring, "choiceScoring");
            if (answerCandidates < 1 || answerCandidates > 16) {
                throw new IllegalArgumentException("--answer-candidates must be between 1 and 16, got " + answerCandidates);
            }
            if (answerCandidatesMax < answerCandidates || answerCandidatesMax > 16) {
                throw new IllegalArgumentException(
                    "--answer-candidates-max must be between --answer-candidates (" + answerCandidates + ") and 16, got "
                        + answerCandidatesMax
                );
            }
            if (answerBeams < 1 || answerBeams > 16) {
                throw new IllegalArgumentException("--answer-beams must be between 1 and 16, got " + answerBeams);
            }
            if ((sentenceBoost >= 0 && sentenceBoost <= 100) == false) {
                throw new IllegalArgumentException("--sentence-boost must be between 0 and 100, got " + sentenceBoost);
            }
        }

        /** A spec that reads no more than {@code answerCandidates} segments. */
        public Spec(
            TaskFamily task,
            Mode mode,
            int n,
            long seed,
            int docTokens,
            int questionsPerDoc,
            ChoiceScoring choiceScoring,
            int retrieve,
            Segmentation.Boundary boundary,
            double sentenceBoost,
            boolean matchChoices,
            int answerCandidates,
            int answerBeams
        ) {
            this(
                task,
                mode,
                n,
                seed,
                docTokens,
                questionsPerDoc,
                choiceScoring,
                retrieve,
                boundary,
                sentenceBoost,
                matchChoices,
                answerCandidates,
                answerBeams,
                answerCandidates
            );
        }

        /** A spec with the plugin's default sentence boost. */
        public Spec(
            TaskFamily task,
            Mode mode,
            int n,
            long seed,
            int docTokens,
            int questionsPerDoc,
            boolean rankChoices,
            int retrieve,
            Segmentation.Boundary boundary
        ) {
            this(
                task,
                mode,
                n,
                seed,
                docTokens,
                questionsPerDoc,
                rankChoices ? ChoiceScoring.RANK : ChoiceScoring.GENERATE,
                retrieve,
                boundary,
                SegmentRetriever.DEFAULT_SENTENCE_BOOST,
                true,
                1,
                1
            );
        }

        /** A spec with fixed-length segments. */
        public Spec(TaskFamily task, Mode mode, int n, long seed, int docTokens, int questionsPerDoc, boolean rankChoices, int retrieve) {
            this(task, mode, n, seed, docTokens, questionsPerDoc, rankChoices, retrieve, Segmentation.Boundary.TOKENS);
        }

        /** A spec that generates every answer from the whole document. */
        public Spec(TaskFamily task, Mode mode, int n, long seed, int docTokens, int questionsPerDoc) {
            this(task, mode, n, seed, docTokens, questionsPerDoc, false, 0);
        }

        /** A spec over the whole document. */
        public Spec(TaskFamily task, Mode mode, int n, long seed, int docTokens, int questionsPerDoc, boolean rankChoices) {
            this(task, mode, n, seed, docTokens, questionsPerDoc, rankChoices, 0);
        }
    }

    private final LlamaModel model;
    private final WorldTokenizer tokenizer;
    private final int segmentTokens;
    private final PromptTemplates templates = PromptTemplates.defaults();

    /** An evaluator over a model (base weights) with its tokenizer, cutting segments at the model's own segment length. */
    public Evaluator(LlamaModel model, WorldTokenizer tokenizer) {
        this(model, tokenizer, ModelShape.segmentTokens(model.config()));
    }

    /**
     * An evaluator that cuts segments of at most {@code segmentTokens} tokens (as {@code lloco_compress}'s
     * {@code segment_tokens} overrides the model's default).
     */
    public Evaluator(LlamaModel model, WorldTokenizer tokenizer, int segmentTokens) {
        if (segmentTokens < 1) {
            throw new IllegalArgumentException("--segment-tokens must be >= 1, got " + segmentTokens);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.segmentTokens = segmentTokens;
    }

    /** The longest segment this evaluator cuts, in tokens. */
    public int segmentTokens() {
        return segmentTokens;
    }

    /** The world tokenizer as the runtime's codec (special ids 0..3 skipped when decoding). */
    public static TokenCodec codec(WorldTokenizer t) {
        return new TokenCodec() {

            @Override
            public int[] encode(String text) {
                return t.encode(text);
            }

            @Override
            public String decode(int[] ids) {
                return t.decode(Arrays.stream(ids).filter(i -> i > WorldTokenizer.PAD_ID).toArray());
            }
        };
    }

    /** Runs an evaluation; {@code adapter} may be null. Returns the JSON result. */
    public ObjectNode run(Spec spec, LoraWeights adapter) {
        return run(spec, adapter, p -> {
        });
    }

    /**
     * Runs an evaluation and hands every scored question to {@code predictions} as one JSON object: {@code doc_id},
     * {@code question_id}, {@code task}, {@code question}, {@code gold}, {@code prediction}, {@code correct},
     * {@code decoder_positions} — so another path (the plugin's {@code _lloco_qa}) can be compared answer by answer.
     */
    public ObjectNode run(Spec spec, LoraWeights adapter, Consumer<ObjectNode> predictions) {
        World world = new World(spec.seed(), io.lloco.train.world.WorldConfig.defaults(), tokenizer);
        AutoCompressor compressor = new AutoCompressor(model);
        Generator generator = new Generator(model, codec(tokenizer));
        int maxPos = model.config().maxPositionEmbeddings();
        double correct = 0;
        int wellFormed = 0;
        double f1 = 0;
        long decoderPositions = 0;
        long fullTokens = 0;
        long docTokenSum = 0;
        int done = 0;
        int skipped = 0;
        int retrievedHits = 0;
        Map<String, Integer> errors = new TreeMap<>();
        long nanos = 0;
        Map<String, double[]> byDepth = new TreeMap<>();
        List<ObjectNode> samples = new ArrayList<>();
        int docIndex = 0;
        long segmentCount = 0;
        long docTokenCut = 0;
        while (done + skipped < spec.n()) {
            Document doc;
            List<QaExample> qs;
            if (spec.task() == TaskFamily.NEEDLE) {
                double depth = (docIndex % 11) / 10.0;
                doc = world.needleDocument(Split.TEST, docIndex, spec.docTokens(), depth);
                qs = world.questions(doc, TaskFamily.NEEDLE, 1);
            } else {
                doc = world.document(Split.TEST, docIndex, spec.docTokens());
                qs = world.questions(doc, spec.task(), Math.min(spec.questionsPerDoc(), spec.n() - done - skipped));
            }
            docIndex++;
            long t0 = System.nanoTime();
            int[] docIds = tokenizer.encode(doc.text());
            Embeddings prefix = null;
            boolean retrieve = spec.retrieve() > 0 && spec.mode() != Mode.NONE;
            List<int[]> segments = new ArrayList<>();
            List<String> segmentTexts = new ArrayList<>();
            int[] lengths = segmentLengths(docIds, spec.boundary());
            segmentCount += lengths.length;
            docTokenCut += docIds.length;
            if (retrieve) {
                int at = 0;
                for (int len : lengths) {
                    int[] seg = Arrays.copyOfRange(docIds, at, at + len);
                    segments.add(seg);
                    segmentTexts.add(tokenizer.decode(seg));
                    at += len;
                }
            }
            if (spec.mode() == Mode.LLOCO) {
                prefix = compressor.compress(docIds, lengths, retrieve);
            }
            List<GenerationRequest> reqs = new ArrayList<>();
            List<QaExample> asked = new ArrayList<>();
            List<Integer> askedPositions = new ArrayList<>();
            List<String> askedContext = new ArrayList<>(); // the text the question read (retrieved segments or the document)
            boolean candidates = retrieve && (spec.answerCandidates() > 1 || spec.answerBeams() > 1 || spec.answerCandidatesMax() > 1)
                && spec.task() != TaskFamily.CHOICE;
            List<ArrayNode> candidateReport = new ArrayList<>();
            List<List<GenerationRequest>> candidateReqs = new ArrayList<>();
            List<int[]> candidateSegs = new ArrayList<>();
            List<String> docSentences = new ArrayList<>();
            List<Integer> sentenceOwner = new ArrayList<>();
            if (candidates) {
                for (int t = 0; t < segmentTexts.size(); t++) {
                    String seg = segmentTexts.get(t);
                    for (int[] span : Segmentation.sentences(seg)) {
                        docSentences.add(seg.substring(span[0], span[1]));
                        sentenceOwner.add(t);
                    }
                }
            }
            for (QaExample q : qs) {
                boolean cloze = q.task() == TaskFamily.CHOICE && spec.choiceScoring() == ChoiceScoring.CLOZE;
                // cloze: the question alone under the short-answer template, the options scored as its answers
                int[] prompt = tokenizer
                    .encode(cloze ? templates.get(TaskFamily.LOOKUP.templateName()).render(q.question()) : q.prompt(templates));
                int maxNew = q.task() == TaskFamily.CHOICE ? 24 : 16;
                int[] ids = prompt;
                Embeddings qPrefix = prefix;
                int[] context = docIds;
                String read = doc.text();
                // answer_candidates: the best segments, best first, each to be read alone
                int[] candidateTop = candidates
                    ? SegmentRetriever.ranked(
                        SegmentRetriever.scores(segmentTexts, matchText(q, spec), spec.sentenceBoost()),
                        spec.answerCandidatesMax()
                    )
                    : null;
                if (retrieve) {
                    int[] top = candidates
                        ? Arrays.copyOf(candidateTop, Math.min(candidateTop.length, spec.answerCandidates()))
                        : SegmentRetriever.topK(segmentTexts, matchText(q, spec), spec.retrieve(), spec.sentenceBoost());
                    List<Embeddings> parts = new ArrayList<>();
                    int[] text = new int[0];
                    int rows = prefix == null ? 0 : prefix.rows() / segments.size();
                    for (int t : top) {
                        if (prefix != null) {
                            parts.add(prefix.slice(t * rows, (t + 1) * rows));
                        }
                        text = concat(text, segments.get(t));
                    }
                    qPrefix = prefix == null ? null : Embeddings.concat(parts, prefix.dim());
                    context = text;
                    retrievedHits += containsAnswer(segmentTexts, top, q) ? 1 : 0;
                    StringBuilder sb = new StringBuilder();
                    for (int t : top) {
                        sb.append(segmentTexts.get(t)).append(' ');
                    }
                    read = sb.toString();
                }
                if (spec.mode() == Mode.FULL) {
                    ids = concat(context, prompt);
                    if (ids.length + maxNew > maxPos) {
                        skipped++;
                        fullTokens += ids.length;
                        continue;
                    }
                }
                int positions = ids.length + (qPrefix == null ? 0 : qPrefix.rows());
                if (candidates) {
                    // every candidate segment read alone: one request each, in retrieval order
                    int[] top = candidateTop;
                    int rows = prefix == null ? 0 : prefix.rows() / segments.size();
                    List<GenerationRequest> one = new ArrayList<>();
                    positions = 0;
                    for (int t : top) {
                        Embeddings e = prefix == null ? null : prefix.slice(t * rows, (t + 1) * rows);
                        int[] rid = spec.mode() == Mode.FULL ? concat(segments.get(t), prompt) : prompt;
                        one.add(new GenerationRequest(e, rid, adapter, GenerationParams.greedy(maxNew)));
                        positions += rid.length + (e == null ? 0 : e.rows());
                    }
                    candidateReqs.add(one);
                    candidateSegs.add(top);
                    positions = 0; // counted once the reads are known (chooseSupported)
                }
                decoderPositions += positions;
                fullTokens += docIds.length + prompt.length;
                docTokenSum += docIds.length;
                reqs.add(new GenerationRequest(qPrefix, ids, adapter, GenerationParams.greedy(maxNew)));
                asked.add(q);
                askedContext.add(read);
                askedPositions.add(positions);
            }
            boolean rank = spec.choiceScoring() != ChoiceScoring.GENERATE && spec.task() == TaskFamily.CHOICE;
            List<String> texts = new ArrayList<>();
            List<double[]> optionScores = new ArrayList<>();
            if (rank) {
                for (int i = 0; i < reqs.size(); i++) {
                    QaExample q = asked.get(i);
                    List<int[]> targets = new ArrayList<>();
                    for (int o = 0; o < q.options().size(); o++) {
                        String target = spec.choiceScoring() == ChoiceScoring.CLOZE
                            ? q.options().get(o)
                            : templates.get(q.task().templateName()).choiceTarget(o, q.options());
                        targets.add(PretrainSampler.withEos(tokenizer.encode(target)));
                    }
                    double[] lp = generator.continuationLogProbs(reqs.get(i).prefix(), reqs.get(i).promptIds(), targets, adapter);
                    int best = 0;
                    for (int o = 1; o < lp.length; o++) {
                        best = lp[o] > lp[best] ? o : best;
                    }
                    texts.add(templates.get(q.task().templateName()).choiceTarget(best, q.options()));
                    optionScores.add(lp);
                }
            } else {
                if (candidates) {
                    reqs.forEach(r -> texts.add(""));
                    int[] reads = chooseSupported(
                        texts,
                        asked,
                        candidateReqs,
                        candidateSegs,
                        docSentences,
                        sentenceOwner,
                        generator,
                        spec.answerBeams(),
                        spec.answerCandidates(),
                        candidateReport
                    );
                    for (int i = 0; i < reads.length; i++) {
                        int p = 0;
                        for (GenerationRequest g : candidateReqs.get(i).subList(0, reads[i])) {
                            p += g.prefixRows() + g.promptIds().length;
                        }
                        askedPositions.set(i, p);
                        decoderPositions += p;
                    }
                } else {
                    for (GenerationResult r : generator.generate(reqs)) {
                        texts.add(r.text() == null ? "" : r.text().trim());
                    }
                }
            }
            nanos += System.nanoTime() - t0;
            for (int i = 0; i < texts.size(); i++) {
                QaExample q = asked.get(i);
                String text = texts.get(i);
                double ok = switch (q.task()) {
                    case LOOKUP -> WorldEval.exactMatch(text, q.gold());
                    case CHOICE -> WorldEval.choiceCorrect(text, q.gold());
                    case NEEDLE -> WorldEval.needleFound(text, q.gold());
                };
                correct += ok;
                wellFormed += wellFormed(q.task(), text) ? 1 : 0;
                f1 += WorldEval.tokenF1(text, q.task() == TaskFamily.CHOICE ? q.answer() : q.gold());
                if (q.task() == TaskFamily.NEEDLE) {
                    String key = String.format(Locale.ROOT, "%.1f", Math.round(q.depth() * 10) / 10.0);
                    double[] d = byDepth.computeIfAbsent(key, k -> new double[2]);
                    d[0] += ok;
                    d[1] += 1;
                }
                ObjectNode p = new ObjectMapper().createObjectNode();
                p.put("doc_id", doc.id());
                p.put("question_id", q.id());
                p.put("task", q.task().templateName());
                p.put("question", q.question());
                p.put("gold", q.answer());
                p.put("prediction", text);
                p.put("correct", ok > 0);
                if (ok == 0 && spec.mode() != Mode.NONE && q.task() != TaskFamily.NEEDLE) {
                    String kind = errorKind(doc, q, text, askedContext.get(i));
                    p.put("error", kind);
                    errors.merge(kind, 1, Integer::sum);
                }
                p.put("decoder_positions", askedPositions.get(i));
                if (candidates) {
                    p.set("candidates", candidateReport.get(i));
                }
                if (rank) {
                    var arr = p.putArray("option_logprobs");
                    for (double v : optionScores.get(i)) {
                        arr.add(round(v));
                    }
                }
                predictions.accept(p);
                if (samples.size() < 3) {
                    samples.add(p);
                }
                done++;
            }
        }
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("task", spec.task().templateName());
        out.put("mode", spec.mode().name().toLowerCase(Locale.ROOT));
        out.put("adapter", adapter != null);
        if (spec.task() == TaskFamily.CHOICE) {
            out.put("choice_mode", spec.choiceScoring().value());
        }
        out.put("n", done);
        out.put("accuracy", done == 0 ? Double.NaN : round(correct / done));
        out.put("f1", done == 0 ? Double.NaN : round(f1 / done));
        out.put("well_formed", done == 0 ? Double.NaN : round((double) wellFormed / done));
        out.put("mean_decoder_positions", done == 0 ? Double.NaN : round((double) decoderPositions / done));
        out.put("mean_full_context_tokens", round((double) fullTokens / Math.max(1, done + skipped)));
        out.put("mean_doc_tokens", done == 0 ? Double.NaN : round((double) docTokenSum / done));
        out.put("ms_per_question", done == 0 ? Double.NaN : round(nanos / 1e6 / done));
        out.put("skipped_not_fitting", skipped);
        out.put("segment_boundary", spec.boundary().value());
        out.put("segment_tokens", segmentTokens);
        if (spec.mode() == Mode.LLOCO && segmentCount > 0) {
            // per-segment compression: document tokens per segment over the summary vectors of one segment
            out.put("mean_segment_tokens", round((double) docTokenCut / segmentCount));
            out.put("summary_vectors_per_segment", model.config().summaryLength());
            out.put("compression_per_segment", round((double) docTokenCut / segmentCount / model.config().summaryLength()));
        }
        if (spec.retrieve() > 0 && spec.mode() != Mode.NONE) {
            out.put("retrieve", spec.retrieve());
            out.put("sentence_boost", spec.sentenceBoost());
            if (spec.answerCandidates() > 1 && spec.task() != TaskFamily.CHOICE) {
                out.put("answer_candidates", spec.answerCandidates());
            }
            if (spec.answerBeams() > 1 && spec.task() != TaskFamily.CHOICE) {
                out.put("answer_beams", spec.answerBeams());
            }
            if (spec.answerCandidatesMax() > spec.answerCandidates() && spec.task() != TaskFamily.CHOICE) {
                out.put("answer_candidates_max", spec.answerCandidatesMax());
            }
            if (spec.task() == TaskFamily.CHOICE) {
                out.put("match_choices", spec.matchChoices());
            }
            // share of questions whose retrieved segments contain the answer's statement (an upper bound for accuracy)
            out.put("retrieval_recall", done == 0 ? Double.NaN : round((double) retrievedHits / (done + skipped)));
        }
        if (errors.isEmpty() == false) {
            ObjectNode e = out.putObject("errors");
            errors.forEach(e::put);
        }
        out.put("doc_tokens", spec.docTokens());
        out.put("seed", spec.seed());
        out.put("chance", spec.task() == TaskFamily.CHOICE ? 0.25 : 0.0);
        if (byDepth.isEmpty() == false) {
            ObjectNode d = out.putObject("accuracy_by_depth");
            byDepth.forEach((k, v) -> d.put(k, round(v[0] / v[1])));
        }
        out.putArray("examples").addAll(samples);
        return out;
    }

    /**
     * Whether an answer has the target's form, right or wrong: "{letter}. {text}" for CHOICE (QuALITY's target
     * format), a short phrase (1 to 4 words, no sentence break) for LOOKUP and NEEDLE.
     */
    public static boolean wellFormed(TaskFamily task, String text) {
        if (task == TaskFamily.CHOICE) {
            return text.matches("(?s)[A-D]\\. \\S.*");
        }
        String t = text.trim();
        return t.isEmpty() == false && t.split("\\s+").length <= 4 && t.contains(". ") == false;
    }

    /**
     * Replaces each answer by the candidate answer its own segment supports best ({@link AnswerSupport}): with
     * {@code beams} > 1 every hypothesis of every segment's beam search is a candidate; among equals (or when none is
     * supported) the best-retrieved segment's best hypothesis wins. Segments are read {@code perRound} at a time, in
     * retrieval order, while no answer read so far is confirmed by its segment ({@link AnswerSupport.Checker#confirms}: stated
     * in a sentence that holds all the question's names) (all of them when {@code perRound} covers
     * the list).
     *
     * @return per question, how many of its candidate segments were read
     */
    private static int[] chooseSupported(
        List<String> texts,
        List<QaExample> asked,
        List<List<GenerationRequest>> candidateReqs,
        List<int[]> candidateSegs,
        List<String> docSentences,
        List<Integer> owner,
        Generator generator,
        int beams,
        int perRound,
        List<ArrayNode> report
    ) {
        int n = texts.size();
        int[] reads = new int[n];
        boolean[] open = new boolean[n];
        Arrays.fill(open, true);
        List<List<List<String>>> read = new ArrayList<>(); // per question, per segment read: its answers, best first
        List<List<AnswerSupport.Support>> supports = new ArrayList<>();
        List<AnswerSupport.Checker> checkers = new ArrayList<>(); // per question: the document's sentences scored once
        for (int i = 0; i < n; i++) {
            read.add(new ArrayList<>());
            supports.add(new ArrayList<>());
            checkers.add(AnswerSupport.checker(asked.get(i).question(), docSentences, owner));
        }
        while (true) {
            List<GenerationRequest> batch = new ArrayList<>();
            List<Integer> whose = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int to = Math.min(candidateReqs.get(i).size(), reads[i] + perRound);
                for (int c = reads[i]; open[i] && c < to; c++) {
                    batch.add(candidateReqs.get(i).get(c));
                    whose.add(i);
                }
            }
            if (batch.isEmpty()) {
                break;
            }
            List<List<String>> answers = new ArrayList<>();
            if (beams == 1) {
                for (GenerationResult r : generator.generate(batch)) {
                    answers.add(List.of(r.text() == null ? "" : r.text().trim()));
                }
            } else {
                for (GenerationRequest g : batch) {
                    List<String> hyps = new ArrayList<>();
                    for (Hypothesis h : generator.beamSearch(g, beams, null)) {
                        hyps.add(h.text() == null ? "" : h.text().trim());
                    }
                    answers.add(hyps);
                }
            }
            for (int b = 0; b < batch.size(); b++) {
                int i = whose.get(b);
                int seg = candidateSegs.get(i)[reads[i]];
                read.get(i).add(answers.get(b));
                for (String a : answers.get(b)) {
                    supports.get(i).add(checkers.get(i).support(a, seg));
                }
                reads[i]++;
            }
            for (int i = 0; i < n; i++) {
                open[i] = open[i] && supports.get(i).stream().noneMatch(checkers.get(i)::confirms);
            }
        }
        for (int i = 0; i < n; i++) {
            int[] segs = candidateSegs.get(i);
            List<String> answers = new ArrayList<>();
            List<Integer> answerSeg = new ArrayList<>();
            List<Integer> answerRank = new ArrayList<>();
            for (int c = 0; c < reads[i]; c++) {
                List<String> hyps = read.get(i).get(c);
                for (int j = 0; j < hyps.size(); j++) {
                    answers.add(hyps.get(j));
                    answerSeg.add(c);
                    answerRank.add(j);
                }
            }
            List<AnswerSupport.Support> support = supports.get(i);
            int best = AnswerSupport.choose(support);
            texts.set(i, answers.get(best));
            ArrayNode r = new ObjectMapper().createArrayNode();
            for (int k = 0; k < support.size(); k++) {
                ObjectNode o = r.addObject();
                o.put("segment", segs[answerSeg.get(k)]);
                if (beams > 1) {
                    o.put("beam", answerRank.get(k));
                }
                o.put("answer", answers.get(k));
                if (support.get(k).stated()) {
                    o.put("support", round(support.get(k).score()));
                    o.put("names", support.get(k).names());
                } else {
                    o.putNull("support");
                }
                o.put("chosen", k == best);
            }
            report.add(r);
        }
        return reads;
    }

    /** What is matched against the segments: the question, and the options' text too with {@code matchChoices}. */
    static String matchText(QaExample q, Spec spec) {
        boolean withOptions = spec.matchChoices() && q.options() != null && q.options().isEmpty() == false;
        return withOptions ? q.question() + " " + String.join(" ", q.options()) : q.question();
    }

    /** Whether the chosen segments state the answer: the gold value (or needle value) occurs in their text. */
    private static boolean containsAnswer(List<String> segmentTexts, int[] chosen, QaExample q) {
        String value = q.task() == TaskFamily.CHOICE ? q.answer().substring(3) : q.gold();
        StringBuilder sb = new StringBuilder();
        for (int t : chosen) {
            sb.append(segmentTexts.get(t)).append(' ');
        }
        return WorldEval.normalize(sb.toString()).contains(WorldEval.normalize(value));
    }

    /**
     * Why a lookup or choice answer is wrong: {@code not_in_context} (the answering sentence was not in what the
     * question read), {@code other_person_same_kind} (the answer is the value of a fact of the asked kind about
     * someone else, stated in what was read: a binding error), or {@code other}.
     */
    static String errorKind(Document doc, QaExample q, String answer, String context) {
        String said = answer.trim();
        if (q.task() == TaskFamily.CHOICE) {
            int letter = said.isEmpty() ? -1 : said.charAt(0) - 'A';
            said = letter >= 0 && letter < q.options().size() ? q.options().get(letter) : said;
        }
        String gold = q.task() == TaskFamily.CHOICE ? q.answer().substring(3) : q.gold();
        String statement = null;
        boolean otherSameKind = false;
        for (Fact f : doc.facts()) {
            if (f.type() != q.factType()) {
                continue;
            }
            String who = f.type() == FactType.SIBLING ? f.anchor().fullName() : f.subject().fullName();
            if (q.question().contains(who) && f.value().equals(gold)) {
                statement = f.sentence();
            } else if (WorldEval.exactMatch(said, f.value()) > 0 && context.contains(f.sentence())) {
                otherSameKind = true;
            }
        }
        if (statement != null && context.contains(statement) == false) {
            return "not_in_context";
        }
        return otherSameKind ? "other_person_same_kind" : "other";
    }

    /** Segment lengths of a tokenized world document under {@code boundary}. */
    int[] segmentLengths(int[] docIds, Segmentation.Boundary boundary) {
        return segmentLengths(tokenizer, docIds, segmentTokens, boundary);
    }

    /** Segment lengths of a tokenized world document (its text is the decoded ids) under {@code boundary}. */
    public static int[] segmentLengths(WorldTokenizer tokenizer, int[] docIds, int segmentTokens, Segmentation.Boundary boundary) {
        if (boundary == Segmentation.Boundary.TOKENS) {
            return AutoCompressor.segmentLengths(docIds.length, segmentTokens);
        }
        return Segmentation.lengths(tokenizer.decode(docIds), tokenizer.charEnds(docIds), segmentTokens, boundary);
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
