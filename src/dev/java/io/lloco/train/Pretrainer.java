/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import io.lloco.runtime.checkpoint.Checkpoints;
import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.train.AdamW;
import io.lloco.runtime.train.PrefixLoss;
import io.lloco.runtime.train.TrainSupport;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/**
 * Pretraining of an AutoCompressor-style Llama from random init (objective (a) of the trainer): per step one
 * world document is compressed segment by segment with gradients through the accumulated summaries; the loss
 * is the language-modelling loss of every segment's tokens given the earlier summaries plus a fact-recall
 * (cloze) loss after the whole document's summaries. AdamW, warmup + cosine, global-norm clipping.
 *
 * <p>Checkpoints ({@code OUT/checkpoint}: config.json, model.safetensors, tokenizer.json, optimizer state,
 * trainer_state.json) are written atomically every {@code checkpointEvery} steps or {@code checkpointMinutes}
 * minutes; {@code resume} continues from the last one exactly (the data of a step is a function of the step).
 */
public final class Pretrainer {

    /**
     * Options.
     *
     * @param out output directory
     * @param resume continue from {@code out/checkpoint}
     * @param steps total steps
     * @param seed training seed (init and data order)
     * @param worldSeed seed of the synthetic world
     * @param shape model shape (ignored on resume: the checkpoint's config wins)
     * @param tokenizer tokenizer.json to train with and ship in the checkpoint
     * @param lr peak learning rate
     * @param minLr final learning rate
     * @param warmup warmup steps
     * @param weightDecay AdamW weight decay
     * @param clip global gradient-norm clip (0: none)
     * @param maxSegments most segments per document
     * @param rampSteps steps over which the segment-count curriculum widens from 2 to maxSegments
     * @param clozePerStep fact-recall rows per step
     * @param needleRate share of documents with a needle
     * @param detachEvery stop-gradient of the summaries every this many segments (0: never)
     * @param lmWeight weight of the language-modelling loss
     * @param clozeWeight weight of the fact-recall loss
     * @param recallPerStep text-recall rows per step (a cue copied from the document, then the tokens that follow it there)
     * @param recallWeight weight of the text-recall loss
     * @param segmentStart compression curriculum: training segments start at this many tokens (0: the model's own length)
     * @param segmentDoubling and double every this many steps up to the model's segment length
     * @param contextClozeWeight weight of a warm-start loss: the same cloze rows read from the uncompressed document
     *     (token embeddings as the prefix, documents of at most two segments; 0: off), which teaches in-context retrieval
     * @param logEvery progress line every this many steps
     * @param checkpointEvery checkpoint every this many steps
     * @param checkpointMinutes and at least every this many minutes
     * @param stopAt stop (after a checkpoint) once this step is reached (0: run to {@code steps}); the schedule still spans {@code steps}
     * @param maxMinutes stop (after a checkpoint) when this much wall time has passed in this process (0: no limit)
     */
    public record Options(
        Path out,
        boolean resume,
        long steps,
        long seed,
        long worldSeed,
        ModelShape shape,
        Path tokenizer,
        double lr,
        double minLr,
        long warmup,
        double weightDecay,
        double clip,
        int maxSegments,
        long rampSteps,
        int clozePerStep,
        double needleRate,
        int detachEvery,
        double lmWeight,
        double clozeWeight,
        int recallPerStep,
        double recallWeight,
        int segmentStart,
        long segmentDoubling,
        double contextClozeWeight,
        int logEvery,
        int checkpointEvery,
        double checkpointMinutes,
        double maxMinutes,
        long stopAt) {
    }

    /** Final figures of a run. */
    public record Summary(long step, double lastLm, double lastCloze, double firstLm, double firstCloze, double seconds) {
    }

    private Pretrainer() {
    }

