"""Writes the golden fixtures under src/test/resources/ref/<case>/ (deterministic).

Run from the repository root:  python3 tools/reference/make_fixtures.py
(optional argument: output directory, default src/test/resources/ref)
"""
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_ref import PROJ, LlamaRef, Lora  # noqa: E402
from safetensors_np import quantize, write_safetensors  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

CASES = [
    dict(name="mha_f32_ac_lora", seed=101, hidden=32, inter=64, layers=2, heads=4, kv=4, vocab=128,
         dtype="F32", tied=False, theta=10000.0, rope_scaling=None, eps=1e-5, shards=1,
         summary_length=4, segment_tokens=8, n_ids=20, prefix_len=6, max_new=8,
         lora=dict(r=4, alpha=8, targets=["q_proj", "k_proj", "v_proj", "o_proj"], dtype="F32"),
         description="MHA (4 heads), untied lm_head, F32, rope_theta 10000, AutoCompressor L=4 "
                     "(segments 8+8+4), LoRA r=4 alpha=8 on q/k/v/o"),
    dict(name="gqa_bf16_tied_sharded", seed=202, hidden=64, inter=128, layers=2, heads=8, kv=2, vocab=128,
         dtype="BF16", tied=True, theta=500000.0, rope_scaling=None, eps=1e-5, shards=2,
         summary_length=None, segment_tokens=None, n_ids=16, prefix_len=5, max_new=8, lora=None,
         description="GQA (8 heads, 2 kv heads), tied embeddings (no lm_head.weight), BF16, "
                     "rope_theta 500000, sharded into 2 safetensors files with index.json"),
    dict(name="gqa_f16_ropelinear_ac_lora", seed=303, hidden=64, inter=96, layers=2, heads=4, kv=2, vocab=128,
         dtype="F16", tied=False, theta=10000.0, rope_scaling={"type": "linear", "factor": 2.0}, eps=1e-5,
         shards=1, summary_length=3, segment_tokens=7, n_ids=17, prefix_len=6, max_new=8,
         lora=dict(r=4, alpha=16, targets=list(PROJ), dtype="F16"),
         description="GQA (4 heads, 2 kv heads), untied, F16, linear rope scaling factor 2.0, "
                     "AutoCompressor L=3 (segments 7+7+3), LoRA r=4 alpha=16 (scale 4) on "
                     "q/k/v/o/gate/up/down stored F16"),
    dict(name="mqa_f32_eps1e6", seed=404, hidden=32, inter=64, layers=3, heads=4, kv=1, vocab=64,
         dtype="F32", tied=False, theta=10000.0, rope_scaling=None, eps=1e-6, shards=1,
         summary_length=None, segment_tokens=None, n_ids=12, prefix_len=4, max_new=10, lora=None,
         eos_boost=True,
         description="MQA (4 heads, 1 kv head), untied, F32, rms_norm_eps 1e-6, 3 layers; the "
                     "greedy continuation ends with eos (id 2) before max_new_tokens"),
    # Llama-2-7B's residual stream reaches the thousands: embeddings drawn with std 1200 and the residual
    # writers (o_proj, down_proj) scaled x1000, so every layer moves hidden states of |x| >= 3,000 by a
    # comparable amount. mean(x^2) then overflows float16 (65,504): the float16 numerics proof (LlamaModel
    # upcasts RMSNorm and softmax to float32, as Hugging Face does) runs on this case.
    dict(name="llama2scale_bf16_ac_lora", seed=505, hidden=64, inter=128, layers=2, heads=4, kv=4, vocab=128,
         dtype="BF16", tied=False, theta=10000.0, rope_scaling=None, eps=1e-5, shards=1,
         summary_length=4, segment_tokens=8, n_ids=20, prefix_len=6, max_new=8,
         lora=dict(r=4, alpha=8, targets=["q_proj", "k_proj", "v_proj", "o_proj"], dtype="BF16"),
         embed_std=1200.0, out_scale=1000.0, float16_tolerance=2e-2,
         description="Llama-2-scale activations (hidden states reach |x| >= 3,000: embeddings std 1200, "
                     "o_proj/down_proj x1000), MHA, untied, BF16, AutoCompressor L=4 (segments 8+8+4), LoRA r=4 "
                     "alpha=8 on q/k/v/o (BF16); the float16 numerics case"),
]

MIN_MARGIN = 0.02  # smallest acceptable top1-top2 logit gap along every greedy path


