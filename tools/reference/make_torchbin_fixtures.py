"""Writes the PyTorch `.bin` (torch.save zip-pickle) fixtures for TorchBinReaderTests.

Needs Debian's torch (apt-get install -y python3-torch), which installs for /usr/bin/python3 only:

    /usr/bin/python3 tools/reference/make_torchbin_fixtures.py      # from the repository root

Writes src/test/resources/torchbin/: each `<name>.bin` has a companion `<name>.expected.safetensors`
holding every tensor as F32 (the exact widened values, contiguous, row-major) with metadata
`dtype:<tensor>` = the stored dtype (F32/F16/BF16/F64/I64/...). Files that must be refused have no
companion. Deterministic (fixed seed), but torch's zip writer output is what it is: regenerated files
may differ in bytes from the committed ones if torch's version changes.

`--large PATH` instead writes a ~5 GiB file for the opt-in TorchBinLargeFileTests (not committed).
"""
import collections
import io
import json
import os
import shutil
import struct
import sys
import zipfile
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from safetensors_np import write_safetensors  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "src", "test", "resources", "torchbin")

DTYPE_NAME = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
              torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
              torch.uint8: "U8", torch.bool: "BOOL"}


class Tiny(torch.nn.Module):
    """A small module so that state_dict() carries the real `_metadata` BUILD state."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(10, 4)
        self.proj = torch.nn.Linear(4, 3)
        self.norm = torch.nn.LayerNorm(3)
        self.register_buffer("position_ids", torch.arange(7, dtype=torch.int64).unsqueeze(0))
        self.register_buffer("scale", torch.tensor(0.125))


def expected(path_bin, tensors, out=None):
    exp = collections.OrderedDict()
    meta = {"format": "pt"}
    for name, t in tensors.items():
        exp[name] = (t.detach().to(torch.float32).contiguous().numpy().astype(np.float64), "F32")
        meta["dtype:" + name] = DTYPE_NAME[t.dtype]
    write_safetensors(out or path_bin[: -len(".bin")] + ".expected.safetensors", exp, metadata=meta)


def save(name, obj, tensors=None):
    path = os.path.join(OUT, name + ".bin")
    torch.save(obj, path)
    if tensors is not None:
        expected(path, tensors)
    return path


def rezip(src, dst, rename_prefix=None, extra=None):
    """Copies a torch zip with Python's zipfile (stored), optionally renaming the archive folder and
    adding entries (e.g. byteorder), the way torch >= 2.1 lays files out."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        old = zin.namelist()[0].split("/")[0] + "/"
        for n in zin.namelist():
            new = (rename_prefix + n[len(old):]) if rename_prefix else n
            zout.writestr(zipfile.ZipInfo(new), zin.read(n))
        for n, data in (extra or {}).items():
            zout.writestr(zipfile.ZipInfo((rename_prefix or old) + n), data)


def write_zip64(src, dst):
    """Rewrites a torch zip with every size/offset in ZIP64 form (0xFFFFFFFF + extra field 0x0001,
    ZIP64 end record and locator), like torch's writer does for files over 4 GiB."""
    with zipfile.ZipFile(src) as zin:
        items = [(n, zin.read(n)) for n in zin.namelist()]
    out = io.BytesIO()
    central = []
    for name, data in items:
        nb = name.encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        off = out.tell()
        extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(nb), len(extra)))
        out.write(nb + extra + data)
        cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), off)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                                   0xFFFFFFFF, len(nb), len(cextra), 0, 0, 0, 0, 0xFFFFFFFF) + nb + cextra)
    cd_off = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_off
    z64 = out.tell()
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(items), len(items), cd_size, cd_off))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, z64, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    with open(dst, "wb") as f:
        f.write(out.getvalue())


class Evil:
    """Pickles as os.system(...): a loader that executes pickle globals would run the command."""

    def __reduce__(self):
        return (os.system, ("echo LLOCO_TEST_PAYLOAD_MUST_NEVER_RUN > /tmp/lloco_pwned",))


