/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.model;

import java.util.HashMap;
import java.util.Map;

import ai.djl.ndarray.NDArray;

import io.lloco.runtime.checkpoint.LlamaConfig;

/**
 * A deliberately naive double-precision Llama forward (scalar loops), written from the Hugging Face
 * conventions independently of {@link LlamaModel}: RoPE applied pairwise (j, j + hd/2), query head h reading
 * kv head h / (heads / kvHeads), explicit causal softmax. Test oracle only.
 */
final class NaiveLlama {

    private final LlamaConfig c;
    private final Map<String, double[]> w = new HashMap<>();

    NaiveLlama(LlamaWeights weights) {
        this.c = weights.config();
        for (Map.Entry<String, NDArray> e : weights.named().entrySet()) {
            float[] f = e.getValue().toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            w.put(e.getKey(), d);
        }
    }

    double[] weight(String key) {
        return w.get(key);
    }

    /** Embedding row of a token. */
    double[] embed(int id) {
        int h = c.hiddenSize();
        double[] e = new double[h];
        System.arraycopy(w.get(LlamaWeights.EMBED_TOKENS), id * h, e, 0, h);
        return e;
    }

    /** y = W x for W stored (out, in) row-major, plus an optional low-rank delta scale * B (A x). */
    static double[] linear(double[] wt, double[] x, int out) {
        int in = x.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int i = 0; i < in; i++) {
                s += wt[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    /** Optional per-projection addition (LoRA): returns null or the delta. */
    interface Delta {

        double[] apply(int layer, Projection p, double[] x, int out);
    }

    double[] rms(double[] x, double[] g) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1.0 / Math.sqrt(ss / x.length + c.rmsNormEps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * g[i];
        }
        return y;
    }

    private double[] proj(int layer, Projection p, double[] x, int out, Delta delta) {
        double[] y = linear(w.get(p.weightKey(layer)), x, out);
        if (delta != null) {
            double[] d = delta.apply(layer, p, x, out);
            if (d != null) {
                for (int i = 0; i < out; i++) {
                    y[i] += d[i];
                }
            }
        }
        return y;
    }

    private void rope(double[] v, int head, int hd, int pos) {
        int half = hd / 2;
        double t = pos / c.ropeScalingFactor();
        for (int j = 0; j < half; j++) {
            double freq = Math.pow(c.ropeTheta(), -2.0 * j / hd);
            double a = v[head * hd + j];
            double b = v[head * hd + j + half];
            double cs = Math.cos(t * freq);
            double sn = Math.sin(t * freq);
            v[head * hd + j] = a * cs - b * sn;
            v[head * hd + j + half] = b * cs + a * sn;
        }
    }

    /** Final-normed hidden states for input embeddings x[n][hidden], positions 0..n-1. */
    double[][] forward(double[][] input, Delta delta) {
        int n = input.length;
        int h = c.hiddenSize();
        int heads = c.numAttentionHeads();
        int kvh = c.numKeyValueHeads();
        int hd = c.headDim();
        int rep = heads / kvh;
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = input[i].clone();
        }
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int i = 0; i < n; i++) {
                double[] hn = rms(x[i], w.get(p + "input_layernorm.weight"));
                q[i] = proj(l, Projection.Q, hn, heads * hd, delta);
                k[i] = proj(l, Projection.K, hn, kvh * hd, delta);
                v[i] = proj(l, Projection.V, hn, kvh * hd, delta);
                for (int hh = 0; hh < heads; hh++) {
                    rope(q[i], hh, hd, i);
                }
                for (int hh = 0; hh < kvh; hh++) {
                    rope(k[i], hh, hd, i);
                }
            }
            for (int i = 0; i < n; i++) {
                double[] att = new double[heads * hd];
                for (int hh = 0; hh < heads; hh++) {
                    int kv = hh / rep;
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[i][hh * hd + d] * k[j][kv * hd + d];
                        }
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int d = 0; d < hd; d++) {
                            att[hh * hd + d] += s[j] / sum * v[j][kv * hd + d];
                        }
                    }
                }
                double[] o = proj(l, Projection.O, att, h, delta);
                for (int d = 0; d < h; d++) {
                    x[i][d] += o[d];
                }
                double[] hn = rms(x[i], w.get(p + "post_attention_layernorm.weight"));
                int ffn = c.intermediateSize();
                double[] g = proj(l, Projection.GATE, hn, ffn, delta);
                double[] u = proj(l, Projection.UP, hn, ffn, delta);
                double[] a = new double[ffn];
                for (int d = 0; d < ffn; d++) {
                    a[d] = g[d] / (1 + Math.exp(-g[d])) * u[d];
                }
                double[] down = proj(l, Projection.DOWN, a, h, delta);
                for (int d = 0; d < h; d++) {
                    x[i][d] += down[d];
                }
            }
        }
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            out[i] = rms(x[i], w.get(LlamaWeights.NORM));
        }
        return out;
    }

    /** Logits of hidden states. */
    double[][] logits(double[][] hidden) {
        double[] head = c.tieWordEmbeddings() ? w.get(LlamaWeights.EMBED_TOKENS) : w.get(LlamaWeights.LM_HEAD);
        double[][] out = new double[hidden.length][];
        for (int i = 0; i < hidden.length; i++) {
            out[i] = linear(head, hidden[i], c.vocabSize());
        }
        return out;
    }
}
