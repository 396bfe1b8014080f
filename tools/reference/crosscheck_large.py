"""Loads a checkpoint written by io.lloco.train.large.LargeCheckpoint with real torch (Debian's python3-torch 1.13,
weights_only=True, so only tensor rebuilds are allowed), and checks it against its config: every key of a Hugging Face
Llama + AutoCompressor state dict, shapes, BF16, the index, value ranges; then the PEFT adapter_model.bin.

    /usr/bin/python3 tools/reference/crosscheck_large.py MODEL_DIR [ADAPTER_DIR]

Not run by CI (CI has no torch); the result is recorded in tools/reference/README.md.
"""
import json
import os
import sys

import torch


def main(model_dir, adapter_dir=None):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    index = json.load(open(os.path.join(model_dir, "pytorch_model.bin.index.json")))
    h, f, v, n, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"], cfg["num_hidden_layers"], cfg["summary_length"]
    expected = {"model.embed_tokens.weight": (v, h), "model.norm.weight": (h,), "lm_head.weight": (v, h),
                "embed_summary.weight": (L, h)}
    for i in range(n):
        p = "model.layers.%d." % i
        for m in ("q_proj", "k_proj", "v_proj", "o_proj"):
            expected[p + "self_attn.%s.weight" % m] = (h, h)
        expected[p + "mlp.gate_proj.weight"] = (f, h)
        expected[p + "mlp.up_proj.weight"] = (f, h)
        expected[p + "mlp.down_proj.weight"] = (h, f)
        expected[p + "input_layernorm.weight"] = (h,)
        expected[p + "post_attention_layernorm.weight"] = (h,)
    seen = {}
    total = 0
    for shard in sorted(set(index["weight_map"].values())):
        sd = torch.load(os.path.join(model_dir, shard), map_location="cpu", weights_only=True)
        for k, t in sd.items():
            assert index["weight_map"][k] == shard, (k, shard)
            assert t.dtype == torch.bfloat16, (k, t.dtype)
            assert tuple(t.shape) == expected[k], (k, tuple(t.shape), expected[k])
            total += t.numel() * 2
            x = t.float()
            seen[k] = (x.mean().item(), x.std().item() if x.numel() > 1 else 0.0)
        print("%s: %d tensors" % (shard, len(sd)))
    assert set(seen) == set(expected), set(seen) ^ set(expected)
    assert total == index["metadata"]["total_size"], (total, index["metadata"]["total_size"])
    q = seen["model.layers.0.self_attn.q_proj.weight"]
    assert abs(q[0]) < 1e-3 and abs(q[1] - 0.02) < 1e-3, q
    assert abs(seen["model.norm.weight"][0] - 1.0) < 0.01, seen["model.norm.weight"]
    print("model: %d tensors, %.2f GB BF16, shapes and index match config.json; q_proj mean %.2e std %.4f" % (
        len(seen), total / 1e9, q[0], q[1]))
    if adapter_dir:
        acfg = json.load(open(os.path.join(adapter_dir, "adapter_config.json")))
        sd = torch.load(os.path.join(adapter_dir, "adapter_model.bin"), map_location="cpu", weights_only=True)
        r = acfg["r"]
        for k, t in sd.items():
            assert k.startswith("base_model.model.model.layers.") and (".lora_A." in k or ".lora_B." in k), k
            assert tuple(t.shape) == ((r, h) if ".lora_A." in k else (h, r)), (k, tuple(t.shape))
        assert len(sd) == 2 * 4 * n, len(sd)
        print("adapter: %d tensors, r=%d, alpha=%s, targets %s" % (len(sd), r, acfg["lora_alpha"], acfg["target_modules"]))


if __name__ == "__main__":
    main(*sys.argv[1:])
