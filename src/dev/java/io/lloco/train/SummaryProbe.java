/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import io.lloco.runtime.DjlBootstrap;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.train.PrefixLoss;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/**
 * Does the model read its summaries? The fact-recall (cloze) loss of held-out documents after their own
 * summaries versus after another document's summaries (same length). Chance level: equal losses. Uses the
 * pretraining sampler's documents at step indices far beyond any training run ({@code 10^9 + i}).
 */
public final class SummaryProbe {

    /**
     * Result.
     *
     * @param ownNll mean cloze NLL per target token after the document's own summaries
     * @param swappedNll the same after another document's summaries
     * @param valueAccuracy share of cloze rows whose first value token is the argmax after the own summaries
     * @param swappedAccuracy the same after swapped summaries
     * @param docs documents used
     */
    public record Result(double ownNll, double swappedNll, double valueAccuracy, double swappedAccuracy, int docs) {
    }

    private SummaryProbe() {
    }

    /** Runs the probe on {@code docs} documents of {@code segments} segments each. */
    public static Result run(LlamaModel model, WorldTokenizer tok, long worldSeed, int docs, int segments, double needleRate, int seg) {
        return run(model, tok, worldSeed, docs, segments, needleRate, seg, false);
    }

    /**
     * As {@link #run(LlamaModel, WorldTokenizer, long, int, int, double, int)}; with {@code fullContext} the prefix is the
     * uncompressed document (its token embeddings) instead of its summaries: the in-context retrieval baseline.
     */
    public static Result run(
        LlamaModel model,
        WorldTokenizer tok,
        long worldSeed,
        int docs,
        int segments,
        double needleRate,
        int seg,
        boolean fullContext
    ) {
        World world = new World(worldSeed, WorldConfig.defaults(), tok);
        PretrainSampler sampler = new PretrainSampler(world, 77, seg, segments, 8, needleRate, 1);
        SegmentCompressor comp = new SegmentCompressor(model, seg);
        List<PretrainSampler.Sample> samples = new ArrayList<>();
        long i = 1_000_000_000L;
        while (samples.size() < docs) {
            if (i > 1_000_000_000L + 100L * docs) {
                throw new IllegalArgumentException(
                    String.format(
                        Locale.ROOT,
                        "cannot find %d documents of %d segments of %d tokens with facts to ask about",
                        docs,
                        segments,
                        seg
                    )
                );
            }
            PretrainSampler.Sample s = sampler.sample(i++, 1, seg);
            if (s.cloze().isEmpty() == false && comp.segments(s.ids().length) == segments) {
                samples.add(s);
            }
        }
        double own = 0;
        double swapped = 0;
        int tokens = 0;
        int rows = 0;
        int ownHits = 0;
        int swapHits = 0;
        try (GradMode g = GradMode.disabled()) {
            List<NDArray> sums = new ArrayList<>();
            try (NDManager m = model.newRequestManager()) {
                for (PretrainSampler.Sample s : samples) {
                    sums.add(fullContext ? model.embed(m, s.ids()).expandDims(0) : comp.run(m, s.ids(), false, 0).summaries());
                }
                for (int d = 0; d < samples.size(); d++) {
                    List<PrefixLoss.Item> items = samples.get(d).cloze();
                    NDArray mine = sums.get(d);
                    NDArray other = sums.get((d + 1) % samples.size());
                    if (fullContext && other.getShape().get(1) != mine.getShape().get(1)) {
                        long n = Math.min(other.getShape().get(1), mine.getShape().get(1));
                        other = other.get(new ai.djl.ndarray.index.NDIndex(":, :{}", n));
                    }
                    try (NDManager sm = m.newSubManager()) {
                        own += PrefixLoss.compute(model, sm, mine, items, null).nll().getFloat();
                        swapped += PrefixLoss.compute(model, sm, other, items, null).nll().getFloat();
                        for (PrefixLoss.Item it : items) {
                            tokens += it.target().length;
                            rows++;
                            ownHits += firstTokenHit(model, sm, mine, it) ? 1 : 0;
                            swapHits += firstTokenHit(model, sm, other, it) ? 1 : 0;
                        }
                    }
                }
            }
        }
        return new Result(own / tokens, swapped / tokens, (double) ownHits / rows, (double) swapHits / rows, samples.size());
    }

    private static boolean firstTokenHit(LlamaModel model, NDManager sm, NDArray prefix, PrefixLoss.Item it) {
        NDArray emb = model.embed(sm, it.prompt()).expandDims(0);
        NDArray hidden = model.forward(prefix.concat(emb, 1), io.lloco.runtime.model.SequenceLayout.unpadded(1), null, null);
        NDArray last = hidden.get(new ai.djl.ndarray.index.NDIndex("0, -1"));
        int arg = (int) model.logits(last).argMax().getLong();
        return arg == it.target()[0];
    }

    /**
     * {@code java io.lloco.train.SummaryProbe --model DIR [--docs N] [--segments K] [--segment T] [--needle-rate X] [--full-context]}:
     * prints one JSON line.
     */
    public static void main(String[] argv) throws IOException {
        Args a = new Args("SummaryProbe", argv, Set.of("full-context"));
        Path model = Path.of(a.required("model"));
        int docs = a.integer("docs", 24);
        int segments = a.integer("segments", 1);
        double needle = a.dbl("needle-rate", 0.3);
        int threads = a.integer("threads", 2);
        int segTokens = a.integer("segment", 0);
        boolean full = a.flag("full-context");
        a.checkAllUsed();
        new DjlBootstrap()
            .start(
                new DjlBootstrap.Options(
                    Path.of(
                        System.getProperty("DJL_CACHE_DIR", Path.of(System.getProperty("java.io.tmpdir"), "lloco-djl-cache").toString())
                    ), threads, 1
                )
            );
        Path tf = model.resolve("tokenizer.json");
        WorldTokenizer tok = Files.isRegularFile(tf) ? WorldTokenizer.load(tf) : WorldTokenizer.bundled();
        try (NDManager root = NDManager.newBaseManager();
            LlamaWeights w = LlamaWeights.load(model, root);
            LlamaModel m = new LlamaModel(w)) {
            ObjectNode n = new ObjectMapper().createObjectNode();
            Result r = run(m, tok, 1, docs, segments, needle, segTokens > 0 ? segTokens : ModelShape.segmentTokens(w.config()), full);
            n.put("prefix", full ? "document tokens" : "summaries");
            n.put("segment_tokens", segTokens > 0 ? segTokens : ModelShape.segmentTokens(w.config()));
            n.put("model", model.toString());
            n.put("segments", segments);
            n.put("docs", r.docs());
            n.put("cloze_nll_own_summaries", r.ownNll());
            n.put("cloze_nll_swapped_summaries", r.swappedNll());
            n.put("first_value_token_acc_own", r.valueAccuracy());
            n.put("first_value_token_acc_swapped", r.swappedAccuracy());
            System.out.println(n.toString());
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
