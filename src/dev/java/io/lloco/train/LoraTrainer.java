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
import java.util.EnumSet;
import java.util.HashMap;
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

import io.lloco.runtime.compress.Segmentation;
import io.lloco.runtime.lora.LoraConfig;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.Projection;
import io.lloco.runtime.train.AdamW;
import io.lloco.runtime.train.PrefixLoss;
import io.lloco.runtime.train.QaAdapterTrainer;
import io.lloco.runtime.train.TrainSupport;
import io.lloco.train.world.Document;
import io.lloco.train.world.Fact;
import io.lloco.train.world.QaExample;
import io.lloco.train.world.Split;
import io.lloco.train.world.TaskFamily;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/**
 * LoRA finetuning on compressed contexts, the LLoCO step (objective (b) of the trainer): the base is frozen;
 * each TRAIN-split document is compressed once by the frozen encoder without LoRA (its summaries are cached on
 * the heap); a step feeds {@code [summaries ; prompt]} for a few questions of one document, in the paper's
 * prompt formats, with the loss on answer + EOS only; only the LoRA matrices (q/k/v/o, PEFT init) learn.
 *
 * <p>The adapter is written in the PEFT layout to {@code OUT} at every checkpoint; {@code OUT/checkpoint}
 * additionally holds the optimizer and trainer state for {@code --resume}.
 */
public final class LoraTrainer {

    /**
     * Options.
     *
     * @param model base model directory
     * @param out adapter output directory
     * @param resume continue from {@code out/checkpoint}
     * @param steps total steps
     * @param seed seed (LoRA init, data order)
     * @param worldSeed world seed
     * @param rank LoRA rank
     * @param alpha LoRA alpha
     * @param lr peak learning rate
     * @param warmup warmup steps
     * @param docs documents in the training pool
     * @param docTokens document lengths to cycle through
     * @param questions questions per step
     * @param tasks task families to train on
     * @param logEvery progress line every this many steps
     * @param checkpointEvery checkpoint every this many steps
     * @param checkpointMinutes and at least every this many minutes
     * @param stopAt stop (after a checkpoint) once this step is reached (0: run to {@code steps}); the schedule still spans {@code steps}
     * @param maxMinutes stop after this much wall time in this process (0: none)
     * @param retrieve 0: each document's accumulated summaries before every question (LLoCO as released); k > 0: the
     *     segment-retrieval path of {@code lloco eval --retrieve k} and the plugin's {@code granularity: segment} —
     *     segments compressed independently, the k best BM25 matches of each question before it
     * @param boundary where segments are cut ({@link Segmentation}): fixed token counts or whole sentences
     * @param targets the projections adapted in every layer (PEFT {@code target_modules}); LLOCO-SPEC 2.5 uses q/k/v/o
     * @param context what each question reads before its prompt: the retrieved segments' summaries (LLoCO), or their
     *     raw tokens ({@link Context#TEXT}: the adapter of the retrieval-augmented baseline, {@code lloco eval --mode full})
     * @param sentenceBoost with {@code retrieve}: weight of a segment's best-matching sentence in its retrieval score
     *     ({@link SegmentRetriever#scores(List, String, double)}; {@code lloco eval --sentence-boost}), 0 for plain BM25
     * @param matchChoices with {@code retrieve}: a multiple-choice question is matched with its options' text, as
     *     {@code lloco eval --match-choices true} does
     * @param contrastWeight weight of the binding contrast (0: off): on every answer token with a rival ({@link Rivals}:
     *     where another person's value of the same kind, stated in the segments the question reads, would continue), the
     *     unlikelihood {@code -log(1 - p(rival))}, averaged over those tokens, is added to the answer loss
     */
    public record Options(
        Path model,
        Path out,
        boolean resume,
        long steps,
        long seed,
        long worldSeed,
        int rank,
        double alpha,
        double lr,
        long warmup,
        int docs,
        int[] docTokens,
        int questions,
        EnumSet<TaskFamily> tasks,
        int logEvery,
        int checkpointEvery,
        double checkpointMinutes,
        double maxMinutes,
        long stopAt,
        int retrieve,
        Segmentation.Boundary boundary,
        EnumSet<Projection> targets,
        Context context,
        double sentenceBoost,
        boolean matchChoices,
        double contrastWeight) {

        /** The adapted projections of LLOCO-SPEC 2.5: q/k/v/o (a new set on every call). */
        public static EnumSet<Projection> attention() {
            return EnumSet.of(Projection.Q, Projection.K, Projection.V, Projection.O);
        }

        public Options {
            if (targets == null || targets.isEmpty()) {
                throw new IllegalArgumentException("--target-modules must name at least one projection");
            }
            targets = EnumSet.copyOf(targets);
            java.util.Objects.requireNonNull(context, "context");
            if (context == Context.TEXT && retrieve < 1) {
                throw new IllegalArgumentException("--context text reads retrieved segments as text: it needs --retrieve K (K >= 1)");
            }
            if ((contrastWeight >= 0 && contrastWeight <= 10) == false) {
                throw new IllegalArgumentException("--contrast-weight must be in [0, 10], got " + contrastWeight);
            }
            if ((sentenceBoost >= 0 && sentenceBoost <= 100) == false) {
                throw new IllegalArgumentException("--sentence-boost must be between 0 and 100, got " + sentenceBoost);
            }
        }

        /** Reads the options of {@code lloco train lora}. */
        public static Options from(Args a) {
            long steps = a.lng("steps", 2000);
            int[] docTokens = a.integers("doc-tokens", "1024,2048,4096,4096");
            EnumSet<TaskFamily> tasks = EnumSet.noneOf(TaskFamily.class);
            for (String t : a.str("tasks", "lookup,choice,needle").split(",")) {
                tasks.add(TaskFamily.parse(t.trim()));
            }
            return new Options(
                Path.of(a.required("model")),
                Path.of(a.required("out")),
                a.flag("resume"),
                steps,
                a.lng("seed", 1),
                a.lng("world-seed", 1),
                a.integer("rank", 8),
                a.dbl("alpha", 16),
                a.dbl("lr", 1e-3),
                a.lng("warmup", Math.max(1, steps / 25)),
                a.integer("docs", 600),
                docTokens,
                a.integer("questions", 4),
                tasks,
                a.integer("log-every", 10),
                a.integer("checkpoint-every", 200),
                a.dbl("checkpoint-minutes", 8),
                a.dbl("max-minutes", 0),
                a.lng("stop-at", 0),
                a.integer("retrieve", 0),
                Segmentation.Boundary.parse(a.str("segment-boundary", "tokens")),
                targets(a.str("target-modules", "q_proj,k_proj,v_proj,o_proj")),
                Context.parse(a.str("context", "summaries")),
                a.dbl("sentence-boost", 0),
                parseBoolean("--match-choices", a.str("match-choices", "false")),
                a.dbl("contrast-weight", 0)
            );
        }

        private static boolean parseBoolean(String name, String s) {
            return switch (s) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(name + " must be true or false, got [" + s + "]");
            };
        }

