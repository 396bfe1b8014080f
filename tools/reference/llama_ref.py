"""Independent numpy float64 reference of a Hugging Face Llama forward, PEFT LoRA (unmerged),
AutoCompressor compression and greedy decoding.

Written from the published conventions (transformers' modeling_llama, PEFT's LoRA Linear,
princeton-nlp/AutoCompressors' forward_segment; see /work/shared/docs/LLOCO-SPEC.md §1.3-1.5),
not from the Java code it checks. Everything is float64; weights stored in BF16/F16 are used with
their dequantized values (exactly what a reader widening them to float32 sees).

Conventions:
  * RMSNorm: x * 1/sqrt(mean(x^2) + eps) * w
  * RoPE, rotate-half: inv_freq = 1/theta^(arange(0,hd,2)/hd); t = position / factor (linear
    scaling, factor 1 if none); freqs = outer(t, inv_freq); emb = cat(freqs, freqs);
    q' = q*cos(emb) + rotate_half(q)*sin(emb), rotate_half(x) = cat(-x[hd/2:], x[:hd/2])
  * grouped-query attention: query head h uses key/value head h // (heads/kv_heads) (repeat_kv)
  * causal softmax(q k^T / sqrt(hd)) v, o_proj
  * SwiGLU MLP: down(silu(gate(x)) * up(x))
  * final norm, lm_head (or embed_tokens when tie_word_embeddings)
  * LoRA: y = W x + (alpha/r) * B (A x) on the adapter's target_modules
  * inputs: embeddings = concat(prefix, embed_tokens[ids]); positions 0..n-1; no BOS
"""
import json
import os

import numpy as np

from safetensors_np import read_safetensors

PROJ = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def silu(x):
    return x / (1.0 + np.exp(-x))


def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def load_weights(model_dir):
    """Loads model.safetensors or the shards listed in model.safetensors.index.json."""
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        weights = {}
        for shard in sorted(set(weight_map.values())):
            w, _ = read_safetensors(os.path.join(model_dir, shard))
            weights.update(w)
        missing = set(weight_map) - set(weights)
        assert not missing, "index lists tensors not in shards: %s" % sorted(missing)
        return weights
    w, _ = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    return w


class Lora:
    """PEFT LoRA adapter, unmerged: delta(x) = (alpha/r) * B (A x)."""

    def __init__(self, config, tensors):
        self.config = config
        self.scale = float(config["lora_alpha"]) / float(config["r"])
        self.targets = list(config["target_modules"])
        self.pairs = {}  # "model.layers.0.self_attn.q_proj" -> (A [r,in], B [out,r])
        prefix = "base_model.model."
        for name, arr in tensors.items():
            assert name.startswith(prefix), name
            core = name[len(prefix):]
            if core.endswith(".lora_A.weight"):
                mod = core[: -len(".lora_A.weight")]
                self.pairs.setdefault(mod, [None, None])[0] = arr
            elif core.endswith(".lora_B.weight"):
                mod = core[: -len(".lora_B.weight")]
                self.pairs.setdefault(mod, [None, None])[1] = arr
            else:
                raise ValueError("unexpected adapter key " + name)
        for mod, (a, b) in self.pairs.items():
            assert a is not None and b is not None, mod
            assert mod.split(".")[-1] in self.targets, mod

    @staticmethod
    def from_dir(adapter_dir):
        with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
            cfg = json.load(f)
        t, _ = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
        return Lora(cfg, t)

    def delta(self, module, x):
        pair = self.pairs.get(module)
        if pair is None:
            return 0.0
        a, b = pair
        return self.scale * ((x @ a.T) @ b.T)

    def merged(self, weights):
        """Returns a copy of base weights with W + scale * B @ A folded in."""
        out = dict(weights)
        for mod, (a, b) in self.pairs.items():
            out[mod + ".weight"] = weights[mod + ".weight"] + self.scale * (b @ a)
        return out


