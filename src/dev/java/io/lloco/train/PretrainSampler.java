/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import io.lloco.runtime.train.PrefixLoss;
import io.lloco.train.world.Document;
import io.lloco.train.world.Fact;
import io.lloco.train.world.Split;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldTokenizer;

/**
 * The pretraining example of each step, a pure function of (seed, step): a PRETRAIN-split world document of
 * 1..{@code maxSegmentsNow} segments (a curriculum widens it), sometimes with a needle, plus up to
 * {@code clozePerStep} fact-recall statements about it. Being a function of the step, the data position
 * needs no saving: a resumed run sees exactly the examples it would have seen.
 */
public final class PretrainSampler {

    /**
     * One step's example.
     *
     * @param docId the document id
     * @param ids document token ids (at most maxSegments * segmentTokens)
     * @param cloze fact-recall rows (prompt = statement prefix, target = value + EOS)
     * @param recall text-recall rows (prompt = {@value #RECALL_CUE} tokens copied from the document, target = the
     *     {@value #RECALL_TARGET} tokens that follow them there)
     */
    public record Sample(String docId, int[] ids, List<PrefixLoss.Item> cloze, List<PrefixLoss.Item> recall) {
    }

    /** Cue length of a text-recall row. */
    public static final int RECALL_CUE = 8;
    /** Target length of a text-recall row. */
    public static final int RECALL_TARGET = 24;

    private final World world;
    private final WorldTokenizer tokenizer;
    private final long seed;
    private final int segmentTokens;
    private final int maxSegments;
    private final int clozePerStep;
    private final double needleRate;
    private final long rampSteps;
    private int recallPerStep;

    /** A sampler. */
    public PretrainSampler(
        World world, long seed, int segmentTokens, int maxSegments, int clozePerStep, double needleRate, long rampSteps
    ) {
        this.rampSteps = rampSteps;
        this.world = world;
        this.tokenizer = world.tokenizer();
        this.seed = seed;
        this.segmentTokens = segmentTokens;
        this.maxSegments = maxSegments;
        this.clozePerStep = clozePerStep;
        this.needleRate = needleRate;
    }

    /** Also emit {@code n} text-recall rows per step (0 by default). */
    public PretrainSampler withRecall(int n) {
        this.recallPerStep = n;
        return this;
    }

    /** The curriculum: the largest segment count at {@code step} (2 at the start, the max from {@code rampSteps} on). */
    public int maxSegmentsAt(long step, long total) {
        double f = Math.min(1.0, step / (double) Math.max(1, rampSteps));
        return Math
            .max(1, Math.min(maxSegments, (int) Math.round(Math.min(2, maxSegments) + f * (maxSegments - Math.min(2, maxSegments)))));
    }

    /** The example of {@code step}. */
    public Sample sample(long step, long totalSteps) {
        return sample(step, totalSteps, segmentTokens);
    }

    /** The example of {@code step} with documents measured in segments of {@code segmentTokens} (a training-time segment length). */
    public Sample sample(long step, long totalSteps, int segmentTokens) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + 17);
        int nseg = 1 + r.nextInt(maxSegmentsAt(step, totalSteps));
        int hi = nseg * segmentTokens;
        int lo = Math.min(hi - 1, nseg == 1 ? Math.max(80, segmentTokens / 3) : (nseg - 1) * segmentTokens + segmentTokens / 3);
        int tokens = r.nextInt(lo, hi + 1);
        tokens = Math.max(64, (int) (tokens * 0.97));
        boolean needle = r.nextDouble() < needleRate;
        Document d = needle
            ? world.needleDocument(Split.PRETRAIN, step, tokens, r.nextDouble())
            : world.document(Split.PRETRAIN, step, tokens);
        int[] ids = tokenizer.encode(d.text());
        int cap = maxSegments * segmentTokens;
        if (ids.length > cap) {
            ids = Arrays.copyOf(ids, cap);
        }
        List<Fact> facts = new ArrayList<>();
        for (Fact f : d.facts()) {
            if (f.tokenOffset() + 12 < ids.length) {
                facts.add(f);
            }
        }
        for (int i = facts.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            Fact t = facts.get(i);
            facts.set(i, facts.get(j));
            facts.set(j, t);
        }
        List<PrefixLoss.Item> items = new ArrayList<>();
        if (d.needle() != null && d.needle().tokenOffset() + 12 < ids.length) {
            items.add(item(ClozeMaker.of(d.needle())));
        }
        for (Fact f : facts) {
            if (items.size() >= clozePerStep) {
                break;
            }
            items.add(item(ClozeMaker.of(f, r)));
        }
        List<PrefixLoss.Item> recall = new ArrayList<>();
        int w = RECALL_CUE + RECALL_TARGET;
        for (int i = 0; i < recallPerStep && ids.length > w; i++) {
            int at = r.nextInt(ids.length - w + 1);
            recall.add(new PrefixLoss.Item(Arrays.copyOfRange(ids, at, at + RECALL_CUE), Arrays.copyOfRange(ids, at + RECALL_CUE, at + w)));
        }
        return new Sample(d.id(), ids, items, recall);
    }

    private PrefixLoss.Item item(ClozeMaker.Cloze c) {
        return new PrefixLoss.Item(tokenizer.encode(c.prefix()), withEos(tokenizer.encode(c.value())));
    }

    /** {@code ids} followed by EOS. */
    public static int[] withEos(int[] ids) {
        int[] t = Arrays.copyOf(ids, ids.length + 1);
        t[ids.length] = WorldTokenizer.EOS_ID;
        return t;
    }
}
