/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.train.diag;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import io.lloco.runtime.DjlBootstrap;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.LlamaWeights;
import io.lloco.runtime.model.SequenceLayout;
import io.lloco.runtime.train.PrefixLoss;
import io.lloco.train.PretrainSampler;
import io.lloco.train.SegmentCompressor;
import io.lloco.train.world.World;
import io.lloco.train.world.WorldConfig;
import io.lloco.train.world.WorldTokenizer;

/**
 * Learnability diagnosis (models/lloco-tiny/DIAGNOSIS.md): held-out fact lookup of a pretrain checkpoint on short
 * documents, teacher-forced, under five contexts: the document's raw tokens ("full"), another document's raw tokens
 * ("full-wrong"), nothing ("none"), the document's summaries ("summ"), another document's summaries ("summ-wrong").
 * Documents are PRETRAIN-split indices from 10,000,000 on (training used indices below a few thousand), sampled
 * exactly like {@code --max-segments 1 --segment-start SEG --needle-rate 0}; the rows are the trainer's own cloze rows.
 * Metrics per condition: mean NLL per target token (value + EOS), first-value-token argmax accuracy, exact match
 * (every target token, EOS included, is the argmax: what greedy decoding would produce).
 *
 * <p>{@code java io.lloco.train.diag.LookupProbe CHECKPOINT_DIR [N_DOCS=60] [SEG=256] [THREADS=2]}
 */
public final class LookupProbe {

    private LookupProbe() {
    }

    private static final String[] NAMES = {"full", "full-wrong", "none", "summ", "summ-wrong"};

    /** Entry point; see the class comment for the arguments. */
    @SuppressWarnings("try")
    public static void main(String[] args) throws Exception {
        Path ckpt = Path.of(args[0]);
        int nDocs = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int seg = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        String cache = System.getProperty("DJL_CACHE_DIR", Path.of(System.getProperty("java.io.tmpdir"), "lloco-djl-cache").toString());
        DjlBootstrap.Status st = new DjlBootstrap().start(new DjlBootstrap.Options(Path.of(cache), threads, 1));
        if (st.started() == false) {
            throw new IllegalStateException(st.error());
        }
        WorldTokenizer tok = WorldTokenizer.load(ckpt.resolve("tokenizer.json"));
        World world = new World(1, WorldConfig.defaults(), tok);
        PretrainSampler sampler = new PretrainSampler(world, 1, seg, 1, 8, 0.0, 1);
        double[] nll = new double[5];
        long[] ntok = new long[5];
        int[] first = new int[5];
        int[] exact = new int[5];
        int rows = 0;
        long t0 = System.nanoTime();
        try (NDManager root = NDManager.newBaseManager(); GradMode g = GradMode.disabled()) {
            LlamaWeights w = LlamaWeights.load(ckpt, root);
            try (LlamaModel model = new LlamaModel(w)) {
                SegmentCompressor comp = new SegmentCompressor(model, seg);
                for (int d = 0; d < nDocs; d++) {
                    PretrainSampler.Sample s = sampler.sample(10_000_000L + d, 1);
                    PretrainSampler.Sample o = sampler.sample(10_000_000L + nDocs + d, 1);
                    try (NDManager sm = root.newSubManager()) {
                        NDArray[] prefixes = {
                            model.embed(sm, s.ids()).expandDims(0),
                            model.embed(sm, o.ids()).expandDims(0),
                            null,
                            comp.run(sm, s.ids(), false, 0).summaries(),
                            comp.run(sm, o.ids(), false, 0).summaries()};
                        List<PrefixLoss.Item> items = s.cloze().subList(0, Math.min(4, s.cloze().size()));
                        for (PrefixLoss.Item it : items) {
                            rows++;
                            for (int c = 0; c < 5; c++) {
                                double[] r = score(model, sm, prefixes[c], it);
                                nll[c] += r[0];
                                ntok[c] += it.target().length;
                                first[c] += (int) r[1];
                                exact[c] += (int) r[2];
                            }
                        }
                    }
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "[probe] %s: %d held-out docs (seg %d), %d cloze rows, %.0f s%n", ckpt, nDocs, seg, rows, secs);
        for (int c = 0; c < 5; c++) {
            System.out.printf(
                Locale.ROOT,
                "{\"checkpoint\":\"%s\",\"context\":\"%s\",\"rows\":%d,\"nll_per_token\":%.4f,\"first_token_acc\":%.4f,\"exact_match\":%.4f}%n",
                ckpt,
                NAMES[c],
                rows,
                nll[c] / ntok[c],
                first[c] / (double) rows,
                exact[c] / (double) rows
            );
        }
    }

    /** {summed nll, first-token correct (0/1), all tokens correct (0/1)} of one row after {@code prefix}. */
    static double[] score(LlamaModel model, NDManager m, NDArray prefix, PrefixLoss.Item it) {
        int[] p = it.prompt();
        int[] t = it.target();
        int[] ids = new int[p.length + t.length];
        System.arraycopy(p, 0, ids, 0, p.length);
        System.arraycopy(t, 0, ids, p.length, t.length);
        NDArray emb = model.embed(m, ids).expandDims(0);
        int pl = prefix == null ? 0 : (int) prefix.getShape().get(1);
        NDArray input = prefix == null ? emb : prefix.concat(emb, 1);
        NDArray hidden = model.forward(input, SequenceLayout.unpadded(1), null, null);
        int from = pl + p.length - 1;
        NDArray h = hidden.get(new NDIndex("0, {}:{}", from, from + t.length));
        NDArray lsm = model.logits(h).logSoftmax(-1);
        float[] v = lsm.toFloatArray();
        int vocab = (int) lsm.getShape().get(1);
        double nll = 0;
        boolean all = true;
        boolean firstOk = false;
        for (int j = 0; j < t.length; j++) {
            int best = 0;
            for (int k = 1; k < vocab; k++) {
                if (v[j * vocab + k] > v[j * vocab + best]) {
                    best = k;
                }
            }
            nll -= v[j * vocab + t[j]];
            if (best != t[j]) {
                all = false;
            } else if (j == 0) {
                firstOk = true;
            }
        }
        return new double[]{nll, firstOk ? 1 : 0, all ? 1 : 0};
    }
}
