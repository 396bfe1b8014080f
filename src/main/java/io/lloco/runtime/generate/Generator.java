/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import io.lloco.runtime.lora.LoraBatch;
import io.lloco.runtime.lora.LoraWeights;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.KvCache;
import io.lloco.runtime.model.LinearDelta;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.SequenceLayout;
import io.lloco.runtime.tokenizer.TokenCodec;

/**
 * Generation over one base model: several requests (each with its own prefix, prompt, adapter and
 * decoding settings) run as one left-padded batch with one batched forward per step and a KV cache.
 * Each call works in its own request NDManager, closed before returning, with gradients off.
 * Thread-safe: calls share only the read-only weights.
 */
public final class Generator {

    /** Prefill positions per forward by default. */
    public static final int DEFAULT_PREFILL_CHUNK = 1024;

    private final LlamaModel model;
    private final TokenCodec tokenizer;
    private final int prefillChunk;

    /**
     * @param model the base model
     * @param tokenizer for stop strings and output text; null: ids only
     */
    public Generator(LlamaModel model, TokenCodec tokenizer) {
        this(model, tokenizer, DEFAULT_PREFILL_CHUNK);
    }

    /**
     * @param model the base model
     * @param tokenizer for stop strings and output text; null: ids only
     * @param prefillChunk prefill at most this many positions per forward (bounds attention memory for long prefixes)
     */
    public Generator(LlamaModel model, TokenCodec tokenizer, int prefillChunk) {
        if (prefillChunk <= 0) {
            throw new IllegalArgumentException("prefill chunk must be > 0, got " + prefillChunk);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.prefillChunk = prefillChunk;
    }

    /** The model. */
    public LlamaModel model() {
        return model;
    }

    /** One request. */
    public GenerationResult generate(GenerationRequest request) {
        return generate(List.of(request)).get(0);
    }

    /** Several requests batched together; results in request order. */
    public List<GenerationResult> generate(List<GenerationRequest> requests) {
        return generate(requests, null);
    }

    /**
     * Several requests batched together, each with a cancellation check polled before every decoding step: a
     * cancelled request stops with {@link FinishReason#CANCELLED} while the others go on.
     *
     * @param cancelled one check per request, or null for none
     */
    public List<GenerationResult> generate(List<GenerationRequest> requests, List<BooleanSupplier> cancelled) {
        if (cancelled != null && cancelled.size() != requests.size()) {
            throw new IllegalArgumentException("one cancellation check per request: " + cancelled.size() + " for " + requests.size());
        }
        if (requests.isEmpty()) {
            return List.of();
        }
        for (int b = 0; b < requests.size(); b++) {
            validate(requests.get(b), b);
        }
        int batch = requests.size();
        int vocab = model.config().vocabSize();
        Row[] rows = new Row[batch];
        int maxLen = 0;
        int maxNew = 0;
        for (int b = 0; b < batch; b++) {
            GenerationRequest r = requests.get(b);
            rows[b] = new Row(r, eosIds(r));
            maxLen = Math.max(maxLen, r.prefixRows() + r.promptIds().length);
            maxNew = Math.max(maxNew, r.params().maxNewTokens());
        }
        if (maxNew == 0) {
            List<GenerationResult> out = new ArrayList<>();
            for (Row row : rows) {
                out.add(row.result(tokenizer, 0, 0));
            }
            return out;
        }
        int[] pads = new int[batch];
        for (int b = 0; b < batch; b++) {
            GenerationRequest r = requests.get(b);
            pads[b] = maxLen - r.prefixRows() - r.promptIds().length;
        }
        SequenceLayout layout = SequenceLayout.leftPadded(pads);
        long prefillNanos;
        long decodeStart;
        try (GradMode g = GradMode.disabled(); NDManager req = model.newRequestManager()) {
            List<LoraWeights> adapters = new ArrayList<>();
            for (GenerationRequest r : requests) {
                adapters.add(r.adapter());
            }
            LinearDelta delta = LoraBatch.of(req, adapters, model.dataType());
            KvCache cache = new KvCache(req, model.config().numHiddenLayers(), maxLen + maxNew);
            long start = System.nanoTime();
            float[] logits;
            try (NDManager prefill = req.newSubManager()) {
                NDList inputs = new NDList();
                for (int b = 0; b < batch; b++) {
                    inputs.add(inputRow(prefill, requests.get(b), pads[b]));
                }
                NDArray embeds = NDArrays.stack(inputs, 0);
                logits = null;
                // in chunks through the KV cache, so attention scores stay [B, heads, chunk, T] for long prefixes
                for (int from = 0; from < maxLen; from += prefillChunk) {
                    int to = Math.min(maxLen, from + prefillChunk);
                    try (NDManager step = prefill.newSubManager()) {
                        NDArray part = embeds.get(step, new NDIndex(":, {}:{}", from, to));
                        NDArray hidden = model.forward(part, layout, cache, delta);
                        if (to == maxLen) {
                            logits = lastLogits(hidden);
                        }
                    }
                }
            }
            for (int b = 0; b < batch; b++) {
                rows[b].accept(logits, b * vocab, vocab, tokenizer);
            }
            prefillNanos = System.nanoTime() - start;
            decodeStart = System.nanoTime();
            while (true) {
                if (cancelled != null) {
                    for (int b = 0; b < batch; b++) {
                        if (rows[b].finish == null && cancelled.get(b) != null && cancelled.get(b).getAsBoolean()) {
                            rows[b].finish = FinishReason.CANCELLED;
                        }
                    }
                }
                if (anyActive(rows) == false) {
                    break;
                }
                long[] next = new long[batch];
                for (int b = 0; b < batch; b++) {
                    next[b] = rows[b].lastToken();
                }
                try (NDManager step = req.newSubManager()) {
                    NDArray ids = step.create(next, new Shape(batch, 1));
                    NDArray hidden = model.forward(model.embed(ids), layout, cache, delta);
                    logits = lastLogits(hidden);
                }
                for (int b = 0; b < batch; b++) {
                    if (rows[b].finish == null) {
                        rows[b].accept(logits, b * vocab, vocab, tokenizer);
                    }
                }
            }
        }
        long decodeNanos = System.nanoTime() - decodeStart;
        List<GenerationResult> out = new ArrayList<>();
        for (Row row : rows) {
            out.add(row.result(tokenizer, prefillNanos, decodeNanos));
        }
        return out;
    }

    /**
     * Beam search over one request: the {@code beams} most likely continuations by their summed log-probability,
     * best first. At every step each live hypothesis is extended by every token; the best {@code beams} extensions
     * that do not end stay live, those that end (an EOS id, a stop string, or the token budget) are kept aside. It
     * stops when no live hypothesis can still beat the {@code beams}-th ended one (log-probabilities only fall) or
     * the budget is spent. Sampling settings are ignored; with one beam the result is the greedy answer.
     *
     * @param request the request (prefix, prompt, adapter, budget, EOS ids, stop strings)
     * @param beams how many hypotheses to keep, 1..64
     * @param cancelled polled before every step (null: never); a cancelled search returns what ended so far, plus
     *     the live hypotheses as {@link FinishReason#CANCELLED}
     * @return at most {@code beams} hypotheses, best first
     */
    public List<Hypothesis> beamSearch(GenerationRequest request, int beams, BooleanSupplier cancelled) {
        if (beams < 1 || beams > 64) {
            throw new IllegalArgumentException("beams must be between 1 and 64, got " + beams);
        }
        validate(request, 0);
        int maxNew = request.params().maxNewTokens();
        if (maxNew == 0) {
            return List.of(new Hypothesis(new int[0], tokenizer == null ? null : "", FinishReason.LENGTH, 0));
        }
        List<Integer> eos = eosIds(request);
        int vocab = model.config().vocabSize();
        int len = request.prefixRows() + request.promptIds().length;
        List<Hypothesis> ended = new ArrayList<>();
        List<int[]> live = new ArrayList<>();
        List<Double> liveScores = new ArrayList<>();
        try (GradMode g = GradMode.disabled(); NDManager req = model.newRequestManager()) {
            KvCache cache = new KvCache(req, model.config().numHiddenLayers(), len + maxNew);
            float[] logits = null;
            try (NDManager prefill = req.newSubManager()) {
                NDArray embeds = inputRow(prefill, request, 0).expandDims(0);
                for (int from = 0; from < len; from += prefillChunk) {
                    int to = Math.min(len, from + prefillChunk);
                    try (NDManager step = prefill.newSubManager()) {
                        NDArray part = embeds.get(step, new NDIndex(":, {}:{}", from, to));
                        NDArray hidden = model.forward(part, SequenceLayout.unpadded(1), cache, request.adapter());
                        if (to == len) {
                            logits = lastLogits(hidden);
                        }
                    }
                }
            }
            live.add(new int[0]);
            liveScores.add(0.0);
            for (int step = 0; step < maxNew; step++) {
                if (cancelled != null && cancelled.getAsBoolean()) {
                    for (int i = 0; i < live.size(); i++) {
                        ended.add(hypothesis(live.get(i), FinishReason.CANCELLED, liveScores.get(i), null));
                    }
                    live.clear();
                    break;
                }
                // the best extensions of every live hypothesis: at most 2 * beams per row can matter
                List<double[]> cands = new ArrayList<>(); // {score, parent, token}
                for (int i = 0; i < live.size(); i++) {
                    double[] lp = logSoftmax(logits, i * vocab, vocab);
                    for (int t : topIndices(lp, Math.min(vocab, 2 * beams))) {
                        cands.add(new double[]{liveScores.get(i) + lp[t], i, t});
                    }
                }
                cands.sort((a, b) -> Double.compare(b[0], a[0]));
                List<int[]> nextLive = new ArrayList<>();
                List<Double> nextScores = new ArrayList<>();
                List<Long> parents = new ArrayList<>();
                boolean last = step == maxNew - 1;
                for (double[] c : cands) {
                    if (nextLive.size() == beams) {
                        break;
                    }
                    int[] parent = live.get((int) c[1]);
                    int[] ids = Arrays.copyOf(parent, parent.length + 1);
                    ids[parent.length] = (int) c[2];
                    if (eos.contains(ids[parent.length])) {
                        ended.add(hypothesis(ids, FinishReason.EOS, c[0], null));
                        continue;
                    }
                    String cut = stopCut(request, ids);
                    if (cut != null) {
                        ended.add(hypothesis(ids, FinishReason.STOP_STRING, c[0], cut));
                        continue;
                    }
                    if (last) {
                        ended.add(hypothesis(ids, FinishReason.LENGTH, c[0], null));
                        continue;
                    }
                    nextLive.add(ids);
                    nextScores.add(c[0]);
                    parents.add((long) c[1]);
                }
                live = nextLive;
                liveScores = nextScores;
                if (live.isEmpty() || settled(ended, beams, liveScores.get(0))) {
                    break;
                }
                long[] next = new long[live.size()];
                long[] rows = new long[live.size()];
                for (int i = 0; i < next.length; i++) {
                    int[] ids = live.get(i);
                    next[i] = ids[ids.length - 1];
                    rows[i] = parents.get(i);
                }
                cache.selectRows(rows);
                try (NDManager s = req.newSubManager()) {
                    NDArray ids = s.create(next, new Shape(next.length, 1));
                    NDArray hidden = model.forward(model.embed(ids), SequenceLayout.unpadded(next.length), cache, request.adapter());
                    logits = lastLogits(hidden);
                }
            }
        }
        ended.sort((a, b) -> Double.compare(b.logProb(), a.logProb()));
        return List.copyOf(ended.subList(0, Math.min(beams, ended.size())));
    }

    /** Whether {@code beams} ended hypotheses all score at least {@code bestLive}, which can only fall. */
    private static boolean settled(List<Hypothesis> ended, int beams, double bestLive) {
        if (ended.size() < beams) {
            return false;
        }
        double[] s = ended.stream().mapToDouble(Hypothesis::logProb).sorted().toArray();
        return s[s.length - beams] >= bestLive;
    }

    private Hypothesis hypothesis(int[] ids, FinishReason finish, double score, String cutText) {
        String text = null;
        if (tokenizer != null) {
            text = cutText != null ? cutText : tokenizer.decode(finish == FinishReason.EOS ? Arrays.copyOf(ids, ids.length - 1) : ids);
        }
        return new Hypothesis(ids, text, finish, score);
    }

    /** The text before the first stop string when {@code ids} decode to one, else null. */
    private String stopCut(GenerationRequest request, int[] ids) {
        List<String> stops = request.params().stopStrings();
        return stops.isEmpty() ? null : cutAtStop(tokenizer.decode(ids), stops);
    }

    /** {@code text} up to its earliest stop string, or null when it holds none. */
    private static String cutAtStop(String text, List<String> stops) {
        int cut = -1;
        for (String st : stops) {
            int at = text.indexOf(st);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        return cut < 0 ? null : text.substring(0, cut);
    }

    private static double[] logSoftmax(float[] logits, int offset, int vocab) {
        double log = logSumExp(logits, offset, vocab);
        double[] out = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            out[i] = logits[offset + i] - log;
        }
        return out;
    }

    /** log(sum(exp(logits[offset .. offset + vocab)))), computed stably. */
    private static double logSumExp(float[] logits, int offset, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return max + Math.log(sum);
    }

    /** Indices of the {@code k} largest values, largest first (ties: lower index first). */
    static int[] topIndices(double[] v, int k) {
        int[] top = new int[k];
        int n = 0;
        for (int i = 0; i < v.length; i++) {
            if (n < k) {
                n++;
            } else if (v[i] <= v[top[k - 1]]) {
                continue;
            }
            int j = n - 1;
            while (j > 0 && v[top[j - 1]] < v[i]) {
                top[j] = top[j - 1];
                j--;
            }
            top[j] = i;
        }
        return top;
    }

    /**
     * Logits at every id position of {@code [prefix ; embed(ids)]}: row i holds the prediction after ids[i].
     *
     * @return [ids.length][vocab]
     */
    public float[][] logits(Embeddings prefix, int[] ids, LoraWeights adapter) {
        GenerationRequest r = new GenerationRequest(prefix, ids, adapter, GenerationParams.greedy(0));
        validate(r, 0);
        if (ids.length == 0) {
            return new float[0][];
        }
        int vocab = model.config().vocabSize();
        int s = r.prefixRows();
        try (GradMode g = GradMode.disabled(); NDManager req = model.newRequestManager()) {
            NDArray embeds = inputRow(req, r, 0).expandDims(0);
            NDArray hidden = model.forward(embeds, SequenceLayout.unpadded(1), null, adapter);
            NDArray idRows = hidden.get(new NDIndex("0, {}:", s));
            float[] flat = model.logits(idRows).toFloatArray();
            float[][] out = new float[ids.length][];
            for (int i = 0; i < ids.length; i++) {
                out[i] = Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
            }
            return out;
        }
    }

    /**
     * Log-likelihood of each continuation after {@code [prefix ; prompt]} under the model (with {@code adapter}, may be
     * null): entry i is the sum over the tokens of {@code continuations[i]} of log p(token | everything before it).
     * All continuations run as one left-padded batch, prefilled in chunks like {@link #generate(List)}; ranking the
     * options of a multiple-choice question by this score is how a decoder answers it without free generation.
     *
     * @return one sum of natural-log probabilities per continuation (0 for an empty continuation)
     */
    public double[] continuationLogProbs(Embeddings prefix, int[] prompt, List<int[]> continuations, LoraWeights adapter) {
        if (continuations.isEmpty()) {
            return new double[0];
        }
        int batch = continuations.size();
        List<GenerationRequest> rows = new ArrayList<>();
        int maxLen = 0;
        int maxCont = 0;
        for (int b = 0; b < batch; b++) {
            int[] c = continuations.get(b);
            int[] ids = Arrays.copyOf(prompt, prompt.length + c.length);
            System.arraycopy(c, 0, ids, prompt.length, c.length);
            GenerationRequest r = new GenerationRequest(prefix, ids, adapter, GenerationParams.greedy(0));
            validate(r, b);
            rows.add(r);
            maxLen = Math.max(maxLen, r.prefixRows() + ids.length);
            maxCont = Math.max(maxCont, c.length);
        }
        if (maxCont == 0) {
            return new double[batch];
        }
        int before = (prefix == null ? 0 : prefix.rows()) + prompt.length;
        if (before == 0) {
            throw new IllegalArgumentException("scoring needs a prefix or a prompt before the continuations");
        }
        // positions whose outputs predict continuation tokens: the last maxCont + 1 of every row are enough
        int keepFrom = maxLen - maxCont - 1;
        int vocab = model.config().vocabSize();
        int[] pads = new int[batch];
        for (int b = 0; b < batch; b++) {
            pads[b] = maxLen - rows.get(b).prefixRows() - rows.get(b).promptIds().length;
        }
        SequenceLayout layout = SequenceLayout.leftPadded(pads);
        float[] flat;
        int kept = maxLen - keepFrom;
        try (GradMode g = GradMode.disabled(); NDManager req = model.newRequestManager()) {
            LinearDelta delta = LoraBatch.of(req, java.util.Collections.nCopies(batch, adapter), model.dataType());
            KvCache cache = new KvCache(req, model.config().numHiddenLayers(), maxLen);
            NDList inputs = new NDList();
            for (int b = 0; b < batch; b++) {
                inputs.add(inputRow(req, rows.get(b), pads[b]));
            }
            NDArray embeds = NDArrays.stack(inputs, 0);
            NDList tail = new NDList();
            for (int from = 0; from < maxLen; from += prefillChunk) {
                int to = Math.min(maxLen, from + prefillChunk);
                NDArray hidden = model.forward(embeds.get(new NDIndex(":, {}:{}", from, to)), layout, cache, delta);
                if (to > keepFrom) {
                    tail.add(hidden.get(new NDIndex(":, {}:", Math.max(from, keepFrom) - from)));
                }
            }
            NDArray h = tail.size() == 1 ? tail.singletonOrThrow() : NDArrays.concat(tail, 1);
            flat = model.logits(h).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        }
        double[] out = new double[batch];
        for (int b = 0; b < batch; b++) {
            int[] c = continuations.get(b);
            for (int j = 0; j < c.length; j++) {
                // token j sits at position maxLen - c.length + j; the output before it predicts it
                int pos = maxLen - c.length + j - 1 - keepFrom;
                out[b] += logSoftmaxAt(flat, (b * kept + pos) * vocab, vocab, c[j]);
            }
        }
        return out;
    }

    private static double logSoftmaxAt(float[] logits, int offset, int vocab, int id) {
        return logits[offset + id] - logSumExp(logits, offset, vocab);
    }

    private void validate(GenerationRequest r, int index) {
        try {
            model.checkIds(r.promptIds());
            if (r.prefix() != null && r.prefix().dim() != model.config().hiddenSize()) {
                throw new IllegalArgumentException(
                    String.format(
                        Locale.ROOT,
                        "prefix vectors have width %d but the model's hidden size is %d",
                        r.prefix().dim(),
                        model.config().hiddenSize()
                    )
                );
            }
            if (r.adapter() != null) {
                r.adapter().checkFits(model.config());
            }
            if (r.params().stopStrings().isEmpty() == false && tokenizer == null) {
                throw new IllegalArgumentException("stop strings need a tokenizer, and this generator has none");
            }
            for (int id : eosIds(r)) {
                if (id < 0 || id >= model.config().vocabSize()) {
                    throw new IllegalArgumentException("eos id " + id + " is outside the vocabulary");
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "request %d: %s", index, e.getMessage()), e);
        }
    }

    private List<Integer> eosIds(GenerationRequest r) {
        return r.params().eosIds() != null ? r.params().eosIds() : model.config().eosTokenIds();
    }

    /** [pad zeros ; prefix ; embed(prompt)] as [T, hidden] in {@code manager}. */
    private NDArray inputRow(NDManager manager, GenerationRequest r, int pad) {
        NDList parts = new NDList();
        int h = model.config().hiddenSize();
        if (pad > 0) {
            parts.add(manager.zeros(new Shape(pad, h), model.dataType()));
        }
        if (r.prefixRows() > 0) {
            parts.add(r.prefix().toNDArray(manager, model.dataType()));
        }
        if (r.promptIds().length > 0) {
            parts.add(model.embed(manager, r.promptIds()));
        }
        return parts.size() == 1 ? parts.singletonOrThrow() : NDArrays.concat(parts, 0);
    }

    /** Logits of the last position of every row, [B * vocab] on the heap. */
    private float[] lastLogits(NDArray hidden) {
        long t = hidden.getShape().get(1);
        NDArray last = hidden.get(new NDIndex(":, {}", t - 1));
        return model.logits(last).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }

    private static boolean anyActive(Row[] rows) {
        for (Row r : rows) {
            if (r.finish == null) {
                return true;
            }
        }
        return false;
    }

    /** Decoding state of one request. */
    private static final class Row {

        final GenerationRequest request;
        final List<Integer> eos;
        final Sampler sampler;
        final int[] ids;
        int count;
        FinishReason finish;
        String stoppedText;

        Row(GenerationRequest request, List<Integer> eos) {
            this.request = request;
            this.eos = eos;
            this.sampler = new Sampler(request.params());
            this.ids = new int[request.params().maxNewTokens()];
            if (request.params().maxNewTokens() == 0) {
                finish = FinishReason.LENGTH;
            }
        }

        long lastToken() {
            return count == 0 ? 0 : ids[count - 1];
        }

        void accept(float[] logits, int offset, int vocab, TokenCodec tokenizer) {
            int id = sampler.next(logits, offset, vocab);
            ids[count++] = id;
            if (eos.contains(id)) {
                finish = FinishReason.EOS;
                return;
            }
            List<String> stops = request.params().stopStrings();
            if (stops.isEmpty() == false) {
                String cut = cutAtStop(tokenizer.decode(Arrays.copyOf(ids, count)), stops);
                if (cut != null) {
                    finish = FinishReason.STOP_STRING;
                    stoppedText = cut;
                    return;
                }
            }
            if (count == ids.length) {
                finish = FinishReason.LENGTH;
            }
        }

        GenerationResult result(TokenCodec tokenizer, long prefillNanos, long decodeNanos) {
            int[] out = Arrays.copyOf(ids, count);
            String text = null;
            if (tokenizer != null) {
                if (stoppedText != null) {
                    text = stoppedText;
                } else {
                    int n = finish == FinishReason.EOS ? count - 1 : count;
                    text = tokenizer.decode(Arrays.copyOf(ids, n));
                }
            }
            return new GenerationResult(
                out,
                text,
                finish,
                request.prefixRows(),
                request.promptIds().length,
                prefillNanos,
                decodeNanos
            );
        }
    }
}
