/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

import io.lloco.runtime.checkpoint.LlamaConfig;

/**
 * The Hugging Face Llama forward as a pure function of {@link LlamaWeights}: RMSNorm, rotate-half RoPE
 * (with linear scaling), grouped-query causal attention, SwiGLU MLP, final norm, tied or untied head.
 *
 * <p>Numerics follow Hugging Face in float16: RMSNorm upcasts its input to float32, normalises, casts back and then
 * multiplies by the weight ({@code LlamaRMSNorm}); the attention softmax runs in float32
 * ({@code softmax(scores, dtype=torch.float32).to(dtype)}); logits are returned in float32. Llama-2-7B's residual
 * stream reaches the thousands, so a float16 {@code mean(x^2)} overflows 65,504 and rows would normalise to 0.
 * Weights kept in float16 under float32 compute ({@link Precision#widensWeights()}) are widened one projection at a
 * time into a per-thread scratch array for prefill-sized matmuls, and applied in float16 for decode-sized ones.
 *
 * <p>No op writes into an array that may carry gradients, so a trainer can attach gradients to base
 * weights or to LoRA parameters (via {@link LinearDelta}) and run the same forward under a gradient
 * collector. When grad mode is off, each layer's intermediates are freed as soon as the layer is done.
 *
 * <p>Every result lands in the NDManager of the input embeddings: callers give each request its own
 * sub-manager of {@link LlamaWeights#manager()} and close it afterwards.
 */
public final class LlamaModel implements AutoCloseable {

    private final LlamaWeights weights;
    private final LlamaConfig config;
    private final NDManager constants;
    private final NDArray rotateHalf;
    private final NDArray eps;
    private final NDArray minusHalf;
    private final double[] invFreq;
    private final boolean upcastNorms;

    /** A model over {@code weights} (which it does not own; close the weights separately). */
    public LlamaModel(LlamaWeights weights) {
        this(weights, true);
    }

