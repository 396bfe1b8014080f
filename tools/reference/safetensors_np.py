"""Minimal pure-Python/numpy safetensors writer and reader (F32, F16, BF16, F64).

Independent of the `safetensors` and `torch` packages on purpose: this is the format as documented
(8-byte little-endian header length, UTF-8 JSON header with dtype/shape/data_offsets per tensor,
optional "__metadata__", then the raw little-endian data).

Reading always returns float64 arrays holding exactly the stored (dequantized) values.
"""
import json
import struct

import numpy as np

_ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2}


def f32_to_bf16_bits(x):
    """float32 -> bfloat16 bits (uint16), round to nearest even (NaN is not expected here)."""
    u = np.ascontiguousarray(np.asarray(x, dtype=np.float32)).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_bits_to_f32(bits):
    """bfloat16 bits (uint16) -> float32, exact."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def quantize(x, dtype):
    """Returns the float64 values that `x` has after being stored as `dtype` (what a reader sees)."""
    x = np.asarray(x, dtype=np.float64)
    if dtype == "F64":
        return x.copy()
    if dtype == "F32":
        return x.astype(np.float32).astype(np.float64)
    if dtype == "F16":
        return x.astype(np.float16).astype(np.float64)
    if dtype == "BF16":
        return bf16_bits_to_f32(f32_to_bf16_bits(x.astype(np.float32))).astype(np.float64)
    raise ValueError("unsupported dtype " + dtype)


def _raw(x, dtype):
    x = np.asarray(x)
    if dtype == "F64":
        return np.ascontiguousarray(x, dtype="<f8").tobytes()
    if dtype == "F32":
        return np.ascontiguousarray(x, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(x, dtype="<f2").tobytes()
    if dtype == "BF16":
        return np.ascontiguousarray(f32_to_bf16_bits(x.astype(np.float32)), dtype="<u2").tobytes()
    raise ValueError("unsupported dtype " + dtype)


def write_safetensors(path, tensors, metadata=None):
    """tensors: ordered dict name -> (array, dtype). Data is laid out in the given order.

    Returns the number of data bytes written (for index.json total_size).
    """
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs = []
    offset = 0
    for name, (arr, dtype) in tensors.items():
        raw = _raw(arr, dtype)
        header[name] = {
            "dtype": dtype,
            "shape": [int(d) for d in np.shape(arr)],
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)  # align data start to 8 bytes (allowed: trailing spaces)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    return offset


def read_safetensors(path):
    """Returns (dict name -> float64 array, dict name -> dtype)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out, dtypes = {}, {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        buf = data[base + a:base + b]
        dt = info["dtype"]
        if dt == "F64":
            arr = np.frombuffer(buf, dtype="<f8")
        elif dt == "F32":
            arr = np.frombuffer(buf, dtype="<f4")
        elif dt == "F16":
            arr = np.frombuffer(buf, dtype="<f2")
        elif dt == "BF16":
            arr = bf16_bits_to_f32(np.frombuffer(buf, dtype="<u2"))
        else:
            raise ValueError("%s: unsupported dtype %s for %s" % (path, dt, name))
        out[name] = arr.astype(np.float64).reshape(info["shape"])
        dtypes[name] = dt
    return out, dtypes
