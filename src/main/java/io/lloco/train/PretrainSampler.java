/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

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
     */
    public record Sample(String docId, int[] ids, List<PrefixLoss.Item> cloze) {}

    private final World world;
    private final WorldTokenizer tokenizer;
    private final long seed;
    private final int segmentTokens;
    private final int maxSegments;
    private final int clozePerStep;
    private final double needleRate;

    /** A sampler. */
    public PretrainSampler(World world, long seed, int segmentTokens, int maxSegments, int clozePerStep, double needleRate) {
        this.world = world;
        this.tokenizer = world.tokenizer();
        this.seed = seed;
        this.segmentTokens = segmentTokens;
        this.maxSegments = maxSegments;
        this.clozePerStep = clozePerStep;
        this.needleRate = needleRate;
    }

    /** The curriculum: the largest segment count at {@code step} of {@code total} (2 at the start, the max from 30%). */
    public int maxSegmentsAt(long step, long total) {
        double f = Math.min(1.0, step / Math.max(1.0, 0.3 * total));
        return Math.max(1, Math.min(maxSegments, (int) Math.round(Math.min(2, maxSegments) + f * (maxSegments - Math.min(2, maxSegments)))));
    }

    /** The example of {@code step}. */
    public Sample sample(long step, long totalSteps) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + 17);
        int nseg = 1 + r.nextInt(maxSegmentsAt(step, totalSteps));
        int lo = nseg == 1 ? Math.max(96, segmentTokens / 3) : (nseg - 1) * segmentTokens + segmentTokens / 3;
        int tokens = r.nextInt(lo, nseg * segmentTokens + 1);
        tokens = Math.max(64, (int) (tokens * 0.97));
        boolean needle = r.nextDouble() < needleRate;
        Document d = needle ? world.needleDocument(Split.PRETRAIN, step, tokens, r.nextDouble()) : world.document(Split.PRETRAIN, step, tokens);
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
        return new Sample(d.id(), ids, items);
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
