/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.LlamaModel;

/**
 * LoRA finetuning on a team's own questions, the LLoCO step inside a node: the base model is frozen, each example is
 * {@code [summaries ; prompt ; answer + EOS]} with the summaries and prompt exactly as the question will be read
 * (planned by the caller), the loss is on answer + EOS only, and only the adapter's A and B matrices learn (AdamW,
 * warmup then cosine decay to a tenth, gradient norm clipped at 1). Examples are visited in a seeded order, one epoch
 * after another; a step sums the loss of {@code batch} examples, each a forward of its own (their prefixes differ).
 */
public final class QaAdapterTrainer {

    /**
     * One training example.
     *
     * @param prefix the stored summaries the question reads (may have no rows)
     * @param prompt the prompt's token ids
     * @param target the answer's token ids followed by EOS
     */
    public record Example(Embeddings prefix, int[] prompt, int[] target) {
    }

    /**
     * Optimisation settings.
     *
     * @param steps optimizer steps
     * @param batch examples per step
     * @param lr peak learning rate
     * @param warmup warmup steps
     * @param seed data order
     */
    public record Hyper(long steps, int batch, double lr, long warmup, long seed) {
    }

    /** Progress after every step. */
    @FunctionalInterface
    public interface Progress {

        /** Step {@code step} of {@code total} done. */
        void onStep(long step, long total, double loss, double tokensPerSecond, long etaMillis);
    }

    /**
     * What a training did.
     *
     * @param firstLoss mean loss of the first step
     * @param lastLoss exponential moving average of the loss at the end
     * @param tokens positions processed (prefix + prompt + target) over all steps
     */
    public record Result(long steps, double firstLoss, double lastLoss, double seconds, long tokens) {
    }

    private QaAdapterTrainer() {
    }

    /**
     * Trains {@code lora} (initialised by the caller, on {@code model}'s manager) on {@code examples}. Checks
     * {@code cancelled} before every step: a {@link CancellationException} then, {@code lora} as far as it got.
     */
    public static Result train(
        LlamaModel model,
        LoraWeights lora,
        List<Example> examples,
        Hyper h,
        BooleanSupplier cancelled,
        Progress progress
    ) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        Map<String, NDArray> params = lora.named();
        TrainSupport.requireGradients(params);
        NDManager root = model.weights().manager();
        long t0 = System.nanoTime();
        long tokens = 0;
        double first = Double.NaN;
        double ema = Double.NaN;
        int[] order = null;
        int epoch = -1;
        try (AdamW opt = new AdamW(params, AdamW.Hyper.of(0.0), root)) {
            for (long step = 0; step < h.steps(); step++) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("training cancelled at step " + step + " of " + h.steps());
                }
                List<Example> batch = new ArrayList<>();
                for (int i = 0; i < h.batch(); i++) {
                    long at = step * h.batch() + i;
                    int e = (int) (at / examples.size());
                    if (e != epoch) {
                        epoch = e;
                        order = permutation(examples.size(), h.seed() * 1000003L + e);
                    }
                    batch.add(examples.get(order[(int) (at % examples.size())]));
                }
                double lr = TrainSupport.learningRate(step, h.steps(), h.warmup(), h.lr(), h.lr() * 0.1);
                double loss;
                try (NDManager sm = root.newSubManager()) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray nll = null;
                        int count = 0;
                        for (Example ex : batch) {
                            NDArray prefix = ex.prefix().rows() == 0 ? null : ex.prefix().toNDArray(sm, model.dataType()).expandDims(0);
                            PrefixLoss.Result r = PrefixLoss
                                .compute(model, sm, prefix, List.of(new PrefixLoss.Item(ex.prompt(), ex.target())), lora);
                            nll = nll == null ? r.nll() : nll.add(r.nll());
                            count += r.tokens();
                            tokens += ex.prefix().rows() + ex.prompt().length + ex.target().length;
                        }
                        NDArray mean = nll.div(count);
                        loss = mean.getFloat();
                        gc.backward(mean);
                    }
                    Map<String, NDArray> grads = TrainSupport.gradients(params, sm);
                    double gnorm = TrainSupport.globalNorm(grads);
                    if (Double.isFinite(gnorm) && Double.isFinite(loss)) {
                        opt.step(grads, lr, gnorm > 1.0 ? 1.0 / gnorm : 1.0);
                    }
                    TrainSupport.zero(grads, Double.isFinite(gnorm));
                }
                if (Double.isNaN(first)) {
                    first = loss;
                }
                ema = Double.isNaN(ema) ? loss : 0.9 * ema + 0.1 * loss;
                double seconds = (System.nanoTime() - t0) / 1e9;
                long done = step + 1;
                progress.onStep(
                    done,
                    h.steps(),
                    loss,
                    seconds > 0 ? tokens / seconds : 0,
                    (long) (seconds * 1000 / done * (h.steps() - done))
                );
            }
        }
        return new Result(h.steps(), first, ema, (System.nanoTime() - t0) / 1e9, tokens);
    }

    /** A seeded split of {@code n} items: the indices held out for evaluation ({@code fraction} of them, at least one when n > 1). */
    public static boolean[] heldOut(int n, double fraction, long seed) {
        boolean[] out = new boolean[n];
        int k = fraction <= 0 || n < 2 ? 0 : Math.max(1, Math.min(n - 1, (int) Math.round(n * fraction)));
        int[] p = permutation(n, new SplittableRandom(seed).nextLong());
        for (int i = 0; i < k; i++) {
            out[p[i]] = true;
        }
        return out;
    }

    /** A deterministic permutation of 0..n-1. */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
