/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import io.lloco.runtime.checkpoint.LlamaConfig;
import io.lloco.runtime.model.Embeddings;
import io.lloco.runtime.model.GradMode;
import io.lloco.runtime.model.KvCache;
import io.lloco.runtime.model.LlamaModel;
import io.lloco.runtime.model.SequenceLayout;

/**
 * AutoCompressor summaries, exactly as LLOCO-SPEC §1.3-1.5: a document of N tokens is split into
 * ceil(N / segmentTokens) segments (the last shorter); segment k's input is
 * {@code [softprompt_k ; embed(tokens_k) ; embed_summary[0..L-1]]} with contiguous RoPE positions from 0 and
 * plain causal attention; its summary is the final-normed last-layer hidden states at the last L positions.
 * With accumulation {@code softprompt_{k+1} = cat(softprompt_k, summary_k)}; independent segments get an
 * empty softprompt. The result concatenates every segment's summary: [segments * L, hidden]. No LoRA.
 *
 * <p>{@link #compress(NDArray, int, boolean)} and {@link #forwardSegment(NDArray, NDArray)} are the
 * differentiable core (no in-place ops): a trainer runs them under a gradient collector so gradients flow
 * through the summary vectors across segments. The {@code int[]} entry points run without gradients in a
 * request manager of their own and return heap copies.
 */
public final class AutoCompressor {

    /** What one segment's forward produced. */
    public record SegmentOutput(NDArray hidden, NDArray summary) {
    }

    /** Positions per forward when compressing without gradients (bounds attention memory on long segments). */
    public static final int DEFAULT_CHUNK = 1024;

    private final LlamaModel model;
    private final LlamaConfig config;
    private final int summaryLength;
    private final int chunk;

    /** A compressor over an AutoCompressor model (one with {@code summary_length > 0} and {@code embed_summary.weight}). */
    public AutoCompressor(LlamaModel model) {
        this(model, DEFAULT_CHUNK);
    }