    /**
     * @param upcastNorms false only to demonstrate, in tests, what a plain float16 RMSNorm does to Llama-2-scale
     *     activations (the numerics proof must be able to fail); every production path upcasts
     */
    LlamaModel(LlamaWeights weights, boolean upcastNorms) {
        this.upcastNorms = upcastNorms;
        this.weights = weights;
        this.config = weights.config();
        this.constants = weights.manager().newSubManager();
        int hd = config.headDim();
        int half = hd / 2;
        float[] r = new float[hd * hd];
        for (int j = 0; j < half; j++) {
            r[(j + half) * hd + j] = -1f; // out[j] = -x[j + half]
            r[j * hd + (j + half)] = 1f; // out[j + half] = x[j]
        }
        this.rotateHalf = toComputeType(constants.create(r, new Shape(hd, hd)));
        // scalars as arrays: add(Number)/pow(Number) would allocate a scalar array on every call; in the norm's dtype
        DataType normType = upcastNorms ? DataType.FLOAT32 : dataType();
        this.eps = toType(constants.create((float) config.rmsNormEps()), normType);
        this.minusHalf = toType(constants.create(-0.5f), normType);
        this.invFreq = new double[half];
        for (int j = 0; j < half; j++) {
            invFreq[j] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * j) / hd);
        }
    }

    /** The weights. */
    public LlamaWeights weights() {
        return weights;
    }

    /** The config. */
    public LlamaConfig config() {
        return config;
    }

    /** The compute dtype (float32 on CPU by default). */
    public DataType dataType() {
        return weights.dataType();
    }

    /** Compute and weight dtypes. */
    public Precision precision() {
        return weights.precision();
    }

    /** A fresh request manager: a sub-manager of the weights' manager, on the weights' device. Close it. */
    public NDManager newRequestManager() {
        return weights.manager().newSubManager();
    }

    /** Checks token ids against the vocabulary; the message names the offending id and position. */
    public void checkIds(int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new IllegalArgumentException(
                    String
                        .format(Locale.ROOT, "token id %d at position %d is outside the vocabulary [0, %d)", ids[i], i, config.vocabSize())
                );
            }
        }
    }

    /** Embeds token ids: [T] ids in {@code manager} to [T, hidden]. */
    public NDArray embed(NDManager manager, int[] ids) {
        checkIds(ids);
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        NDArray idx = manager.create(l);
        return embed(idx);
    }

    /** Embeds an int64 id array of any shape (ids must be in range) to [..., hidden] in the compute dtype, in the ids' manager. */
    public NDArray embed(NDArray ids) {
        NDArray e = ids.getNDArrayInternal().embedding(ids, weights.embedTokens(), SparseFormat.DENSE).singletonOrThrow();
        if (e.getDataType() == dataType()) {
            return e;
        }
        NDArray c = e.toType(dataType(), false);
        if (GradMode.isEnabled() == false) {
            e.close();
        }
        return c;
    }

    /**
     * Runs the decoder stack.
     *
     * @param embeds input embeddings [B, T, hidden] in the model's dtype (prefix vectors and token embeddings)
     * @param layout padding of each row (positions are contiguous per row from 0, continuing the cache)
     * @param cache KV cache to read and extend, or null
     * @param delta per-projection additions (LoRA), or null
     * @return final-normed hidden states [B, T, hidden], in the manager of {@code embeds}
     */
    public NDArray forward(NDArray embeds, SequenceLayout layout, KvCache cache, LinearDelta delta) {
        Shape s = embeds.getShape();
        if (s.dimension() != 3 || s.get(2) != config.hiddenSize() || s.get(0) != layout.batch()) {
            throw new IllegalArgumentException(
                String.format(Locale.ROOT, "embeddings must be [%d, T, %d], got %s", layout.batch(), config.hiddenSize(), s)
            );
        }
        if (embeds.getDataType() != dataType()) {
            throw new IllegalArgumentException("embeddings are " + embeds.getDataType() + " but the model computes in " + dataType());
        }
        int batch = (int) s.get(0);
        int t = (int) s.get(1);
        int past = cache == null ? 0 : cache.length();
        NDManager parent = embeds.getManager();
        boolean eager = GradMode.isEnabled() == false;
        Rope rope = rope(parent, layout, past, t);
        NDArray mask = (t > 1 || layout.isPadded()) ? mask(parent, layout, past, t) : null;
        NDArray x = embeds;
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            if (eager) {
                try (NDManager lm = parent.newSubManager()) {
                    if (x == embeds) {
                        x.tempAttach(lm);
                    } else {
                        x.attach(lm);
                    }
                    NDArray out = layer(i, x, batch, t, rope, mask, cache, delta);
                    out.attach(parent);
                    x = out;
                }
            } else {
                x = layer(i, x, batch, t, rope, mask, cache, delta);
            }
        }
        NDArray out = rmsNorm(x, weights.norm());
        if (eager) {
            if (x != embeds) {
                x.close();
            }
            rope.close();
            if (mask != null) {
                mask.close();
            }
        }
        if (cache != null) {
            cache.advance(t);
        }
        return out;
    }

    /** Float32 logits for hidden states [..., hidden] to [..., vocab], in the hidden states' manager (as HF: head in the compute dtype, then {@code .float()}). */
    public NDArray logits(NDArray hidden) {
        boolean eager = GradMode.isEnabled() == false;
        NDArray y = linear(hidden, weights.lmHead());
        if (y.getDataType() == DataType.FLOAT32) {
            return y;
        }
        NDArray f = y.toType(DataType.FLOAT32, false);
        if (eager) {
            y.close();
        }
        return f;
    }

    private NDArray layer(int i, NDArray x, int batch, int t, Rope rope, NDArray mask, KvCache cache, LinearDelta delta) {
        LayerWeights w = weights.layer(i);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int hd = config.headDim();
        int rep = config.groupSize();

        NDArray h = rmsNorm(x, w.inputNorm());
        NDArray q = project(i, Projection.Q, h, w, delta).reshape(batch, t, heads, hd);
        NDArray k = project(i, Projection.K, h, w, delta).reshape(batch, t, kvHeads, hd);
        NDArray v = project(i, Projection.V, h, w, delta).reshape(batch, t, kvHeads, hd);
        q = q.mul(rope.qCos).add(q.matMul(rotateHalf).mul(rope.qSin)); // scaled by 1/sqrt(hd)
        k = k.mul(rope.cos).add(k.matMul(rotateHalf).mul(rope.sin));
        NDArray kT = k.transpose(0, 2, 3, 1); // [B, kv, hd, T]
        NDArray vt = v.transpose(0, 2, 1, 3); // [B, kv, T, hd]
        if (cache != null) {
            NDArray[] full = cache.append(i, kT, vt);
            kT = full[0];
            vt = full[1];
        }
        long total = kT.getShape().get(3);
        // [B, T, heads, hd] -> [B, kv, rep * T, hd]: query head h = kv * rep + r (Hugging Face repeat_kv)
        NDArray qg = q.transpose(0, 2, 1, 3).reshape(batch, kvHeads, (long) rep * t, hd);
        NDArray scores = qg.matMul(kT); // [B, kv, rep * T, total]
        if (mask != null) {
            scores = scores.reshape(batch, kvHeads, rep, t, total).add(mask).reshape(batch, kvHeads, (long) rep * t, total);
        }
        NDArray att = softmax(scores).matMul(vt); // [B, kv, rep * T, hd]
        att = att.reshape(batch, heads, t, hd).transpose(0, 2, 1, 3).reshape(batch, t, (long) heads * hd);
        NDArray x1 = x.add(project(i, Projection.O, att, w, delta));

        NDArray h2 = rmsNorm(x1, w.postNorm());
        NDArray g = project(i, Projection.GATE, h2, w, delta);
        NDArray u = project(i, Projection.UP, h2, w, delta);
        NDArray act = g.mul(Activation.sigmoid(g)).mul(u);
        return x1.add(project(i, Projection.DOWN, act, w, delta));
    }

    private NDArray project(int layer, Projection p, NDArray input, LayerWeights w, LinearDelta delta) {
        NDArray y = linear(input, w.get(p));
        if (delta != null) {
            NDArray d = delta.apply(layer, p, input);
            if (d != null) {
                y = y.add(d);
            }
        }
        return y;
    }

    /** Rows at or below which a float16-kept weight is applied in float16 rather than widened (decode steps). */
    static final int HALF_MATMUL_MAX_ROWS = 8;

    /**
     * {@code input · weightᵀ} in the compute dtype, whatever the weight is kept in. A float16-kept weight under float32
     * compute is, for a few rows (decode steps, at most {@value #HALF_MATMUL_MAX_ROWS}), applied in float16 — the input
     * rounded to float16, the output widened back: a memory-bound matrix-vector product reads 2 bytes per weight instead
     * of widening 4 — and otherwise widened to float32 into this thread's scratch copy for this matmul (prefill and
     * compression: exact float32 arithmetic on the stored values; {@link LlamaWeights#compute}).
     */
    private NDArray linear(NDArray input, NDArray stored) {
        if (stored.getDataType() == dataType()) {
            return Linear.linear(input, stored).singletonOrThrow();
        }
        boolean eager = GradMode.isEnabled() == false;
        Shape s = input.getShape();
        long rows = s.size() / s.get(s.dimension() - 1);
        if (eager && rows <= HALF_MATMUL_MAX_ROWS && stored.getDataType() == DataType.FLOAT16 && stored.getDevice().isGpu() == false) {
            NDArray x16 = input.toType(DataType.FLOAT16, false);
            NDArray y16 = Linear.linear(x16, stored).singletonOrThrow();
            NDArray y = y16.toType(dataType(), false);
            x16.close();
            y16.close();
            return y;
        }
        return Linear.linear(input, weights.compute(stored, input.getManager())).singletonOrThrow();
    }

    /**
     * RMSNorm. In float16 (with {@code upcastNorms}) exactly Hugging Face's {@code LlamaRMSNorm}: x to float32,
     * {@code x * rsqrt(mean(x^2) + eps)}, back to float16, times the weight.
     */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        if (upcastNorms == false || x.getDataType() == DataType.FLOAT32) {
            NDArray inv = x.square().mean(new int[]{-1}, true).add(eps).pow(minusHalf);
            return x.mul(inv).mul(weight);
        }
        NDArray xf = x.toType(DataType.FLOAT32, false);
        NDArray inv = xf.square().mean(new int[]{-1}, true).add(eps).pow(minusHalf);
        NDArray normed = xf.mul(inv).toType(x.getDataType(), false);
        return normed.mul(weight); // (first operand: the request manager; elementwise, same rounding as weight * x)
    }

    /** Softmax over the last axis, in float32 when computing in float16 ({@code softmax(..., dtype=torch.float32).to(dtype)}). */
    private NDArray softmax(NDArray scores) {
        if (scores.getDataType() == DataType.FLOAT32) {
            return scores.softmax(-1);
        }
        return scores.toType(DataType.FLOAT32, false).softmax(-1).toType(scores.getDataType(), false);
    }

    /** RoPE tables [B, T, 1, headDim]; the query tables carry the 1/sqrt(headDim) attention scale. */
    private record Rope(NDArray cos, NDArray sin, NDArray qCos, NDArray qSin) implements AutoCloseable {

        @Override
        public void close() {
            cos.close();
            sin.close();
            qCos.close();
            qSin.close();
        }
    }

    private Rope rope(NDManager manager, SequenceLayout layout, int past, int t) {
        int hd = config.headDim();
        int half = hd / 2;
        int batch = layout.batch();
        float[] cos = new float[batch * t * hd];
        float[] sin = new float[batch * t * hd];
        float[] qCos = new float[cos.length];
        float[] qSin = new float[cos.length];
        double scale = 1.0 / Math.sqrt(hd);
        double factor = config.ropeScalingFactor();
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < t; i++) {
                double pos = layout.position(b, past + i) / factor;
                int base = (b * t + i) * hd;
                for (int j = 0; j < half; j++) {
                    double angle = pos * invFreq[j];
                    double c = Math.cos(angle);
                    double sn = Math.sin(angle);
                    cos[base + j] = (float) c;
                    cos[base + j + half] = (float) c;
                    sin[base + j] = (float) sn;
                    sin[base + j + half] = (float) sn;
                    qCos[base + j] = (float) (c * scale);
                    qCos[base + j + half] = (float) (c * scale);
                    qSin[base + j] = (float) (sn * scale);
                    qSin[base + j + half] = (float) (sn * scale);
                }
            }
        }
        Shape shape = new Shape(batch, t, 1, hd);
        return new Rope(
            toComputeType(manager.create(cos, shape)),
            toComputeType(manager.create(sin, shape)),
            toComputeType(manager.create(qCos, shape)),
            toComputeType(manager.create(qSin, shape))
        );
    }

    /** Additive mask [B, 1, 1, T, past + T] (B = 1 when no row is padded): 0 where visible, -inf elsewhere. */
    private NDArray mask(NDManager manager, SequenceLayout layout, int past, int t) {
        int batch = layout.isPadded() ? layout.batch() : 1; // unpadded rows share one causal mask
        int total = past + t;
        float[] m = new float[batch * t * total];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < t; i++) {
                int q = past + i;
                int base = (b * t + i) * total;
                for (int k = 0; k < total; k++) {
                    m[base + k] = layout.visible(b, q, k) ? 0f : Float.NEGATIVE_INFINITY;
                }
            }
        }
        return toComputeType(manager.create(m, new Shape(batch, 1, 1, t, total)));
    }

    private NDArray toComputeType(NDArray a) {
        return toType(a, dataType());
    }

    private static NDArray toType(NDArray a, DataType type) {
        if (a.getDataType() == type) {
            return a;
        }
        NDArray c = a.toType(type, false);
        a.close();
        return c;
    }

    /** Frees the model's constants (not the weights). */
    @Override
    public void close() {
        constants.close();
    }
}