def make_weights(c, rng):
    h, f, v = c["hidden"], c["inter"], c["vocab"]
    hd = h // c["heads"]
    kvd = c["kv"] * hd
    std = 1.0 / np.sqrt(h)  # ~0.18 for h=32, 0.125 for h=64
    w = {}
    w["model.embed_tokens.weight"] = rng.normal(0, c.get("embed_std") or (0.3 if c["tied"] else 0.5), (v, h))
    for i in range(c["layers"]):
        p = "model.layers.%d." % i
        w[p + "self_attn.q_proj.weight"] = rng.normal(0, 1.5 * std, (h, h))
        w[p + "self_attn.k_proj.weight"] = rng.normal(0, 1.5 * std, (kvd, h))
        w[p + "self_attn.v_proj.weight"] = rng.normal(0, std, (kvd, h))
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, std, (h, h))
        w[p + "mlp.gate_proj.weight"] = rng.normal(0, std, (f, h))
        w[p + "mlp.up_proj.weight"] = rng.normal(0, std, (f, h))
        w[p + "mlp.down_proj.weight"] = rng.normal(0, 1.0 / np.sqrt(f), (h, f))
        w[p + "input_layernorm.weight"] = 1.0 + rng.normal(0, 0.1, h)
        w[p + "post_attention_layernorm.weight"] = 1.0 + rng.normal(0, 0.1, h)
        if c.get("out_scale"):
            w[p + "self_attn.o_proj.weight"] *= c["out_scale"]
            w[p + "mlp.down_proj.weight"] *= c["out_scale"]
    w["model.norm.weight"] = 1.0 + rng.normal(0, 0.1, h)
    if not c["tied"]:
        w["lm_head.weight"] = rng.normal(0, 2.0 * std, (v, h))
        if c.get("eos_boost"):
            w["lm_head.weight"][2] *= 2.5
    if c["summary_length"]:
        # like AutoCompressors: initialised from the eos embedding, then "trained" (noise added)
        L = c["summary_length"]
        w["embed_summary.weight"] = w["model.embed_tokens.weight"][2][None, :] + rng.normal(0, 0.3, (L, h))
    return w


def ordered_names(c):
    names = ["model.embed_tokens.weight"]
    if c["summary_length"]:
        names.append("embed_summary.weight")
    for i in range(c["layers"]):
        p = "model.layers.%d." % i
        names += [p + "self_attn.%s.weight" % m for m in ("q_proj", "k_proj", "v_proj", "o_proj")]
        names += [p + "mlp.%s.weight" % m for m in ("gate_proj", "up_proj", "down_proj")]
        names += [p + "input_layernorm.weight", p + "post_attention_layernorm.weight"]
    names.append("model.norm.weight")
    if not c["tied"]:
        names.append("lm_head.weight")
    return names


def config_json(c):
    torch_dtype = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[c["dtype"]]
    cfg = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": c["hidden"],
        "intermediate_size": c["inter"],
        "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"],
        "num_key_value_heads": c["kv"],
        "hidden_act": "silu",
        "rms_norm_eps": c["eps"],
        "rope_theta": c["theta"],
        "rope_scaling": c["rope_scaling"],
        "tie_word_embeddings": c["tied"],
        "vocab_size": c["vocab"],
        "bos_token_id": 1,
        "eos_token_id": 2,
        "pad_token_id": 0,
        "max_position_embeddings": 512,
        "attention_bias": False,
        "torch_dtype": torch_dtype,
    }
    if c["summary_length"]:
        cfg["summary_length"] = c["summary_length"]
        cfg["accumulate_summary"] = True
    return cfg