        /** Parses PEFT module names ({@code q_proj,...,down_proj}, or {@code all}) into projections. */
        static EnumSet<Projection> targets(String list) {
            if (list.trim().equals("all")) {
                return EnumSet.allOf(Projection.class);
            }
            EnumSet<Projection> out = EnumSet.noneOf(Projection.class);
            for (String name : list.split(",")) {
                String n = name.trim();
                if (n.isEmpty()) {
                    continue;
                }
                Projection p = Projection.fromModuleName(n);
                if (p == null) {
                    List<String> known = new ArrayList<>();
                    for (Projection q : Projection.values()) {
                        known.add(q.moduleName());
                    }
                    throw new IllegalArgumentException("--target-modules: unknown module [" + n + "]; supported: " + known + " or all");
                }
                out.add(p);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("--target-modules must name at least one projection, got [" + list + "]");
            }
            return out;
        }
    }

    /** What a question reads before its prompt. */
    public enum Context {

        /** The segments' summary vectors (LLoCO). */
        SUMMARIES,
        /** The segments' raw tokens (the retrieval-augmented baseline at equal retrieval). */
        TEXT;

        /** Parses summaries|text. */
        public static Context parse(String s) {
            for (Context c : values()) {
                if (c.name().equalsIgnoreCase(s)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("--context must be summaries or text, got [" + s + "]");
        }
    }

    /** The facts of {@code doc} whose sentence lies inside one of the segments {@code top} ({@code starts}: segment bounds). */
    static List<Fact> statedIn(Document doc, int[] starts, int[] top, WorldTokenizer tok) {
        List<Fact> out = new ArrayList<>();
        for (Fact f : doc.facts()) {
            int end = f.tokenOffset() + tok.count(f.sentence());
            for (int t : top) {
                if (f.tokenOffset() >= starts[t] && end <= starts[t + 1]) {
                    out.add(f);
                    break;
                }
            }
        }
        return out;
    }

    /** What the retrieval matches against the segments for {@code q}: the question, and its options' text with {@code matchChoices}. */
    static String matchText(QaExample q, boolean matchChoices) {
        boolean withOptions = matchChoices && q.options() != null && q.options().isEmpty() == false;
        return withOptions ? q.question() + " " + String.join(" ", q.options()) : q.question();
    }

    /** Final figures. */
    public record Summary(long step, double firstLoss, double lastLoss, double seconds) {
    }

    private LoraTrainer() {
    }

    /** The pool document {@code i}: lengths cycle through docTokens, every third one has a needle (if needle is trained). */
    static Document poolDocument(World world, Options o, int i) {
        int tokens = o.docTokens()[i % o.docTokens().length];
        boolean needle = o.tasks().contains(TaskFamily.NEEDLE) && (o.tasks().size() == 1 || i % 3 == 2);
        if (needle) {
            double depth = new SplittableRandom(o.seed() * 31 + i).nextDouble();
            return world.needleDocument(Split.TRAIN, i, tokens, depth);
        }
        return world.document(Split.TRAIN, i, tokens);
    }

    /** The questions of step {@code step} for document {@code doc}. */
    static List<QaExample> questions(World world, Options o, Document doc, long step) {
        SplittableRandom r = new SplittableRandom(o.seed() * 0x9E3779B97F4A7C15L + step);
        List<QaExample> out = new ArrayList<>();
        if (doc.needle() != null && o.tasks().contains(TaskFamily.NEEDLE)) {
            out.addAll(world.questions(doc, TaskFamily.NEEDLE, 1));
        }
        List<TaskFamily> fam = new ArrayList<>(o.tasks());
        fam.remove(TaskFamily.NEEDLE);
        if (fam.isEmpty() || doc.facts().isEmpty()) {
            return out;
        }
        Map<TaskFamily, List<QaExample>> cache = new HashMap<>();
        while (out.size() < o.questions()) {
            TaskFamily f = fam.get(r.nextInt(fam.size()));
            List<QaExample> all = cache.computeIfAbsent(f, k -> world.questions(doc, k, 2 * doc.facts().size()));
            out.add(all.get(r.nextInt(all.size())));
        }
        return out;
    }

    /** Runs LoRA finetuning. */
    public static Summary run(Options o, NDManager root, PrintStream log) throws IOException {
        Path ckpt = o.out().resolve("checkpoint");
        Path from = TrainSupport.startingPoint(ckpt, o.resume());
        Path tokFile = o.model().resolve("tokenizer.json");
        WorldTokenizer tok = Files.isRegularFile(tokFile) ? WorldTokenizer.load(tokFile) : WorldTokenizer.bundled();
        World world = new World(o.worldSeed(), WorldConfig.defaults(), tok);
        QaItems qa = new QaItems(tok);
        try (LlamaWeights weights = LlamaWeights.load(o.model(), root); LlamaModel model = new LlamaModel(weights)) {
            int segmentTokens = ModelShape.segmentTokens(weights.config());
            SegmentCompressor comp = new SegmentCompressor(model, segmentTokens);
            LoraConfig lc = new LoraConfig(
                o.rank(),
                o.alpha(),
                o.targets(),
                false,
                0.0,
                o.model().toAbsolutePath().toString()
            );
            long startStep = 0;
            double elapsedBefore = 0;
            ObjectNode state = null;
            LoraWeights lora = from != null
                ? LoraWeights.load(from, weights.config(), weights.manager())
                : LoraWeights.initialize(lc, weights.config(), weights.manager(), o.seed());
            if (from != null && (lora.config().r() != o.rank() || !lora.config().targets().equals(o.targets()))) {
                List<String> had = lora.config().targets().stream().map(Projection::moduleName).toList();
                int hadRank = lora.config().r();
                lora.close();
                throw new IllegalArgumentException(
                    "--resume: the checkpoint in " + from + " adapts " + had + " at r=" + hadRank + ", but --target-modules/--rank ask for "
                        + o.targets().stream().map(Projection::moduleName).toList() + " at r=" + o.rank()
                        + "; pass the checkpoint's values or start a new --out"
                );
            }
            if (from != null) {
                state = TrainSupport.readJson(from.resolve(TrainSupport.STATE));
                startStep = state.path("step").asLong();
                elapsedBefore = state.path("elapsed_seconds").asDouble();
                log.printf(Locale.ROOT, "[lora] resuming from %s at step %d%n", from, startStep);
            }
            Map<String, NDArray> params = lora.named();
            TrainSupport.requireGradients(params);
            Map<Integer, Embeddings> summaries = new HashMap<>();
            Map<Integer, List<String>> segmentTexts = new HashMap<>();
            Map<Integer, List<int[]>> segmentIds = new HashMap<>(); // --context text: the segments' tokens
            Map<Integer, int[]> segmentStarts = new HashMap<>(); // with --retrieve: each segment's first token
            double firstLoss = state == null ? Double.NaN : state.path("first_loss").asDouble(Double.NaN);
            double ema = state == null ? Double.NaN : state.path("ema_loss").asDouble(Double.NaN);
            double emaContrast = Double.NaN;
            log.printf(
                Locale.ROOT,
                "[lora] base %s, adapter r=%d alpha=%s on %s, %d trainable parameters, pool %d docs, reading %s%n",
                o.model(),
                o.rank(),
                o.alpha(),
                lora.config().targets().stream().map(Projection::moduleName).toList(),
                params.values().stream().mapToLong(a -> a.getShape().size()).sum(),
                o.docs(),
                o.retrieve() == 0
                    ? "each document's summaries"
                    : String.format(
                        Locale.ROOT,
                        "the %s of its %d best segments (sentence boost %s, options matched: %s)",
                        o.context() == Context.TEXT ? "text" : "summaries",
                        o.retrieve(),
                        o.sentenceBoost(),
                        o.matchChoices()
                    )
            );
            try (AdamW opt = new AdamW(params, AdamW.Hyper.of(0.0), weights.manager())) {
                if (from != null) {
                    opt.load(from.resolve(TrainSupport.OPTIMIZER));
                }
                long t0 = System.nanoTime();
                long lastCkpt = t0;
                long logStart = t0;
                long tokens = 0;
                long step = startStep;
                while (step < o.steps()) {
                    int epoch = (int) (step / o.docs());
                    int[] perm = QaAdapterTrainer.permutation(o.docs(), o.seed() * 1000003L + epoch);
                    int di = perm[(int) (step % o.docs())];
                    Document doc = poolDocument(world, o, di);
                    Embeddings sum = summaries.get(di);
                    if (sum == null && o.context() == Context.TEXT) {
                        // the retrieved segments are read as text: only the segments' tokens are kept
                        int[] ids = tok.encode(doc.text());
                        List<int[]> segs = new ArrayList<>();
                        List<String> texts = new ArrayList<>();
                        int at = 0;
                        List<Integer> starts = new ArrayList<>();
                        for (int len : Evaluator.segmentLengths(tok, ids, segmentTokens, o.boundary())) {
                            int[] seg = java.util.Arrays.copyOfRange(ids, at, at + len);
                            segs.add(seg);
                            texts.add(tok.decode(seg));
                            starts.add(at);
                            at += len;
                        }
                        starts.add(at);
                        segmentStarts.put(di, starts.stream().mapToInt(Integer::intValue).toArray());
                        segmentIds.put(di, segs);
                        segmentTexts.put(di, texts);
                        sum = Embeddings.empty(weights.config().hiddenSize());
                        summaries.put(di, sum);
                    } else if (sum == null) {
                        int[] ids = tok.encode(doc.text());
                        try (GradMode g = GradMode.disabled(); NDManager cm = weights.manager().newSubManager()) {
                            if (o.retrieve() > 0) {
                                // every segment alone (independent compression), as lloco eval --retrieve does
                                List<Embeddings> parts = new ArrayList<>();
                                List<String> texts = new ArrayList<>();
                                int at = 0;
                                List<Integer> starts = new ArrayList<>();
                                for (int len : Evaluator.segmentLengths(tok, ids, segmentTokens, o.boundary())) {
                                    int[] seg = java.util.Arrays.copyOfRange(ids, at, at + len);
                                    parts.add(Embeddings.of(comp.run(cm, seg, false, 0).summaries()));
                                    texts.add(tok.decode(seg));
                                    starts.add(at);
                                    at += len;
                                }
                                starts.add(at);
                                segmentStarts.put(di, starts.stream().mapToInt(Integer::intValue).toArray());
                                sum = Embeddings.concat(parts, weights.config().hiddenSize());
                                segmentTexts.put(di, texts);
                            } else {
                                sum = Embeddings.of(comp.run(cm, ids, false, 0).summaries());
                            }
                        }
                        summaries.put(di, sum);
                    }
                    List<PrefixLoss.Item> items = new ArrayList<>();
                    List<Embeddings> prefixes = new ArrayList<>();
                    for (QaExample q : questions(world, o, doc, step)) {
                        if (o.retrieve() == 0) {
                            items.add(o.contrastWeight() > 0 ? qa.item(q, doc, doc.facts()) : qa.item(q));
                        } else {
                            List<String> texts = segmentTexts.get(di);
                            int[] top = SegmentRetriever.topK(texts, matchText(q, o.matchChoices()), o.retrieve(), o.sentenceBoost());
                            // the rivals come from what this question reads: the facts stated in its segments
                            items.add(
                                o.contrastWeight() > 0 ? qa.item(q, doc, statedIn(doc, segmentStarts.get(di), top, tok)) : qa.item(q)
                            );
                            if (o.context() == Context.TEXT) {
                                int[] text = new int[0];
                                for (int t : top) {
                                    int[] seg = segmentIds.get(di).get(t);
                                    int[] joined = java.util.Arrays.copyOf(text, text.length + seg.length);
                                    System.arraycopy(seg, 0, joined, text.length, seg.length);
                                    text = joined;
                                }
                                try (GradMode g = GradMode.disabled(); NDManager em = weights.manager().newSubManager()) {
                                    prefixes.add(Embeddings.of(model.embed(em, text)));
                                }
                                continue;
                            }
                            int rows = sum.rows() / texts.size();
                            List<Embeddings> chosen = new ArrayList<>();
                            for (int t : top) {
                                chosen.add(sum.slice(t * rows, (t + 1) * rows));
                            }
                            prefixes.add(Embeddings.concat(chosen, sum.dim()));
                        }
                    }
                    double lr = TrainSupport.learningRate(step, o.steps(), o.warmup(), o.lr(), o.lr() * 0.1);
                    double loss;
                    double contrast = Double.NaN;
                    try (NDManager sm = weights.manager().newSubManager()) {
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray mean;
                            NDArray total = null;
                            if (o.retrieve() > 0) {
                                // each question behind its own retrieved segments
                                NDArray nll = null;
                                NDArray unlikely = null;
                                int count = 0;
                                int rivals = 0;
                                for (int i = 0; i < items.size(); i++) {
                                    NDArray prefix = prefixes.get(i).toNDArray(sm, weights.dataType()).expandDims(0);
                                    PrefixLoss.Result r = PrefixLoss.compute(model, sm, prefix, List.of(items.get(i)), lora);
                                    nll = nll == null ? r.nll() : nll.add(r.nll());
                                    count += r.tokens();
                                    if (r.unlikelihood() != null) {
                                        unlikely = unlikely == null ? r.unlikelihood() : unlikely.add(r.unlikelihood());
                                        rivals += r.rivals();
                                    }
                                    tokens += items.get(i).length() + prefixes.get(i).rows();
                                }
                                mean = nll.div(count);
                                if (unlikely != null) {
                                    contrast = unlikely.getFloat() / rivals;
                                    total = mean.add(unlikely.div(rivals).mul(o.contrastWeight()));
                                }
                            } else {
                                NDArray prefix = sum.toNDArray(sm, weights.dataType()).expandDims(0);
                                PrefixLoss.Result r = PrefixLoss.compute(model, sm, prefix, items, lora);
                                mean = r.nll().div(r.tokens());
                                if (r.unlikelihood() != null) {
                                    contrast = r.unlikelihood().getFloat() / r.rivals();
                                    total = mean.add(r.unlikelihood().div(r.rivals()).mul(o.contrastWeight()));
                                }
                                for (PrefixLoss.Item it : items) {
                                    tokens += it.length() + sum.rows();
                                }
                            }
                            loss = mean.getFloat();
                            gc.backward(total == null ? mean : total);
                        }
                        Map<String, NDArray> grads = TrainSupport.gradients(params, sm);
                        double gnorm = TrainSupport.globalNorm(grads);
                        if (Double.isFinite(gnorm) && Double.isFinite(loss)) {
                            opt.step(grads, lr, gnorm > 1.0 ? 1.0 / gnorm : 1.0);
                        }
                        TrainSupport.zero(grads, Double.isFinite(gnorm));
                    }
                    if (Double.isNaN(firstLoss)) {
                        firstLoss = loss;
                    }
                    ema = Double.isNaN(ema) ? loss : 0.95 * ema + 0.05 * loss;
                    if (Double.isNaN(contrast) == false) {
                        emaContrast = Double.isNaN(emaContrast) ? contrast : 0.95 * emaContrast + 0.05 * contrast;
                    }
                    step++;
                    long now = System.nanoTime();
                    if (step % o.logEvery() == 0 || step == o.steps()) {
                        double run = (now - t0) / 1e9;
                        log.printf(
                            Locale.ROOT,
                            "[lora] step %d/%d lr %.2e qa %.4f (ema %.4f)%s tok/s %.0f cached %d elapsed %s eta %s%n",
                            step,
                            o.steps(),
                            lr,
                            loss,
                            ema,
                            o.contrastWeight() > 0 ? String.format(Locale.ROOT, " contrast ema %.4f", emaContrast) : "",
                            tokens / ((now - logStart) / 1e9),
                            summaries.size(),
                            TrainSupport.hms(elapsedBefore + run),
                            TrainSupport.hms(run / (step - startStep) * (o.steps() - step))
                        );
                        log.flush();
                        tokens = 0;
                        logStart = now;
                    }
                    boolean timeUp = (o.maxMinutes() > 0 && (now - t0) / 6e10 >= o.maxMinutes()) || (o.stopAt() > 0 && step >= o.stopAt());
                    if (step % o.checkpointEvery() == 0 || (now - lastCkpt) / 6e10 >= o.checkpointMinutes() || step == o.steps()
                        || timeUp) {
                        ObjectNode st = new ObjectMapper().createObjectNode();
                        st.put("kind", "lora");
                        st.put("step", step);
                        st.put("total_steps", o.steps());
                        st.put("seed", o.seed());
                        st.put("world_seed", o.worldSeed());
                        st.put("base_model", o.model().toAbsolutePath().toString());
                        st.put("elapsed_seconds", elapsedBefore + (now - t0) / 1e9);
                        st.put("first_loss", firstLoss);
                        st.put("ema_loss", ema);
                        st.put("retrieve", o.retrieve());
                        st.put("segment_boundary", o.boundary().value());
                        st.put("context", o.context().name().toLowerCase(Locale.ROOT));
                        st.put("sentence_boost", o.sentenceBoost());
                        st.put("match_choices", o.matchChoices());
                        st.put("contrast_weight", o.contrastWeight());
                        TrainSupport.atomicWrite(ckpt, dir -> {
                            lora.save(dir);
                            opt.save(dir.resolve(TrainSupport.OPTIMIZER));
                            TrainSupport.writeJson(dir.resolve(TrainSupport.STATE), st);
                        });
                        lora.save(o.out());
                        log.printf(Locale.ROOT, "[lora] checkpoint step %d -> %s%n", step, o.out());
                        log.flush();
                        lastCkpt = System.nanoTime();
                    }
                    if (timeUp) {
                        log.printf(Locale.ROOT, "[lora] stopping at step %d (--max-minutes or --stop-at); continue with --resume%n", step);
                        break;
                    }
                }
                return new Summary(step, firstLoss, ema, elapsedBefore + (System.nanoTime() - t0) / 1e9);
            } finally {
                lora.close();
            }
        }
    }
}
