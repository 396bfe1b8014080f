/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.SequenceLayout;
import io.lloco.runtime.train.AdamW;
import io.lloco.runtime.train.Ce;
import io.lloco.runtime.train.TrainSupport;
import io.lloco.train.world.Split;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/**
 * Batched retrieval training, the curriculum stage the pretraining diagnosis ({@code models/lloco-tiny/DIAGNOSIS.md})
 * asked for: per step {@code batch} documents of exactly {@code docTokens} tokens, each followed by a chain of
 * questions about its facts ({@link RecallSampler}); loss on the answers (+ optionally language modelling of the
 * document). The context is either the raw document ({@code text}: in-context retrieval) or its AutoCompressor
 * summaries ({@code summary}: the document in segments of {@code segmentTokens}, summaries accumulated, gradients
 * through them into the encoder), so the same loop first teaches retrieval and then compression.
 *
 * <p>Every {@code probeEvery} steps a fixed held-out batch (VALIDATION split) is scored twice without gradients: with
 * each document's own context and with another document's ({@code wrong}). Retrieval shows up only as the gap
 * between the two; the answer loss alone cannot tell retrieval from a learned prior of likely values.
 */
public final class RecallTrainer {

    /**
     * Options.
     *
     * @param out output directory ({@code out/checkpoint})
     * @param resume continue from {@code out/checkpoint}
     * @param init model directory to start from (null: random init of {@code shape})
     * @param shape model shape for a random init
     * @param steps total steps of this stage's schedule
     * @param seed data seed
     * @param worldSeed world seed
     * @param batch documents per step
     * @param docTokens tokens per document
     * @param questions most questions per document
     * @param choiceRate share of questions asked as 4-option choice
     * @param needleRate share of documents with a needle
     * @param summaryRate share of steps whose context is the documents' summaries (the others read the raw tokens):
     *     0 = raw text only, 1 = summaries only
     * @param segmentTokens summary mode: tokens per segment (docTokens must be a multiple)
     * @param lmWeight weight of the language-modelling loss on the document tokens (0: off)
     * @param lr peak learning rate
     * @param minLr final learning rate
     * @param warmup warmup steps
     * @param weightDecay AdamW weight decay
     * @param clip global-norm clip (0: none)
     * @param logEvery progress line every this many steps
     * @param probeEvery held-out right-vs-wrong probe every this many steps (0: only at the end)
     * @param probeDocs documents in the probe batch
     * @param checkpointEvery checkpoint every this many steps
     * @param checkpointMinutes and at least every this many minutes
     * @param maxMinutes stop (after a checkpoint) after this much wall time in this process (0: none)
     * @param untilExact finish the stage early once the held-out probe's exact match (with the right context,
     *     summaries when the stage trains them) reaches this (0: run the whole schedule)
     * @param independentRate share of summary steps whose segments are compressed independently (each without the
     *     earlier segments' summaries, the summaries then concatenated: what the decoder reads on the segment-retrieval
     *     path, {@code lloco_compress} mode {@code independent}); the probe uses independent segments when this is ≥ 0.5
     * @param retrieve 0: documents of {@code docTokens}; K > 0: retrieval rows ({@link RecallSampler#retrieval}) — the
     *     K best BM25 segments of {@code segmentTokens} of a longer document, for one of its questions; then
     *     {@code docTokens} must be {@code K * segmentTokens}
     * @param sourceTokens with {@code retrieve}: lengths of the documents the segments are retrieved from (cycled)
     * @param statements chains of cloze statements instead of questions ({@link RecallSampler#statements}): a base
     *     that reads its summaries but has never seen a question (the AutoCompressor of the paper)
     * @param lmEvery the language-modelling loss is taken on every this-many-th document token (1: every token); its
     *     logits over the vocabulary cost about a third of a step on long rows, and a sample of the positions keeps the
     *     objective
     * @param contrastWeight weight of the binding contrast (0: off): on every answer position that has a rival token
     *     ({@link RecallSampler.Row#avoid}: where another person's value of the same kind, stated in the same context,
     *     would continue), the unlikelihood {@code -log(1 - p(rival))} (Welleck et al. 2019), averaged over those
     *     positions, is added to the answer loss
     */
    public record Options(
        Path out,
        boolean resume,
        Path init,
        ModelShape shape,
        long steps,
        long seed,
        long worldSeed,
        int batch,
        int docTokens,
        int questions,
        double choiceRate,
        double needleRate,
        double summaryRate,
        int segmentTokens,
        double lmWeight,
        double lr,
        double minLr,
        long warmup,
        double weightDecay,
        double clip,
        int logEvery,
        int probeEvery,
        int probeDocs,
        int checkpointEvery,
        double checkpointMinutes,
        double maxMinutes,
        double untilExact,
        double independentRate,
        int retrieve,
        int[] sourceTokens,
        boolean statements,
        int lmEvery,
        double contrastWeight) {

        /** Checks the bounds. */
        public Options {
            if (contrastWeight < 0 || contrastWeight > 10) {
                throw new IllegalArgumentException("--contrast-weight must be in [0, 10], got " + contrastWeight);
            }
            if (lmEvery < 1 || lmEvery > 64) {
                throw new IllegalArgumentException("--lm-every must be in [1, 64], got " + lmEvery);
            }
            if (independentRate < 0 || independentRate > 1) {
                throw new IllegalArgumentException("--independent-rate must be in [0, 1], got " + independentRate);
            }
            if (untilExact < 0 || untilExact > 1) {
                throw new IllegalArgumentException("--until-exact must be in [0, 1], got " + untilExact);
            }
            if (batch < 1 || batch > 512) {
                throw new IllegalArgumentException("--batch must be in [1, 512], got " + batch);
            }
            if (summaryRate < 0 || summaryRate > 1) {
                throw new IllegalArgumentException("--summary-rate must be in [0, 1], got " + summaryRate);
            }
            if (summaryRate > 0 && (segmentTokens < 16 || docTokens % segmentTokens != 0)) {
                throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "--segment %d must be >= 16 and divide --doc-tokens %d", segmentTokens, docTokens)
                );
            }
            if (retrieve < 0) {
                throw new IllegalArgumentException("--retrieve must be >= 0, got " + retrieve);
            }
            if (retrieve > 0) {
                for (int t : sourceTokens) {
                    if (t < docTokens) {
                        throw new IllegalArgumentException(
                            String.format(
                                Locale.ROOT,
                                "--source-tokens %d is shorter than %d retrieved segments of %d tokens",
                                t,
                                retrieve,
                                segmentTokens
                            )
                        );
                    }
                }
            }
            if (retrieve > 0 && docTokens != retrieve * segmentTokens) {
                throw new IllegalArgumentException(
                    String.format(
                        Locale.ROOT,
                        "with --retrieve %d the context is %d segments of --segment %d tokens",
                        retrieve,
                        retrieve,
                        segmentTokens
                    )
                );
            }
            if (probeDocs < 8 || probeDocs % 8 != 0) {
                throw new IllegalArgumentException(
                    "--probe-docs must be a multiple of 8 (scored in groups of 8; the wrong context is another document's), got "
                        + probeDocs
                );
            }
        }
    }

    /**
     * Held-out probe figures with the right and a wrong context: answer NLL per target token, exact match per
     * question (every answer token and the EOS are the argmax, teacher-forced), first-answer-token accuracy, a
     * few missed answers ("question -> gold / predicted") with the right context, and the binding: of the
     * {@code contrasted} answer positions with a rival token ({@link RecallSampler.Row#avoid}), the share where the
     * right context gives the right token a higher logit than the rival (NaN when there are none).
     */
    public record Probe(
        double rightNll,
        double wrongNll,
        double rightExact,
        double wrongExact,
        double rightFirst,
        double wrongFirst,
        int questions,
        List<String> missed,
        double binding,
        int contrasted) {

        /** {@code wrongNll - rightNll}: how much the context helps. */
        public double gap() {
            return wrongNll - rightNll;
        }
    }

    /** Final figures. */
    public record Summary(long step, double firstQa, double lastQa, Probe probe, double seconds) {
    }

    private final Options o;
    private final LlamaModel model;
    private final LlamaConfig config;
    private final WorldTokenizer tokenizer;
    /** Whether the current step compresses segments independently. */
    private boolean independent;

    RecallTrainer(Options o, LlamaModel model, WorldTokenizer tokenizer) {
        this.o = o;
        this.independent = o.independentRate() >= 0.5;
        this.model = model;
        this.config = model.config();
        this.tokenizer = tokenizer;
    }

    /** Runs the stage; progress lines go to {@code log}. */
    public static Summary run(Options o, NDManager root, PrintStream log) throws IOException {
        Path ckpt = o.out().resolve("checkpoint");
        Files.createDirectories(o.out());
        Path from = TrainSupport.startingPoint(ckpt, o.resume());
        Path modelDir = from != null ? from : o.init();
        Path tokFile = modelDir != null && Files.isRegularFile(modelDir.resolve("tokenizer.json"))
            ? modelDir.resolve("tokenizer.json")
            : null;
        WorldTokenizer tok = tokFile == null ? WorldTokenizer.bundled() : WorldTokenizer.load(tokFile);
        byte[] tokBytes = tokFile == null
            ? WorldTokenizer.class.getResourceAsStream(WorldTokenizer.RESOURCE).readAllBytes()
            : Files.readAllBytes(tokFile);
        LlamaWeights weights;
        long startStep = 0;
        double elapsedBefore = 0;
        ObjectNode state = null;
        if (from != null) {
            state = TrainSupport.readJson(from.resolve(TrainSupport.STATE));
            startStep = state.path("step").asLong();
            elapsedBefore = state.path("elapsed_seconds").asDouble();
            weights = LlamaWeights.load(from, root);
            log.printf(Locale.ROOT, "[recall] resuming from %s at step %d%n", from, startStep);
        } else if (o.init() != null) {
            weights = LlamaWeights.load(o.init(), root);
            log.printf(Locale.ROOT, "[recall] starting from the model in %s%n", o.init());
        } else {
            weights = LlamaWeights.random(o.shape().toConfig(), root, o.seed(), 0.02);
            Pretrainer.initSummaryTable(weights, o.seed());
        }
        if (weights.config().vocabSize() != tok.vocabSize()) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "model vocab %d != tokenizer vocab %d", weights.config().vocabSize(), tok.vocabSize())
            );
        }
        if (o.summaryRate() > 0 && weights.config().isAutoCompressor() == false) {
            throw new IllegalArgumentException("--summary-rate > 0 needs an AutoCompressor model (config summary_length > 0)");
        }
        World world = new World(o.worldSeed(), WorldConfig.defaults(), tok);
        RecallSampler sampler = new RecallSampler(world, o.seed(), o.docTokens(), o.questions(), o.choiceRate(), o.needleRate());
        RecallSampler probeSampler = new RecallSampler(world, 7, o.docTokens(), o.questions(), o.choiceRate(), o.needleRate());
        if (o.retrieve() > 0) {
            sampler = sampler.retrieval(o.retrieve(), o.segmentTokens(), o.sourceTokens());
            probeSampler = probeSampler.retrieval(o.retrieve(), o.segmentTokens(), o.sourceTokens());
            log.printf(
                Locale.ROOT,
                "[recall] retrieval rows: the %d best BM25 segments of documents of %s tokens%n",
                o.retrieve(),
                java.util.Arrays.toString(o.sourceTokens())
            );
        }
        if (o.statements()) {
            sampler = sampler.statements();
            probeSampler = probeSampler.statements();
            log.printf(Locale.ROOT, "[recall] cloze statements instead of questions: the base never sees a question%n");
        }
        List<RecallSampler.Row> probeRows = probeSampler.batch(Split.VALIDATION, 0, o.probeDocs());
        Map<String, NDArray> params = weights.named();
        TrainSupport.requireGradients(params);
        log.printf(
            Locale.ROOT,
            "[recall] %d parameters; summaries on %.0f%% of steps; %d documents x %d tokens per step%s; lm weight %.2f on every %d token(s)%n",
            weights.parameterCount(),
            100 * o.summaryRate(),
            o.batch(),
            o.docTokens(),
            o.summaryRate() > 0
                ? String.format(Locale.ROOT, " (segments of %d -> %d summaries)", o.segmentTokens(), weights.config().summaryLength())
                : "",
            o.lmWeight(),
            o.lmEvery()
        );
        double firstQa = Double.NaN;
        double emaQa = Double.NaN;
        double emaLm = Double.NaN;
        Probe lastProbe = null;
        try (LlamaModel model = new LlamaModel(weights);
            AdamW opt = new AdamW(params, AdamW.Hyper.of(o.weightDecay()), weights.manager())) {
            RecallTrainer t = new RecallTrainer(o, model, tok);
            if (from != null) {
                opt.load(from.resolve(TrainSupport.OPTIMIZER));
                emaQa = state.path("ema_qa").asDouble(Double.NaN);
                emaLm = state.path("ema_lm").asDouble(Double.NaN);
                firstQa = state.path("first_qa").asDouble(Double.NaN);
            } else {
                lastProbe = t.probes(weights.manager(), probeRows, startStep, log);
            }
            long t0 = System.nanoTime();
            long lastCkpt = t0;
            long logStart = t0;
            long tokens = 0;
            long step = startStep;
            int skipped = 0;
            while (step < o.steps()) {
                List<RecallSampler.Row> rows = sampler.batch(Split.PRETRAIN, step, o.batch());
                boolean summaryStep = o.summaryRate() >= 1
                    || (o.summaryRate() > 0 && new java.util.SplittableRandom(o.seed() * 31 + step).nextDouble() < o.summaryRate());
                double lr = TrainSupport.learningRate(step, o.steps(), o.warmup(), o.lr(), o.minLr());
                t.independent = o.independentRate() > 0
                    && new java.util.SplittableRandom(o.seed() * 53 + step).nextDouble() < o.independentRate();
                double qa;
                double lm;
                double gnorm;
                try (NDManager sm = weights.manager().newSubManager()) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        Losses l = t.losses(sm, rows, summaryStep, null);
                        NDArray loss = l.qaNll().div(l.qaTokens());
                        if (l.lmNll() != null && o.lmWeight() > 0) {
                            loss = loss.add(l.lmNll().div(l.lmTokens()).mul(o.lmWeight()));
                        }
                        if (o.contrastWeight() > 0 && l.rivalRows().length > 0) {
                            loss = loss.add(unlikelihood(l).div(l.rivalRows().length).mul(o.contrastWeight()));
                        }
                        qa = l.qaNll().getFloat() / l.qaTokens();
                        lm = l.lmNll() == null ? Double.NaN : l.lmNll().getFloat() / l.lmTokens();
                        gc.backward(loss);
                        tokens += l.positions();
                    }
                    Map<String, NDArray> grads = TrainSupport.gradients(params, sm);
                    gnorm = TrainSupport.globalNorm(grads);
                    if (Double.isFinite(gnorm) && Double.isFinite(qa)) {
                        opt.step(grads, lr, o.clip() > 0 && gnorm > o.clip() ? o.clip() / gnorm : 1.0);
                    } else {
                        skipped++;
                    }
                    TrainSupport.zero(grads, Double.isFinite(gnorm));
                }
                firstQa = Double.isNaN(firstQa) ? qa : firstQa;
                emaQa = Double.isNaN(emaQa) ? qa : 0.95 * emaQa + 0.05 * qa;
                if (Double.isNaN(lm) == false) {
                    emaLm = Double.isNaN(emaLm) ? lm : 0.95 * emaLm + 0.05 * lm;
                }
                step++;
                long now = System.nanoTime();
                if (step % o.logEvery() == 0 || step == o.steps()) {
                    double run = (now - t0) / 1e9;
                    log.printf(
                        Locale.ROOT,
                        "[recall] step %d/%d lr %.2e qa %.4f (ema %.4f) lm %.4f (ema %.4f) gnorm %.2f tok/s %.0f elapsed %s eta %s%s%n",
                        step,
                        o.steps(),
                        lr,
                        qa,
                        emaQa,
                        lm,
                        emaLm,
                        gnorm,
                        tokens / ((now - logStart) / 1e9),
                        TrainSupport.hms(elapsedBefore + run),
                        TrainSupport.hms(run / (step - startStep) * (o.steps() - step)),
                        skipped > 0 ? " skipped " + skipped : ""
                    );
                    log.flush();
                    tokens = 0;
                    logStart = now;
                }
                boolean timeUp = o.maxMinutes() > 0 && (now - t0) / 6e10 >= o.maxMinutes();
                boolean probeNow = (o.probeEvery() > 0 && step % o.probeEvery() == 0) || step == o.steps() || timeUp;
                boolean gate = false;
                if (probeNow) {
                    lastProbe = t.probes(weights.manager(), probeRows, step, log);
                    log.flush();
                    gate = o.untilExact() > 0 && lastProbe.rightExact() >= o.untilExact();
                }
                boolean finished = step == o.steps() || gate;
                if (step % o.checkpointEvery() == 0
                    || (now - lastCkpt) / 6e10 >= o.checkpointMinutes()
                    || finished
                    || timeUp) {
                    ObjectNode st = new ObjectMapper().createObjectNode();
                    st.put("kind", "recall");
                    st.put("step", step);
                    st.put("total_steps", o.steps());
                    st.put("seed", o.seed());
                    st.put("world_seed", o.worldSeed());
                    st.put("elapsed_seconds", elapsedBefore + (now - t0) / 1e9);
                    st.put("ema_qa", emaQa);
                    st.put("ema_lm", emaLm);
                    st.put("first_qa", firstQa);
                    st.put("init", o.init() == null ? null : o.init().toString());
                    st.put("summary_rate", o.summaryRate());
                    st.put("doc_tokens", o.docTokens());
                    st.put("segment_tokens", o.segmentTokens());
                    st.put("independent_rate", o.independentRate());
                    st.put("batch", o.batch());
                    st.put("finished", finished);
                    if (lastProbe != null) {
                        st.set("probe", new ObjectMapper().valueToTree(lastProbe));
                    }
                    TrainSupport.atomicWrite(ckpt, dir -> {
                        weights.save(dir);
                        if (o.summaryRate() > 0) {
                            // the segment length the summaries were trained on becomes the model's default
                            ObjectNode cfg = TrainSupport.readJson(dir.resolve("config.json"));
                            cfg.put(ModelShape.SEGMENT_KEY, o.segmentTokens());
                            TrainSupport.writeJson(dir.resolve("config.json"), cfg);
                        }
                        Files.write(dir.resolve("tokenizer.json"), tokBytes);
                        opt.save(dir.resolve(TrainSupport.OPTIMIZER));
                        TrainSupport.writeJson(dir.resolve(TrainSupport.STATE), st);
                    });
                    log.printf(Locale.ROOT, "[recall] checkpoint step %d -> %s%n", step, ckpt);
                    log.flush();
                    lastCkpt = System.nanoTime();
                }
                if (gate) {
                    log.printf(
                        Locale.ROOT,
                        "[recall] stage finished at step %d: held-out exact match %.3f >= --until-exact %.3f%n",
                        step,
                        lastProbe.rightExact(),
                        o.untilExact()
                    );
                    break;
                }
                if (timeUp) {
                    log.printf(Locale.ROOT, "[recall] stopping at step %d (--max-minutes); continue with --resume%n", step);
                    break;
                }
            }
            return new Summary(step, firstQa, emaQa, lastProbe, elapsedBefore + (System.nanoTime() - t0) / 1e9);
        } finally {
            weights.close();
        }
    }

    /** One line of probe figures. */
    public static String describe(Probe p) {
        return String.format(
            Locale.ROOT,
            "right nll %.4f exact %.3f first %.3f | wrong nll %.4f exact %.3f first %.3f | gap %.4f (%d questions) | binding %.3f of %d%s",
            p.rightNll(),
            p.rightExact(),
            p.rightFirst(),
            p.wrongNll(),
            p.wrongExact(),
            p.wrongFirst(),
            p.gap(),
            p.questions(),
            p.binding(),
            p.contrasted(),
            p.missed().isEmpty() ? "" : "; missed: " + String.join("; ", p.missed())
        );
    }

    /**
     * The losses of a batch.
     *
     * @param qaNll summed answer NLL (scalar)
     * @param qaTokens answer tokens
     * @param lmNll summed LM NLL of the document tokens, or null
     * @param lmTokens LM tokens
     * @param positions decoder positions processed (for tokens/s)
     * @param logits answer logits [qaTokens, vocab] (for the probe)
     * @param targets answer token ids, in row order
     * @param rivalRows rows of {@code logits} whose answer token has a rival ({@link RecallSampler.Row#avoid})
     * @param rivals the rival token of each of {@code rivalRows}
     */
    record Losses(
        NDArray qaNll,
        int qaTokens,
        NDArray lmNll,
        int lmTokens,
        long positions,
        NDArray logits,
        int[] targets,
        int[] rivalRows,
        int[] rivals) {
    }

    /** Summed unlikelihood {@code -log(1 - p(rival))} over the rival rows of {@code l} ({@link Ce#unlikelihoodSum}). */
    static NDArray unlikelihood(Losses l) {
        return Ce.unlikelihoodSum(l.logits(), l.rivalRows(), l.rivals());
    }

    /** Context vectors [B, C, hidden] of the rows (token embeddings or summaries) and, in summary mode, the LM loss. */
    record Context(NDArray vectors, NDArray lmNll, int lmTokens, long positions) {
    }

    /**
     * The answer losses of {@code rows}, each reading {@code contexts} (row i reads the context of row
     * {@code order[i]}, or its own when {@code order} is null).
     */
    Losses losses(NDManager m, List<RecallSampler.Row> rows, boolean summary, int[] order) {
        int b = rows.size();
        boolean lmOnTokens = o.lmWeight() > 0 && order == null && GradMode.isEnabled();
        Context ctx = context(m, rows, summary, lmOnTokens);
        NDArray ctxVec = ctx.vectors();
        if (order != null) {
            long[] idx = new long[b];
            for (int i = 0; i < b; i++) {
                idx[i] = order[i];
            }
            ctxVec = ctxVec.get(m.create(idx));
        }
        int c = (int) ctxVec.getShape().get(1);
        int lmax = 0;
        for (RecallSampler.Row r : rows) {
            lmax = Math.max(lmax, r.chain().length);
        }
        long[] ids = new long[b * lmax];
        java.util.Arrays.fill(ids, WorldTokenizer.PAD_ID);
        int width = c + lmax;
        List<Integer> pick = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        List<Integer> rivalRows = new ArrayList<>();
        List<Integer> rivals = new ArrayList<>();
        List<Integer> lmPick = new ArrayList<>();
        List<Integer> lmTargets = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            RecallSampler.Row row = rows.get(r);
            for (int j = 0; j < row.chain().length; j++) {
                ids[r * lmax + j] = row.chain()[j];
                if (row.target()[j]) {
                    if (row.avoid()[j] >= 0) {
                        rivalRows.add(targets.size());
                        rivals.add(row.avoid()[j]);
                    }
                    pick.add(r * width + c + j - 1);
                    targets.add(row.chain()[j]);
                }
            }
            if (lmOnTokens && summary == false) {
                for (int j = 0; j + 1 < c; j++) {
                    if ((j + 1) % o.lmEvery() != 0) {
                        continue;
                    }
                    lmPick.add(r * width + j);
                    lmTargets.add(row.context()[j + 1]);
                }
            }
        }
        NDArray chainEmb = model.embed(m.create(ids, new Shape(b, lmax)));
        NDArray input = ctxVec.concat(chainEmb, 1);
        NDArray hidden = model.forward(input, SequenceLayout.unpadded(b), null, null);
        NDArray flat = hidden.reshape((long) b * width, config.hiddenSize());
        int[] t = targets.stream().mapToInt(Integer::intValue).toArray();
        NDArray logits = model.logits(Ce.rows(flat, pick.stream().mapToInt(Integer::intValue).toArray()));
        NDArray qa = Ce.nllSum(logits, t);
        NDArray lm = ctx.lmNll();
        int lmTokens = ctx.lmTokens();
        if (lmPick.isEmpty() == false) {
            NDArray h = Ce.rows(flat, lmPick.stream().mapToInt(Integer::intValue).toArray());
            lm = Ce.nllSum(model.logits(h), lmTargets.stream().mapToInt(Integer::intValue).toArray());
            lmTokens = lmTargets.size();
        }
        return new Losses(
            qa,
            t.length,
            lm,
            lmTokens,
            ctx.positions() + (long) b * width,
            logits,
            t,
            rivalRows.stream().mapToInt(Integer::intValue).toArray(),
            rivals.stream().mapToInt(Integer::intValue).toArray()
        );
    }

    Context context(NDManager m, List<RecallSampler.Row> rows, boolean summary, boolean lm) {
        int b = rows.size();
        int n = o.docTokens();
        long[] ids = new long[b * n];
        for (int r = 0; r < b; r++) {
            int[] c = rows.get(r).context();
            for (int j = 0; j < n; j++) {
                ids[r * n + j] = c[j];
            }
        }
        NDArray tokens = model.embed(m.create(ids, new Shape(b, n)));
        if (summary == false) {
            return new Context(tokens, null, 0, 0);
        }
        int seg = o.segmentTokens();
        int s = config.summaryLength();
        NDArray summaryTokens = model.weights().embedSummary().expandDims(0).repeat(0, b);
        NDArray softprompt = null;
        NDArray nll = null;
        int lmTokens = 0;
        long positions = 0;
        for (int k = 0; k * seg < n; k++) {
            int from = k * seg;
            int p = softprompt == null || independent ? 0 : (int) softprompt.getShape().get(1);
            NDList parts = new NDList();
            if (p > 0) {
                parts.add(softprompt);
            }
            parts.add(tokens.get(new NDIndex(":, {}:{}", from, from + seg)));
            parts.add(summaryTokens);
            NDArray input = NDArrays.concat(parts, 1);
            NDArray hidden = model.forward(input, SequenceLayout.unpadded(b), null, null);
            int total = p + seg + s;
            positions += (long) b * total;
            if (lm) {
                // position i predicts token i+1 of the segment; with earlier summaries the last summary predicts token 0
                int a = p == 0 ? 0 : p - 1;
                int first = p == 0 ? 1 : 0;
                int per = 0;
                for (int j = first; j < seg; j++) {
                    per += (from + j) % o.lmEvery() == 0 ? 1 : 0;
                }
                int[] pick = new int[b * per];
                int[] tg = new int[pick.length];
                int q = 0;
                for (int r = 0; r < b; r++) {
                    int[] c = rows.get(r).context();
                    for (int j = first; j < seg; j++) {
                        if ((from + j) % o.lmEvery() != 0) {
                            continue; // --lm-every: only every lmEvery-th document token is predicted
                        }
                        pick[q] = r * total + a + (j - first);
                        tg[q++] = c[from + j];
                    }
                }
                NDArray h = Ce.rows(hidden.reshape((long) b * total, config.hiddenSize()), pick);
                NDArray segNll = Ce.nllSum(model.logits(h), tg);
                nll = nll == null ? segNll : nll.add(segNll);
                lmTokens += tg.length;
            }
            NDArray fresh = hidden.get(new NDIndex(":, {}:", total - s));
            softprompt = softprompt == null ? fresh : softprompt.concat(fresh, 1);
        }
        return new Context(softprompt, nll, lmTokens, positions);
    }

    /** The probes this stage trains for (raw text, summaries or both), logged; returns the summary probe when there is one. */
    Probe probes(NDManager parent, List<RecallSampler.Row> rows, long step, PrintStream log) {
        independent = o.independentRate() >= 0.5;
        Probe last = null;
        if (o.summaryRate() < 1) {
            last = probe(parent, rows, false);
            log.printf(Locale.ROOT, "[recall] probe step %d text %s%n", step, describe(last));
        }
        if (o.summaryRate() > 0) {
            last = probe(parent, rows, true);
            log.printf(Locale.ROOT, "[recall] probe step %d summary %s%n", step, describe(last));
        }
        return last;
    }

    /** Scores {@code rows} with their own and with a rotated context, without gradients. */
    Probe probe(NDManager parent, List<RecallSampler.Row> rows, boolean summary) {
        int b = rows.size();
        double[] nll = new double[2];
        double[] exact = new double[2];
        double[] first = new double[2];
        int questions = 0;
        int bound = 0;
        int contrasted = 0;
        List<String> examples = new ArrayList<>();
        try (GradMode g = GradMode.disabled()) {
            for (int pass = 0; pass < 2; pass++) {
                int chunk = 8;
                double sum = 0;
                int tokens = 0;
                int hits = 0;
                int firstHits = 0;
                questions = 0;
                for (int from = 0; from < b; from += chunk) {
                    List<RecallSampler.Row> part = rows.subList(from, Math.min(b, from + chunk));
                    int[] order = null;
                    if (pass == 1) {
                        // the wrong context: the next document's (within the chunk)
                        order = new int[part.size()];
                        for (int i = 0; i < order.length; i++) {
                            order[i] = (i + 1) % order.length;
                        }
                    }
                    try (NDManager m = parent.newSubManager()) {
                        Losses l = losses(m, part, summary, order);
                        sum += l.qaNll().getFloat();
                        tokens += l.qaTokens();
                        long[] argmax = l.logits().argMax(1).toLongArray();
                        if (pass == 0) {
                            float[] lg = l.logits().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
                            int vocab = (int) l.logits().getShape().get(1);
                            for (int i = 0; i < l.rivalRows().length; i++) {
                                int row = l.rivalRows()[i];
                                bound += lg[row * vocab + l.targets()[row]] > lg[row * vocab + l.rivals()[i]] ? 1 : 0;
                                contrasted++;
                            }
                        }
                        int q = 0;
                        for (RecallSampler.Row r : part) {
                            int j = 0;
                            while (j < r.chain().length) {
                                if (r.target()[j] == false) {
                                    j++;
                                    continue;
                                }
                                int a = j;
                                boolean ok = true;
                                while (j < r.chain().length && r.target()[j]) {
                                    ok &= argmax[q + j - a] == r.chain()[j];
                                    j++;
                                }
                                hits += ok ? 1 : 0;
                                firstHits += argmax[q] == r.chain()[a] ? 1 : 0;
                                questions++;
                                if (pass == 0 && ok == false && examples.size() < 4 && tokenizer != null) {
                                    examples.add(example(r, a, j, java.util.Arrays.copyOfRange(argmax, q, q + j - a)));
                                }
                                q += j - a;
                            }
                        }
                    }
                }
                nll[pass] = sum / tokens;
                exact[pass] = (double) hits / questions;
                first[pass] = (double) firstHits / questions;
            }
        }
        return new Probe(
            nll[0],
            nll[1],
            exact[0],
            exact[1],
            first[0],
            first[1],
            questions,
            List.copyOf(examples),
            contrasted == 0 ? Double.NaN : (double) bound / contrasted,
            contrasted
        );
    }

    /** "question -> gold / got" of a missed answer (teacher-forced argmax), for the log. */
    private String example(RecallSampler.Row r, int answerFrom, int answerTo, long[] got) {
        int q = answerFrom;
        while (q > 0 && r.target()[q - 1] == false) {
            q--;
        }
        int[] gotIds = new int[got.length];
        for (int i = 0; i < got.length; i++) {
            gotIds[i] = (int) got[i];
        }
        String question = tokenizer.decode(java.util.Arrays.copyOfRange(r.chain(), q, answerFrom)).replace("\n", " ").trim();
        String gold = tokenizer.decode(java.util.Arrays.copyOfRange(r.chain(), answerFrom, answerTo - 1)).trim();
        String pred = tokenizer.decode(gotIds).replace("</s>", "").trim();
        return question + " -> " + gold + " / " + pred;
    }
}