    /** Runs pretraining; progress lines go to {@code log}. */
    public static Summary run(Options o, NDManager root, PrintStream log) throws IOException {
        Path ckpt = o.out().resolve("checkpoint");
        Files.createDirectories(o.out());
        Path from = TrainSupport.startingPoint(ckpt, o.resume());
        Path tokFile = from != null ? from.resolve("tokenizer.json") : o.tokenizer();
        WorldTokenizer tok = tokFile == null ? WorldTokenizer.bundled() : WorldTokenizer.load(tokFile);
        byte[] tokBytes = tokFile == null
            ? WorldTokenizer.class.getResourceAsStream(WorldTokenizer.RESOURCE).readAllBytes()
            : Files.readAllBytes(tokFile);
        long startStep = 0;
        double elapsedBefore = 0;
        ObjectNode state = null;
        LlamaWeights weights;
        if (from != null) {
            state = TrainSupport.readJson(from.resolve(TrainSupport.STATE));
            startStep = state.path("step").asLong();
            elapsedBefore = state.path("elapsed_seconds").asDouble();
            weights = LlamaWeights.load(from, root);
            log.printf(
                Locale.ROOT,
                "[pretrain] resuming from %s at step %d (%s trained so far)%n",
                from,
                startStep,
                TrainSupport.hms(elapsedBefore)
            );
        } else {
            ModelShape shape = o.shape();
            if (shape.vocab() != tok.vocabSize()) {
                throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "model vocab %d != tokenizer vocab %d (%s)", shape.vocab(), tok.vocabSize(), tok.source())
                );
            }
            weights = LlamaWeights.random(shape.toConfig(), root, o.seed(), 0.02);
            initSummaryTable(weights, o.seed());
        }
        LlamaConfig config = weights.config();
        int segmentTokens = ModelShape.segmentTokens(config);
        log.printf(
            Locale.ROOT,
            "[pretrain] model %s, %d parameters, segment %d tokens -> %d summaries%n",
            config,
            weights.parameterCount(),
            segmentTokens,
            config.summaryLength()
        );
        World world = new World(o.worldSeed(), WorldConfig.defaults(), tok);
        PretrainSampler sampler = new PretrainSampler(
            world, o.seed(), segmentTokens, o.maxSegments(), o.clozePerStep(), o.needleRate(), o.rampSteps()
        ).withRecall(o.recallPerStep());
        Map<String, NDArray> params = weights.named();
        TrainSupport.requireGradients(params);
        double firstLm = Double.NaN;
        double firstCloze = Double.NaN;
        double emaLm = Double.NaN;
        double emaCloze = Double.NaN;
        double emaRecall = Double.NaN;
        try (LlamaModel model = new LlamaModel(weights);
            AdamW opt = new AdamW(params, AdamW.Hyper.of(o.weightDecay()), weights.manager())) {
            if (from != null) {
                opt.load(from.resolve(TrainSupport.OPTIMIZER));
                emaLm = state.path("ema_lm").asDouble(Double.NaN);
                emaCloze = state.path("ema_cloze").asDouble(Double.NaN);
                emaRecall = state.path("ema_recall").asDouble(Double.NaN);
                firstLm = state.path("first_lm").asDouble(Double.NaN);
                firstCloze = state.path("first_cloze").asDouble(Double.NaN);
            }
            Map<Integer, SegmentCompressor> comps = new java.util.HashMap<>();
            long t0 = System.nanoTime();
            long lastCkpt = t0;
            long tokensSinceLog = 0;
            long logStart = t0;
            long step = startStep;
            double gnorm = 0;
            int segSum = 0;
            int skipped = 0;
            long dataNanos = 0;
            while (step < o.steps()) {
                long d0 = System.nanoTime();
                int trainSeg = trainingSegment(o, step, segmentTokens);
                SegmentCompressor comp = comps.computeIfAbsent(trainSeg, k -> new SegmentCompressor(model, k));
                PretrainSampler.Sample s = sampler.sample(step, o.steps(), trainSeg);
                dataNanos += System.nanoTime() - d0;
                double lr = TrainSupport.learningRate(step, o.steps(), o.warmup(), o.lr(), o.minLr());
                double lm;
                double cloze;
                double recall;
                try (NDManager sm = weights.manager().newSubManager()) {
                    NDArray loss;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        SegmentCompressor.Result res = comp.run(sm, s.ids(), o.lmWeight() > 0, o.detachEvery());
                        segSum += res.segments();
                        NDArray lmMean = res.lmNll() == null ? null : res.lmNll().div(Math.max(1, res.lmTokens()));
                        PrefixLoss.Result cl = s.cloze().isEmpty() ? null : PrefixLoss.compute(model, sm, res.summaries(), s.cloze(), null);
                        NDArray clMean = cl == null ? null : cl.nll().div(cl.tokens());
                        PrefixLoss.Result rc = s.recall().isEmpty()
                            ? null
                            : PrefixLoss.compute(model, sm, res.summaries(), s.recall(), null);
                        NDArray rcMean = rc == null ? null : rc.nll().div(rc.tokens());
                        loss = null;
                        if (lmMean != null) {
                            loss = lmMean.mul(o.lmWeight());
                        }
                        if (clMean != null) {
                            NDArray c = clMean.mul(o.clozeWeight());
                            loss = loss == null ? c : loss.add(c);
                        }
                        if (o.contextClozeWeight() > 0 && s.cloze().isEmpty() == false && s.ids().length <= 2 * trainSeg) {
                            NDArray ctx = model.embed(sm, s.ids()).expandDims(0);
                            List<PrefixLoss.Item> rows = s.cloze().subList(0, Math.min(4, s.cloze().size()));
                            PrefixLoss.Result cc = PrefixLoss.compute(model, sm, ctx, rows, null);
                            NDArray c = cc.nll().div(cc.tokens()).mul(o.contextClozeWeight());
                            loss = loss == null ? c : loss.add(c);
                        }
                        if (rcMean != null) {
                            NDArray c = rcMean.mul(o.recallWeight());
                            loss = loss == null ? c : loss.add(c);
                        }
                        recall = rcMean == null ? Double.NaN : rcMean.getFloat();
                        lm = lmMean == null ? Double.NaN : lmMean.getFloat();
                        cloze = clMean == null ? Double.NaN : clMean.getFloat();
                        gc.backward(loss);
                        tokensSinceLog += s.ids().length + (cl == null ? 0 : cl.tokens()) + (rc == null ? 0 : rc.tokens());
                    }
                    Map<String, NDArray> grads = TrainSupport.gradients(params, sm);
                    gnorm = TrainSupport.globalNorm(grads);
                    if (Double.isFinite(gnorm) && Double.isFinite(lm + (Double.isNaN(cloze) ? 0 : cloze))) {
                        double scale = o.clip() > 0 && gnorm > o.clip() ? o.clip() / gnorm : 1.0;
                        opt.step(grads, lr, scale);
                    } else {
                        skipped++;
                    }
                    TrainSupport.zero(grads, Double.isFinite(gnorm));
                }
                if (Double.isNaN(firstLm)) {
                    firstLm = lm;
                    firstCloze = cloze;
                }
                emaLm = Double.isNaN(emaLm) ? lm : 0.98 * emaLm + 0.02 * lm;
                if (Double.isNaN(recall) == false) {
                    emaRecall = Double.isNaN(emaRecall) ? recall : 0.98 * emaRecall + 0.02 * recall;
                }
                if (Double.isNaN(cloze) == false) {
                    emaCloze = Double.isNaN(emaCloze) ? cloze : 0.98 * emaCloze + 0.02 * cloze;
                }
                step++;
                long now = System.nanoTime();
                if (step % o.logEvery() == 0 || step == o.steps()) {
                    double secs = (now - logStart) / 1e9;
                    double run = (now - t0) / 1e9;
                    double eta = run / (step - startStep) * (o.steps() - step);
                    log.printf(
                        Locale.ROOT,
                        "[pretrain] step %d/%d lr %.2e lm %.4f (ema %.4f) cloze %.4f (ema %.4f) recall %.4f (ema %.4f) gnorm %.2f segs %.1f x%d data %.0f%% tok/s %.0f elapsed %s eta %s%s%n",
                        step,
                        o.steps(),
                        lr,
                        lm,
                        emaLm,
                        cloze,
                        emaCloze,
                        recall,
                        emaRecall,
                        gnorm,
                        segSum / (double) o.logEvery(),
                        trainingSegment(o, step, segmentTokens),
                        100.0 * dataNanos / (now - logStart),
                        tokensSinceLog / secs,
                        TrainSupport.hms(elapsedBefore + run),
                        TrainSupport.hms(eta),
                        skipped > 0 ? " skipped " + skipped : ""
                    );
                    log.flush();
                    tokensSinceLog = 0;
                    segSum = 0;
                    dataNanos = 0;
                    logStart = now;
                }
                boolean timeUp = (o.maxMinutes() > 0 && (now - t0) / 6e10 >= o.maxMinutes()) || (o.stopAt() > 0 && step >= o.stopAt());
                if (step % o.checkpointEvery() == 0 || (now - lastCkpt) / 6e10 >= o.checkpointMinutes() || step == o.steps() || timeUp) {
                    ObjectNode st = new ObjectMapper().createObjectNode();
                    st.put("kind", "pretrain");
                    st.put("step", step);
                    st.put("total_steps", o.steps());
                    st.put("seed", o.seed());
                    st.put("world_seed", o.worldSeed());
                    st.put("elapsed_seconds", elapsedBefore + (now - t0) / 1e9);
                    st.put("ema_lm", emaLm);
                    st.put("ema_cloze", emaCloze);
                    st.put("ema_recall", emaRecall);
                    st.put("first_lm", firstLm);
                    st.put("first_cloze", firstCloze);
                    st.put("optimizer_steps", opt.steps());
                    st.set("options", new ObjectMapper().valueToTree(optionsJson(o)));
                    TrainSupport.atomicWrite(ckpt, dir -> {
                        weights.save(dir);
                        Files.write(dir.resolve("tokenizer.json"), tokBytes);
                        opt.save(dir.resolve(TrainSupport.OPTIMIZER));
                        TrainSupport.writeJson(dir.resolve(TrainSupport.STATE), st);
                    });
                    log.printf(Locale.ROOT, "[pretrain] checkpoint step %d -> %s%n", step, ckpt);
                    log.flush();
                    lastCkpt = System.nanoTime();
                }
                if (timeUp) {
                    log.printf(Locale.ROOT, "[pretrain] stopping at step %d (--max-minutes or --stop-at); continue with --resume%n", step);
                    break;
                }
            }
            return new Summary(step, emaLm, emaCloze, firstLm, firstCloze, elapsedBefore + (System.nanoTime() - t0) / 1e9);
        } finally {
            weights.close();
        }
    }

    /** The training segment length at {@code step}: {@code segmentStart} doubled every {@code segmentDoubling} steps, capped. */
    static int trainingSegment(Options o, long step, int modelSegment) {
        if (o.segmentStart() <= 0 || o.segmentStart() >= modelSegment) {
            return modelSegment;
        }
        long doublings = o.segmentDoubling() <= 0 ? 0 : step / o.segmentDoubling();
        long seg = (long) o.segmentStart() << Math.min(20, doublings);
        return (int) Math.min(modelSegment, seg);
    }

    private static Map<String, Object> optionsJson(Options o) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("steps", o.steps());
        m.put("lr", o.lr());
        m.put("min_lr", o.minLr());
        m.put("warmup", o.warmup());
        m.put("weight_decay", o.weightDecay());
        m.put("clip", o.clip());
        m.put("max_segments", o.maxSegments());
        m.put("ramp_steps", o.rampSteps());
        m.put("cloze_per_step", o.clozePerStep());
        m.put("needle_rate", o.needleRate());
        m.put("detach_every", o.detachEvery());
        m.put("lm_weight", o.lmWeight());
        m.put("cloze_weight", o.clozeWeight());
        m.put("recall_per_step", o.recallPerStep());
        m.put("recall_weight", o.recallWeight());
        m.put("segment_start", o.segmentStart());
        m.put("context_cloze_weight", o.contextClozeWeight());
        m.put("segment_doubling", o.segmentDoubling());
        return m;
    }

    /**
     * AutoCompressor init: every summary-token row is a copy of the EOS embedding, plus uniform noise of the
     * embeddings' own scale (std 0.02) so that, training from scratch, the summary tokens start distinct.
     */
    static void initSummaryTable(LlamaWeights w, long seed) {
        int h = w.config().hiddenSize();
        int s = w.config().summaryLength();
        float[] emb;
        try (NDArray row = w.embedTokens().get(WorldTokenizer.EOS_ID)) {
            emb = row.toFloatArray();
        }
        float[] table = new float[s * h];
        SplittableRandom r = new SplittableRandom(seed ^ 0x5EED5EEDL);
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < h; j++) {
                table[i * h + j] = emb[j] + (float) r.nextDouble(-0.0346, 0.0346);
            }
        }
        try (GradMode g = GradMode.disabled(); NDManager tmp = w.manager().newSubManager()) {
            // copy in place: set(Buffer) would alias a Java buffer
            NDArray src = tmp.create(table, w.embedSummary().getShape());
            NDArray owned = src.duplicate();
            owned.attach(tmp);
            w.embedSummary().muli(0).addi(owned);
        }
    }

    /** Copies a file (for tokenizer.json next to a model). */
    static void copy(Path from, Path to) throws IOException {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The checkpoint directory of a run directory. */
    public static Path checkpointDir(Path out) {
        return out.resolve("checkpoint");
    }

    /** Whether {@code dir} looks like a model directory. */
    public static boolean isModelDir(Path dir) {
        return Files.isRegularFile(dir.resolve(Checkpoints.CONFIG));
    }
}