    /**
     * @param chunk without gradients, a segment longer than this runs through a KV cache in chunks of this many
     *     positions (the summary tokens last), so attention scores stay [B, heads, chunk, T]
     */
    public AutoCompressor(LlamaModel model, int chunk) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be > 0, got " + chunk);
        }
        this.chunk = chunk;
        this.model = model;
        this.config = model.config();
        if (config.isAutoCompressor() == false || model.weights().embedSummary() == null) {
            throw new IllegalArgumentException(
                "model is not an AutoCompressor: config.json has no summary_length > 0 (or the weights lack embed_summary.weight)"
            );
        }
        this.summaryLength = config.summaryLength();
    }

    /** Summary vectors per segment (L). */
    public int summaryLength() {
        return summaryLength;
    }

    /** The model. */
    public LlamaModel model() {
        return model;
    }

    /** Segment lengths for {@code n} tokens: ceil(n / segmentTokens) segments, the last one shorter. */
    public static int[] segmentLengths(int n, int segmentTokens) {
        return Segmentation.fixed(n, segmentTokens);
    }

    /** Summaries of one document: [segments * L, hidden] float32. */
    public Embeddings compress(int[] ids, int segmentTokens, boolean independent) {
        return compress(ids, segmentLengths(ids.length, segmentTokens), independent);
    }

    /**
     * Summaries of one document cut into segments of the given lengths (see {@link Segmentation}): [segments * L,
     * hidden] float32.
     */
    public Embeddings compress(int[] ids, int[] lengths, boolean independent) {
        checkLengths(ids.length, lengths);
        model.checkIds(ids);
        try (GradMode g = GradMode.disabled(); NDManager req = model.newRequestManager()) {
            NDArray tokens = model.embed(req, ids);
            return Embeddings.of(compress(tokens, lengths, independent == false));
        }
    }

    private static void checkLengths(int n, int[] lengths) {
        if (n <= 0) {
            throw new IllegalArgumentException("cannot compress an empty document (0 tokens)");
        }
        long sum = 0;
        for (int len : lengths) {
            if (len <= 0) {
                throw new IllegalArgumentException("segment lengths must be > 0, got " + Arrays.toString(lengths));
            }
            sum += len;
        }
        if (sum != n) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "segment lengths add up to %d, the document has %d tokens", sum, n)
            );
        }
    }

    /**
     * Differentiable compression of one document.
     *
     * @param tokenEmbeds embedded tokens [N, hidden]
     * @param accumulate whether summaries accumulate across segments (false: independent segments)
     * @return [segments * L, hidden] in the manager of {@code tokenEmbeds}
     */
    public NDArray compress(NDArray tokenEmbeds, int segmentTokens, boolean accumulate) {
        return compress(tokenEmbeds, segmentLengths((int) tokenEmbeds.getShape().get(0), segmentTokens), accumulate);
    }

    /**
     * Differentiable compression of one document cut into segments of the given lengths.
     *
     * @param tokenEmbeds embedded tokens [N, hidden]
     * @param lengths segment lengths adding up to N
     * @param accumulate whether summaries accumulate across segments (false: independent segments)
     * @return [segments * L, hidden] in the manager of {@code tokenEmbeds}
     */
    public NDArray compress(NDArray tokenEmbeds, int[] lengths, boolean accumulate) {
        checkLengths((int) tokenEmbeds.getShape().get(0), lengths);
        boolean eager = GradMode.isEnabled() == false;
        NDArray softprompt = null;
        boolean ownSoftprompt = false; // a concatenation we made (not one of the summaries)
        List<NDArray> summaries = new ArrayList<>();
        int start = 0;
        for (int len : lengths) {
            NDArray seg = tokenEmbeds.get(new NDIndex("{}:{}", start, start + len));
            start += len;
            NDArray summary;
            if (eager) {
                summary = summaryOnly(accumulate ? softprompt : null, seg);
                seg.close();
            } else {
                summary = forwardSegment(accumulate ? softprompt : null, seg).summary();
            }
            summaries.add(summary);
            if (accumulate) {
                NDArray next = softprompt == null ? summary : softprompt.concat(summary, 0);
                if (eager && ownSoftprompt) {
                    softprompt.close();
                }
                ownSoftprompt = softprompt != null;
                softprompt = next;
            }
        }
        // (NDArrays.concat of a single array duplicates it, which detaches it from autograd)
        NDArray result = summaries.size() == 1 ? summaries.get(0) : NDArrays.concat(new NDList(summaries), 0);
        if (eager) {
            if (ownSoftprompt) {
                softprompt.close();
            }
            for (NDArray s : summaries) {
                if (s != result) {
                    s.close();
                }
            }
        }
        return result;
    }

    /**
     * One segment: input {@code [softprompt ; tokens ; embed_summary]}, positions from 0.
     *
     * @param softprompt earlier summaries [P, hidden], or null
     * @param tokenEmbeds the segment's embedded tokens [n, hidden]
     * @return final-normed hidden states of all P + n + L positions, and the last L of them (the new summary)
     */
    public SegmentOutput forwardSegment(NDArray softprompt, NDArray tokenEmbeds) {
        NDList parts = new NDList();
        if (softprompt != null) {
            parts.add(softprompt);
        }
        parts.add(tokenEmbeds);
        parts.add(model.weights().embedSummary());
        NDArray joined = NDArrays.concat(parts, 0);
        NDArray input = joined.expandDims(0);
        NDArray batched = model.forward(input, SequenceLayout.unpadded(1), null, null);
        NDArray hidden = batched.squeeze(0);
        if (GradMode.isEnabled() == false) {
            joined.close();
            input.close();
            batched.close();
        }
        long total = hidden.getShape().get(0);
        NDArray summary = hidden.get(new NDIndex("{}:", total - summaryLength));
        return new SegmentOutput(hidden, summary);
    }

    /** Inference-only segment forward returning just the summary [L, hidden] (chunked when long). */
    private NDArray summaryOnly(NDArray softprompt, NDArray tokenEmbeds) {
        NDList parts = new NDList();
        if (softprompt != null) {
            parts.add(softprompt);
        }
        parts.add(tokenEmbeds);
        parts.add(model.weights().embedSummary());
        NDArray joined = NDArrays.concat(parts, 0);
        NDArray input = joined.expandDims(0);
        NDArray summary = summaryHidden(input, SequenceLayout.unpadded(1));
        NDArray out = summary.squeeze(0);
        summary.close();
        input.close();
        joined.close();
        return out;
    }

    /**
     * Final-normed hidden states of the last L positions of {@code input} [B, T, hidden] (the summary tokens),
     * without gradients. Short inputs take one forward; long ones go through a KV cache in chunks, the summary
     * tokens being the last chunk.
     */
    private NDArray summaryHidden(NDArray input, SequenceLayout layout) {
        long t = input.getShape().get(1);
        NDManager manager = input.getManager();
        if (t <= chunk) {
            NDArray hidden = model.forward(input, layout, null, null);
            NDArray out = hidden.get(new NDIndex(":, {}:", t - summaryLength));
            hidden.close();
            return out;
        }
        try (KvCache cache = new KvCache(manager, config.numHiddenLayers(), (int) t)) {
            long body = t - summaryLength;
            for (long from = 0; from < body; from += chunk) {
                long to = Math.min(body, from + chunk);
                try (NDManager step = manager.newSubManager()) {
                    NDArray part = input.get(step, new NDIndex(":, {}:{}", from, to));
                    model.forward(part, layout, cache, null);
                }
            }
            NDArray last = input.get(new NDIndex(":, {}:", body));
            NDArray out = model.forward(last, layout, cache, null);
            last.close();
            return out;
        }
    }

    /**
     * Summaries of several documents, batching segments across documents (left padding): with accumulation
     * the documents advance segment by segment in lockstep (softprompts have equal length at equal k); without
     * it every segment of every document is an independent row. Same result as {@link #compress(int[], int, boolean)}
     * per document, up to float rounding.
     *
     * @param maxRows at most this many rows per forward
     */
    public List<Embeddings> compressBatch(List<int[]> docs, int segmentTokens, boolean independent, int maxRows) {
        List<int[]> lengths = new ArrayList<>(docs.size());
        for (int d = 0; d < docs.size(); d++) {
            try {
                lengths.add(segmentLengths(docs.get(d).length, segmentTokens));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "document %d: %s", d, e.getMessage()), e);
            }
        }
        return compressBatch(docs, lengths, independent, maxRows);
    }

    /**
     * {@link #compressBatch(List, int, boolean, int)} with each document's segment lengths given (see
     * {@link Segmentation}).
     */
    public List<Embeddings> compressBatch(List<int[]> docs, List<int[]> segmentLengths, boolean independent, int maxRows) {
        if (maxRows <= 0) {
            throw new IllegalArgumentException("maxRows must be > 0, got " + maxRows);
        }
        if (segmentLengths.size() != docs.size()) {
            throw new IllegalArgumentException("one list of segment lengths per document is needed");
        }
        int[][] lengths = new int[docs.size()][];
        int[][] offsets = new int[docs.size()][];
        for (int d = 0; d < docs.size(); d++) {
            try {
                lengths[d] = segmentLengths.get(d);
                checkLengths(docs.get(d).length, lengths[d]);
                offsets[d] = new int[lengths[d].length];
                for (int k = 1; k < lengths[d].length; k++) {
                    offsets[d][k] = offsets[d][k - 1] + lengths[d][k - 1];
                }
                model.checkIds(docs.get(d));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "document %d: %s", d, e.getMessage()), e);
            }
        }
        float[][][] out = new float[docs.size()][][];
        for (int d = 0; d < docs.size(); d++) {
            out[d] = new float[lengths[d].length][];
        }
        try (GradMode g = GradMode.disabled()) {
            if (independent) {
                List<int[]> rows = new ArrayList<>(); // {doc, segment}
                for (int d = 0; d < docs.size(); d++) {
                    for (int k = 0; k < lengths[d].length; k++) {
                        rows.add(new int[]{d, k});
                    }
                }
                rows.sort(Comparator.comparingInt(r -> lengths[r[0]][r[1]]));
                for (int from = 0; from < rows.size(); from += maxRows) {
                    List<int[]> chunk = rows.subList(from, Math.min(rows.size(), from + maxRows));
                    List<float[]> none = new ArrayList<>();
                    List<int[]> segIds = new ArrayList<>();
                    for (int[] r : chunk) {
                        none.add(null);
                        segIds.add(segmentIds(docs.get(r[0]), offsets[r[0]], lengths[r[0]], r[1]));
                    }
                    List<float[]> res = forwardRows(none, 0, segIds);
                    for (int i = 0; i < chunk.size(); i++) {
                        out[chunk.get(i)[0]][chunk.get(i)[1]] = res.get(i);
                    }
                }
            } else {
                for (int from = 0; from < docs.size(); from += maxRows) {
                    int to = Math.min(docs.size(), from + maxRows);
                    float[][] softprompts = new float[docs.size()][];
                    int maxSegments = 0;
                    for (int d = from; d < to; d++) {
                        maxSegments = Math.max(maxSegments, lengths[d].length);
                        softprompts[d] = new float[0];
                    }
                    for (int k = 0; k < maxSegments; k++) {
                        List<Integer> active = new ArrayList<>();
                        List<float[]> sps = new ArrayList<>();
                        List<int[]> segIds = new ArrayList<>();
                        for (int d = from; d < to; d++) {
                            if (k < lengths[d].length) {
                                active.add(d);
                                sps.add(softprompts[d]);
                                segIds.add(segmentIds(docs.get(d), offsets[d], lengths[d], k));
                            }
                        }
                        List<float[]> res = forwardRows(sps, k * summaryLength, segIds);
                        for (int i = 0; i < active.size(); i++) {
                            int d = active.get(i);
                            out[d][k] = res.get(i);
                            float[] sp = new float[softprompts[d].length + res.get(i).length];
                            System.arraycopy(softprompts[d], 0, sp, 0, softprompts[d].length);
                            System.arraycopy(res.get(i), 0, sp, softprompts[d].length, res.get(i).length);
                            softprompts[d] = sp;
                        }
                    }
                }
            }
        }
        List<Embeddings> result = new ArrayList<>();
        int h = config.hiddenSize();
        for (int d = 0; d < docs.size(); d++) {
            List<Embeddings> parts = new ArrayList<>();
            for (float[] s : out[d]) {
                parts.add(new Embeddings(summaryLength, h, s));
            }
            result.add(Embeddings.concat(parts, h));
        }
        return result;
    }

    private static int[] segmentIds(int[] ids, int[] offsets, int[] lengths, int k) {
        return Arrays.copyOfRange(ids, offsets[k], offsets[k] + lengths[k]);
    }

    /**
     * One batched forward; row i is {@code [softprompts[i] (spRows rows, or none) ; embed(ids[i]) ; embed_summary]},
     * left-padded to the longest row. Returns each row's new summary, [L * hidden].
     */
    private List<float[]> forwardRows(List<float[]> softprompts, int spRows, List<int[]> ids) {
        int h = config.hiddenSize();
        int rows = ids.size();
        int maxTokens = 0;
        for (int[] s : ids) {
            maxTokens = Math.max(maxTokens, s.length);
        }
        int[] pads = new int[rows];
        try (NDManager req = model.newRequestManager()) {
            NDList stacked = new NDList();
            for (int i = 0; i < rows; i++) {
                pads[i] = maxTokens - ids.get(i).length;
                NDList parts = new NDList();
                if (pads[i] > 0) {
                    parts.add(req.zeros(new Shape(pads[i], h), model.dataType()));
                }
                if (spRows > 0) {
                    parts.add(new Embeddings(spRows, h, softprompts.get(i)).toNDArray(req, model.dataType()));
                }
                parts.add(model.embed(req, ids.get(i)));
                parts.add(model.weights().embedSummary());
                stacked.add(NDArrays.concat(parts, 0));
            }
            NDArray input = NDArrays.stack(stacked, 0);
            NDArray summary = summaryHidden(input, SequenceLayout.leftPadded(pads));
            float[] flat = Embeddings.of(summary).data();
            List<float[]> out = new ArrayList<>();
            int per = summaryLength * h;
            for (int i = 0; i < rows; i++) {
                out.add(Arrays.copyOfRange(flat, i * per, (i + 1) * per));
            }
            return out;
        }
    }
}
