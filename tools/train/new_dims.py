"""How much a model widened by `io.lloco.train.ModelGrow --hidden` uses its new residual dimensions: for each tensor
that writes to the residual stream (token and summary embeddings, o_proj, down_proj), the share of its squared weight
norm that lies in the new dimensions (they start at zero; a third would be their share of a 384-wide stream from 256).

    python3 tools/train/new_dims.py MODEL_DIR OLD_HIDDEN      # e.g. models/lloco-tiny/checkpoints/v2-w384 256
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from safetensors_np import read_safetensors  # noqa: E402


def share(a, old, axis):
    new = a[:, old:] if axis == 1 else a[old:, :]
    return float((new ** 2).sum() / (a ** 2).sum())


def main(model_dir, old):
    w, _ = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    print("embed_tokens new columns %.2e" % share(w["model.embed_tokens.weight"], old, 1))
    print("embed_summary new columns %.2e" % share(w["embed_summary.weight"], old, 1))
    layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("model.layers."))
    for i in range(layers):
        p = "model.layers.%d." % i
        print("layer %d o_proj new rows %.4f down_proj new rows %.4f"
              % (i, share(w[p + "self_attn.o_proj.weight"], old, 0), share(w[p + "mlp.down_proj.weight"], old, 0)))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