class LlamaRef:
    """HF Llama forward in float64."""

    def __init__(self, config, weights):
        self.cfg = config
        self.w = weights
        self.hidden = config["hidden_size"]
        self.n_layers = config["num_hidden_layers"]
        self.n_heads = config["num_attention_heads"]
        self.n_kv = config.get("num_key_value_heads") or self.n_heads
        self.hd = self.hidden // self.n_heads
        self.eps = config["rms_norm_eps"]
        self.theta = config.get("rope_theta", 10000.0)
        rs = config.get("rope_scaling")
        if rs:
            kind = rs.get("type", rs.get("rope_type"))
            assert kind == "linear", "only linear rope scaling is implemented: %s" % rs
            self.rope_factor = float(rs["factor"])
        else:
            self.rope_factor = 1.0
        self.tied = bool(config.get("tie_word_embeddings", False))
        self.eos = config.get("eos_token_id", 2)
        self.summary_length = config.get("summary_length")
        self.max_abs_hidden = 0.0  # largest |x| the residual stream reached (reset by callers that want it)

    @staticmethod
    def from_dir(model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            cfg = json.load(f)
        return LlamaRef(cfg, load_weights(model_dir))

    # ---- pieces -------------------------------------------------------------------------------
    def embed(self, ids):
        return self.w["model.embed_tokens.weight"][np.asarray(ids, dtype=np.int64)]

    def lm_head(self):
        return self.w["model.embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]

    def rope(self, positions):
        inv_freq = 1.0 / (self.theta ** (np.arange(0, self.hd, 2, dtype=np.float64) / self.hd))
        t = np.asarray(positions, dtype=np.float64) / self.rope_factor
        freqs = np.outer(t, inv_freq)
        emb = np.concatenate([freqs, freqs], axis=-1)
        return np.cos(emb), np.sin(emb)

    def linear(self, name, x, lora):
        y = x @ self.w[name + ".weight"].T
        if lora is not None:
            y = y + lora.delta(name, x)
        return y

    # ---- forward -------------------------------------------------------------------------------
    def forward(self, embeds, lora=None, cache=None):
        """embeds [n, hidden] -> final-normed hidden states [n, hidden].

        cache: optional list (one per layer) of [k, v] arrays of earlier positions, extended in place
        (KV-cache decoding); positions continue from the cache length.
        """
        x = np.asarray(embeds, dtype=np.float64)
        n = x.shape[0]
        past = 0 if not cache or cache[0] is None else cache[0][0].shape[1]
        cos, sin = self.rope(np.arange(past, past + n))
        rep = self.n_heads // self.n_kv
        for i in range(self.n_layers):
            p = "model.layers.%d." % i
            h = rms_norm(x, self.w[p + "input_layernorm.weight"], self.eps)
            q = self.linear(p + "self_attn.q_proj", h, lora).reshape(n, self.n_heads, self.hd).transpose(1, 0, 2)
            k = self.linear(p + "self_attn.k_proj", h, lora).reshape(n, self.n_kv, self.hd).transpose(1, 0, 2)
            v = self.linear(p + "self_attn.v_proj", h, lora).reshape(n, self.n_kv, self.hd).transpose(1, 0, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if cache is not None:
                if cache[i] is not None:
                    k = np.concatenate([cache[i][0], k], axis=1)
                    v = np.concatenate([cache[i][1], v], axis=1)
                cache[i] = [k, v]
            total = k.shape[1]
            kr = np.repeat(k, rep, axis=0)  # head h -> kv head h // rep
            vr = np.repeat(v, rep, axis=0)
            scores = q @ kr.transpose(0, 2, 1) / np.sqrt(self.hd)  # [heads, n, total]
            qpos = np.arange(past, past + n)[:, None]
            kpos = np.arange(total)[None, :]
            scores = np.where(kpos <= qpos, scores, -np.inf)
            att = softmax(scores, axis=-1) @ vr  # [heads, n, hd]
            att = att.transpose(1, 0, 2).reshape(n, self.hidden)
            x = x + self.linear(p + "self_attn.o_proj", att, lora)
            self.max_abs_hidden = max(self.max_abs_hidden, float(np.abs(x).max()))
            h = rms_norm(x, self.w[p + "post_attention_layernorm.weight"], self.eps)
            g = self.linear(p + "mlp.gate_proj", h, lora)
            u = self.linear(p + "mlp.up_proj", h, lora)
            x = x + self.linear(p + "mlp.down_proj", silu(g) * u, lora)
            self.max_abs_hidden = max(self.max_abs_hidden, float(np.abs(x).max()))
        return rms_norm(x, self.w["model.norm.weight"], self.eps)

    def logits(self, embeds, lora=None):
        return self.forward(embeds, lora) @ self.lm_head().T

    def inputs(self, ids, prefix=None):
        e = self.embed(ids)
        if prefix is not None and len(prefix):
            e = np.concatenate([np.asarray(prefix, dtype=np.float64), e], axis=0)
        return e

    # ---- AutoCompressor ----------------------------------------------------------------------
    def compress(self, ids, segment_tokens, accumulate=True):
        """AutoCompressor summaries, LLOCO-SPEC §1.3-1.5: returns [segments * L, hidden]."""
        L = self.summary_length
        summ = self.w["embed_summary.weight"]
        assert summ.shape[0] == L, summ.shape
        ids = list(ids)
        softprompt = np.zeros((0, self.hidden))
        outs = []
        for s in range(0, len(ids), segment_tokens):
            seg = ids[s:s + segment_tokens]
            sp = softprompt if accumulate else np.zeros((0, self.hidden))
            e = np.concatenate([sp, self.embed(seg), summ], axis=0)
            new = self.forward(e)[-L:]
            outs.append(new)
            softprompt = np.concatenate([softprompt, new], axis=0)
        return np.concatenate(outs, axis=0)

    # ---- decoding -----------------------------------------------------------------------------
    def greedy(self, ids, max_new_tokens, prefix=None, lora=None, eos=None, use_cache=False):
        """Greedy continuation (new tokens only; includes eos if produced, then stops).

        Returns (new_ids, min_margin) where min_margin is the smallest top1-top2 logit gap seen.
        """
        eos = self.eos if eos is None else eos
        seq = list(ids)
        out = []
        margin = np.inf
        cache = [None] * self.n_layers if use_cache else None
        pending = self.inputs(seq, prefix)
        for _ in range(max_new_tokens):
            if use_cache:
                last = self.forward(pending, lora, cache)[-1] @ self.lm_head().T
            else:
                last = self.forward(self.inputs(seq, prefix), lora)[-1] @ self.lm_head().T
            top = np.argsort(-last, kind="stable")
            margin = min(margin, float(last[top[0]] - last[top[1]]))
            nxt = int(top[0])
            out.append(nxt)
            seq.append(nxt)
            pending = self.embed([nxt])
            if nxt == eos:
                break
        return out, margin