class EvilBytes:
    """Pickles as torch.storage._load_from_bytes(b'...'), which runs a nested torch.load."""

    def __reduce__(self):
        return (torch.storage._load_from_bytes, (b"not really a storage",))


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    torch.manual_seed(1234)

    m = Tiny()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn_like(p))
    sd = m.state_dict()
    save("f32", sd, sd)

    sd16 = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items())
    sd16._metadata = sd._metadata
    save("f16", sd16, sd16)

    sdbf = collections.OrderedDict((k, v.bfloat16() if v.is_floating_point() else v) for k, v in sd.items())
    sdbf._metadata = sd._metadata
    save("bf16", sdbf, sdbf)

    # values that are exactly representable, plus edge values (subnormal F16, large BF16, negative zero, inf)
    special = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1035e-05, 5.96e-08, float("inf"), float("-inf"), 3.0e38])
    edges = collections.OrderedDict([
        ("f16_edges", special[:9].half()),
        ("bf16_edges", special.bfloat16()),
        ("f64", torch.tensor([[1.0 / 3.0, -1e-40], [2.0 ** 70, 7.0]], dtype=torch.float64)),
        ("i32", torch.tensor([-3, 0, 16777216], dtype=torch.int32)),
        ("u8", torch.tensor([0, 7, 255], dtype=torch.uint8)),
        ("flags", torch.tensor([True, False, True])),
        ("empty", torch.zeros(0, 4)),
    ])
    save("dtypes", edges, edges)

    # nn.Parameter values: _rebuild_parameter
    params = collections.OrderedDict((k, torch.nn.Parameter(v.clone())) for k, v in m.named_parameters())
    save("params", params, collections.OrderedDict((k, v.data) for k, v in params.items()))

    # shared storages: tied weights, a slice with a storage offset, a reshaped view of the same storage
    big = torch.randn(6, 4).bfloat16()
    tied = collections.OrderedDict([
        ("model.embed_tokens.weight", big),
        ("lm_head.weight", big),
        ("rows_2_to_4", big[2:5]),
        ("flat_tail", big.view(-1)[5:17].view(3, 4)),
        ("last_row", big[5]),
    ])
    save("tied", tied, tied)

    # non-contiguous views: transposed, strided, permuted 3-D, expanded (stride 0), BF16 transposed
    w = torch.randn(3, 5)
    x = torch.randn(4, 6)
    y = torch.randn(2, 3, 4)
    nc = collections.OrderedDict([
        ("transposed", w.t()),
        ("every_other_column", x[:, ::2]),
        ("permuted", y.permute(2, 0, 1)),
        ("expanded", torch.arange(4.0).unsqueeze(0).expand(3, 4)),
        ("bf16_transposed", torch.randn(4, 3).bfloat16().t()),
        ("f16_column", torch.randn(5, 3).half()[:, 1]),
    ])
    for k, v in nc.items():
        assert k == "f16_column" or not v.is_contiguous(), k
    save("noncontig", nc, nc)

    # sharded pair + index, BF16, HF naming
    shard_dir = os.path.join(OUT, "sharded")
    os.makedirs(shard_dir)
    names = ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
             "model.layers.0.mlp.down_proj.weight", "model.norm.weight", "lm_head.weight"]
    shapes = [(16, 8), (8, 8), (8, 12), (8,), (16, 8)]
    full = collections.OrderedDict((n, torch.randn(*s).bfloat16()) for n, s in zip(names, shapes))
    parts = [names[:3], names[3:]]
    weight_map, total = {}, 0
    for i, part in enumerate(parts):
        fname = "pytorch_model-%05d-of-%05d.bin" % (i + 1, len(parts))
        torch.save(collections.OrderedDict((n, full[n]) for n in part), os.path.join(shard_dir, fname))
        for n in part:
            weight_map[n] = fname
            total += full[n].numel() * 2
    with open(os.path.join(shard_dir, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    expected(None, full, out=os.path.join(shard_dir, "expected.safetensors"))
    bad_index = {"metadata": {"total_size": total}, "weight_map": dict(weight_map, **{"model.norm.weight": "pytorch_model-00001-of-00002.bin"})}
    with open(os.path.join(shard_dir, "wrong_shard.index.json"), "w") as f:
        json.dump(bad_index, f, indent=2)
    with open(os.path.join(shard_dir, "escape.index.json"), "w") as f:
        json.dump({"weight_map": {"x": "../f32.bin"}}, f, indent=2)

    # layouts written by newer torch / large files: archive/ folder + byteorder; ZIP64 records
    rezip(os.path.join(OUT, "f32.bin"), os.path.join(OUT, "archive_byteorder.bin"), "archive/", {"byteorder": b"little"})
    expected(os.path.join(OUT, "archive_byteorder.bin"), sd)
    rezip(os.path.join(OUT, "f32.bin"), os.path.join(OUT, "bigendian.bin"), "archive/", {"byteorder": b"big"})
    write_zip64(os.path.join(OUT, "bf16.bin"), os.path.join(OUT, "zip64.bin"))
    expected(os.path.join(OUT, "zip64.bin"), sdbf)

    # must be refused
    evil = collections.OrderedDict([("model.norm.weight", torch.ones(3)), ("payload", Evil())])
    save("malicious_system", evil)
    save("malicious_load_from_bytes", collections.OrderedDict([("w", torch.ones(2)), ("x", EvilBytes())]))
    save("nested", {"model": sd, "step": 3})
    torch.save(sd, os.path.join(OUT, "legacy.bin"), _use_new_zipfile_serialization=False)

    for dp, _, fns in sorted(os.walk(OUT)):
        for fn in sorted(fns):
            print("%6d %s" % (os.path.getsize(os.path.join(dp, fn)), os.path.relpath(os.path.join(dp, fn), OUT)))


def make_large(path, n_tensors=76, numel=32 * 1024 * 1024):
    """Not a committed fixture: a > 4 GiB BF16 state dict (torch writes ZIP64) for the manual test
    TorchBinLargeFileTests (-Dlloco.torchbin.large=PATH). Tensor k holds ((i + k) % 256) - 128."""
    sd = collections.OrderedDict()
    base = torch.arange(numel, dtype=torch.int64)
    for k in range(n_tensors):
        sd["layers.%d.weight" % k] = ((base + k) % 256 - 128).to(torch.bfloat16).view(4096, numel // 4096)
    sd["tail.transposed"] = torch.arange(12, dtype=torch.float32).view(3, 4).t()
    torch.save(sd, path)
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--large":
        make_large(sys.argv[2])
    else:
        main()