def write_model(c, w, model_dir):
    os.makedirs(model_dir)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(config_json(c), f, indent=2)
    names = ordered_names(c)
    assert set(names) == set(w), set(names) ^ set(w)
    if c["shards"] == 1:
        write_safetensors(os.path.join(model_dir, "model.safetensors"),
                          {n: (w[n], c["dtype"]) for n in names})
        return
    k = c["shards"]
    parts = np.array_split(np.arange(len(names)), k)
    weight_map, total = {}, 0
    for j, idx in enumerate(parts):
        fname = "model-%05d-of-%05d.safetensors" % (j + 1, k)
        chunk = {names[i]: (w[names[i]], c["dtype"]) for i in idx}
        total += write_safetensors(os.path.join(model_dir, fname), chunk)
        for n in chunk:
            weight_map[n] = fname
    with open(os.path.join(model_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def write_adapter(c, rng, adapter_dir):
    lc = c["lora"]
    os.makedirs(adapter_dir)
    h, f = c["hidden"], c["inter"]
    hd = h // c["heads"]
    kvd = c["kv"] * hd
    dims = {"q_proj": (h, h), "k_proj": (kvd, h), "v_proj": (kvd, h), "o_proj": (h, h),
            "gate_proj": (f, h), "up_proj": (f, h), "down_proj": (h, f)}
    tensors = {}
    for i in range(c["layers"]):
        for m in lc["targets"]:
            sub = "mlp" if m in ("gate_proj", "up_proj", "down_proj") else "self_attn"
            base = "base_model.model.model.layers.%d.%s.%s" % (i, sub, m)
            out_d, in_d = dims[m]
            tensors[base + ".lora_A.weight"] = (rng.normal(0, 1.0 / np.sqrt(in_d), (lc["r"], in_d)), lc["dtype"])
            tensors[base + ".lora_B.weight"] = (rng.normal(0, 0.05, (out_d, lc["r"])), lc["dtype"])
    write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), tensors)
    cfg = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": lc["r"], "lora_alpha": lc["alpha"],
           "lora_dropout": 0.05, "bias": "none", "fan_in_fan_out": False,
           "target_modules": lc["targets"], "base_model_name_or_path": "lloco-test/" + c["name"],
           "modules_to_save": None, "inference_mode": True}
    with open(os.path.join(adapter_dir, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def build_case(c, out_root):
    d = os.path.join(out_root, c["name"])
    if os.path.exists(d):
        shutil.rmtree(d)
    rng = np.random.default_rng(c["seed"])
    w = make_weights(c, rng)
    write_model(c, w, os.path.join(d, "model"))
    if c["lora"]:
        write_adapter(c, rng, os.path.join(d, "adapter"))
    # compute from the files just written (dequantized values), like the Java side will
    m = LlamaRef.from_dir(os.path.join(d, "model"))
    lora = Lora.from_dir(os.path.join(d, "adapter")) if c["lora"] else None
    prefix = quantize(rng.normal(0, 1.0, (c["prefix_len"], c["hidden"])), "F32")

    # choose ids (deterministically) so that every greedy path has a clear argmax
    for attempt in range(200):
        ids = [int(t) for t in rng.integers(3, c["vocab"], c["n_ids"])]
        g_plain, m1 = m.greedy(ids, c["max_new"])
        g_prefix, m2 = m.greedy(ids, c["max_new"], prefix=prefix)
        g_lora, m3 = (m.greedy(ids, c["max_new"], prefix=prefix, lora=lora) if lora else ([], np.inf))
        margin = min(m1, m2, m3)
        if margin < MIN_MARGIN:
            continue
        if min(len(set(g_plain)), len(set(g_prefix))) < 3:
            continue  # prefer paths that are not one repeated token
        if c.get("eos_boost") and not (g_plain[-1] == 2 and 2 <= len(g_plain) < c["max_new"]):
            continue
        break
    else:
        raise RuntimeError("no ids with a clear greedy margin for " + c["name"])

    golden = {}
    golden["logits"] = m.logits(m.inputs(ids))
    golden["prefix"] = prefix
    golden["logits_prefix"] = m.logits(m.inputs(ids, prefix))[c["prefix_len"]:]
    if lora:
        golden["logits_lora"] = m.logits(m.inputs(ids, prefix), lora)[c["prefix_len"]:]
    case = {
        "description": c["description"],
        "ids": ids,
        "prefix_len": c["prefix_len"],
        "max_new_tokens": c["max_new"],
        "eos_token_id": 2,
        "greedy_ids": g_plain,
        "greedy_ids_prefix": g_prefix,
        "greedy_min_margin": round(margin, 6),
        "dtype": c["dtype"],
        "has_adapter": bool(lora),
        "tolerance_hint": {"F32": 1e-4, "F16": 1e-4, "BF16": 1e-4}[c["dtype"]],
    }
    if lora:
        case["greedy_ids_prefix_lora"] = g_lora
        case["lora_scale"] = lora.scale
    if c.get("float16_tolerance"):
        # the largest |x| of the residual stream over every forward the goldens below need
        m.max_abs_hidden = 0.0
        m.logits(m.inputs(ids, prefix), lora)
        m.compress(ids, c["segment_tokens"], accumulate=True)
        m.compress(ids, c["segment_tokens"], accumulate=False)
        case["max_abs_hidden"] = round(float(m.max_abs_hidden), 1)
        case["float16_tolerance"] = c["float16_tolerance"]
        assert case["max_abs_hidden"] >= 3000, case["max_abs_hidden"]
    if c["summary_length"]:
        golden["summaries"] = m.compress(ids, c["segment_tokens"], accumulate=True)
        golden["summaries_independent"] = m.compress(ids, c["segment_tokens"], accumulate=False)
        n_seg = -(-len(ids) // c["segment_tokens"])
        case["segment_tokens"] = c["segment_tokens"]
        case["summary_length"] = c["summary_length"]
        case["segments"] = n_seg
        case["segment_lengths"] = [min(c["segment_tokens"], len(ids) - s) for s in range(0, len(ids), c["segment_tokens"])]
    else:
        case["segment_tokens"] = None
    write_safetensors(os.path.join(d, "golden.safetensors"),
                      {k: (v, "F32") for k, v in golden.items()}, metadata={"format": "pt", "case": c["name"]})
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(case, f, indent=2)
    size = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(d) for fn in fns)
    print("%-28s %7d bytes  ids=%d margin=%.4f greedy=%s prefix=%s lora=%s" % (
        c["name"], size, len(ids), margin, g_plain, g_prefix, g_lora))
    assert size < 300 * 1024, size


def main():
    out_root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "src", "test", "resources", "ref")
    os.makedirs(out_root, exist_ok=True)
    for c in CASES:
        build_case(c, out_root)


if __name__ == "__main__":
    main()
