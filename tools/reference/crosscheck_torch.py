"""Optional second implementation, in torch float64, structured differently from llama_ref.py:
RoPE in Meta's original *interleaved complex* form (q/k weights un-permuted from the HF layout, then
torch.polar rotation), masks via torch.triu, GQA via repeat_interleave, LoRA merged into the weights.
Checks every golden in src/test/resources/ref against it (max |diff| printed).

Needs Debian's torch:  /usr/bin/python3 tools/reference/crosscheck_torch.py
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from safetensors_np import read_safetensors  # noqa: E402

REF = os.path.join(HERE, "..", "..", "src", "test", "resources", "ref")


def load(case):
    d = os.path.join(REF, case)
    cfg = json.load(open(os.path.join(d, "model", "config.json")))
    w = {}
    for fn in sorted(os.listdir(os.path.join(d, "model"))):
        if fn.endswith(".safetensors"):
            w.update(read_safetensors(os.path.join(d, "model", fn))[0])
    w = {k: torch.tensor(v) for k, v in w.items()}
    ad = os.path.join(d, "adapter")
    if os.path.isdir(ad):
        acfg = json.load(open(os.path.join(ad, "adapter_config.json")))
        t = read_safetensors(os.path.join(ad, "adapter_model.safetensors"))[0]
        scale = acfg["lora_alpha"] / acfg["r"]
        lw = dict(w)
        for k in t:
            if k.endswith("lora_A.weight"):
                mod = k[len("base_model.model."):-len(".lora_A.weight")]
                a = torch.tensor(t[k])
                b = torch.tensor(t[k.replace("lora_A", "lora_B")])
                lw[mod + ".weight"] = w[mod + ".weight"] + scale * (b @ a)
    else:
        lw = None
    return cfg, w, lw, json.load(open(os.path.join(d, "case.json"))), read_safetensors(os.path.join(d, "golden.safetensors"))[0]


def unpermute(wt, n_heads):
    """HF rotate-half layout -> Meta interleaved layout (inverse of HF's convert_llama_weights permute)."""
    out_d, in_d = wt.shape
    hd = out_d // n_heads
    return wt.view(n_heads, 2, hd // 2, in_d).transpose(1, 2).reshape(out_d, in_d)


def forward(cfg, w, x):
    h, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nkv = cfg["num_key_value_heads"]
    hd = h // nh
    eps = cfg["rms_norm_eps"]
    factor = (cfg.get("rope_scaling") or {}).get("factor", 1.0)
    n = x.shape[0]
    freqs = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    angles = torch.outer(torch.arange(n, dtype=torch.float64) / factor, freqs)
    cis = torch.polar(torch.ones_like(angles), angles)  # [n, hd/2]

    def norm(v, g):
        return v * torch.rsqrt(v.pow(2).mean(-1, keepdim=True) + eps) * g

    def rope(t):  # t [n, heads, hd] in interleaved layout
        c = torch.view_as_complex(t.reshape(n, t.shape[1], hd // 2, 2).contiguous())
        return torch.view_as_real(c * cis[:, None, :]).reshape(n, t.shape[1], hd)

    mask = torch.triu(torch.full((n, n), float("-inf"), dtype=torch.float64), diagonal=1)
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        a = norm(x, w[p + "input_layernorm.weight"])
        q = (a @ unpermute(w[p + "self_attn.q_proj.weight"], nh).T).view(n, nh, hd)
        k = (a @ unpermute(w[p + "self_attn.k_proj.weight"], nkv).T).view(n, nkv, hd)
        v = (a @ w[p + "self_attn.v_proj.weight"].T).view(n, nkv, hd)
        q, k = rope(q), rope(k)
        k = k.repeat_interleave(nh // nkv, dim=1)
        v = v.repeat_interleave(nh // nkv, dim=1)
        s = torch.einsum("qhd,khd->hqk", q, k) / hd ** 0.5 + mask
        o = torch.einsum("hqk,khd->qhd", torch.softmax(s, -1), v).reshape(n, h)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        m = norm(x, w[p + "post_attention_layernorm.weight"])
        x = x + (torch.nn.functional.silu(m @ w[p + "mlp.gate_proj.weight"].T) * (m @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    return norm(x, w["model.norm.weight"])


def head(cfg, w):
    return w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]


def main():
    worst = 0.0
    for case in sorted(os.listdir(REF)):
        cfg, w, lw, c, g = load(case)
        emb = w["model.embed_tokens.weight"][torch.tensor(c["ids"])]
        prefix = torch.tensor(g["prefix"])
        S = c["prefix_len"]
        diffs = {"logits": (forward(cfg, w, emb) @ head(cfg, w).T).numpy() - g["logits"],
                 "logits_prefix": (forward(cfg, w, torch.cat([prefix, emb])) @ head(cfg, w).T)[S:].numpy() - g["logits_prefix"]}
        if lw is not None:
            diffs["logits_lora"] = (forward(cfg, lw, torch.cat([prefix, emb])) @ head(cfg, lw).T)[S:].numpy() - g["logits_lora"]
        if "summaries" in g:
            L, seg = c["summary_length"], c["segment_tokens"]
            summ = w["embed_summary.weight"]
            sp, acc, ind = torch.zeros(0, cfg["hidden_size"], dtype=torch.float64), [], []
            for s in range(0, len(c["ids"]), seg):
                e = w["model.embed_tokens.weight"][torch.tensor(c["ids"][s:s + seg])]
                new = forward(cfg, w, torch.cat([sp, e, summ]))[-L:]
                acc.append(new)
                sp = torch.cat([sp, new])
                ind.append(forward(cfg, w, torch.cat([e, summ]))[-L:])
            diffs["summaries"] = torch.cat(acc).numpy() - g["summaries"]
            diffs["summaries_independent"] = torch.cat(ind).numpy() - g["summaries_independent"]
        for k, d in diffs.items():
            m = float(np.abs(d).max())
            worst = max(worst, m)
            print("%-28s %-22s max|diff| %.2e" % (case, k, m))
    # goldens are float32-rounded float64 values: differences must be at float32 rounding level
    assert worst < 1e-5, worst
    print("torch cross-check passed, worst %.2e" % worst)


if __name__ == "__main__":
    main()
