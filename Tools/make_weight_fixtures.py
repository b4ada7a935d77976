#!/usr/bin/env python3
"""Writes the weight-file fixtures for Tests/GenCoreTests/WeightsTests.swift.

Run with the reference venv:  ~/.cache/genkit-reference-venv/bin/python Tools/make_weight_fixtures.py

Everything is written by the reference libraries (safetensors 0.8 via torch, numpy's np.save), and the
expected element values are recorded from the Python side in expected.json, as raw bit patterns for the
floating-point types, so the Swift tests compare against Python and never against our own reader.
"""
import json
import os
import struct

import numpy as np
import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "GenCoreTests", "Fixtures", "Weights")


def bits(t: torch.Tensor) -> list:
    """Row-major raw bit patterns (floats) or values (ints), as JSON-safe integers."""
    t = t.contiguous().reshape(-1)
    if t.dtype == torch.float32:
        return t.view(torch.int32).numpy().astype(np.uint32).astype(np.int64).tolist()
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().astype(np.uint16).astype(np.int64).tolist()
    return t.numpy().astype(np.int64).tolist()


DTYPE_NAMES = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
               torch.int32: "int32", torch.int64: "int64"}


def describe(tensors: dict) -> dict:
    return {name: {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "bits": bits(t)}
            for name, t in tensors.items()}


def mixed_tensors() -> dict:
    g = torch.Generator().manual_seed(0)
    special = torch.tensor([0.0, -0.0, 1.0, -2.5, float("inf"), float("-inf"), float("nan"), 6.0e-8, 65504.0])
    return {
        "model.embed.weight": torch.randn(3, 5, generator=g),
        "layers.0.norm.weight": special.to(torch.float16),
        "layers.0.proj.weight": (torch.randn(2, 3, 1, generator=g) * 100).to(torch.bfloat16),
        "positions": torch.tensor([[-2147483648, 2147483647, 0], [1, -1, 7], [3, 4, 5], [9, 8, 6]], dtype=torch.int32),
        "token_ids": torch.tensor([-(2**62), 2**62 + 12345, 0, -1, 2**53 + 1], dtype=torch.int64),
        "scale": torch.tensor(0.125, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }


def write_safetensors(expected: dict) -> None:
    tensors = mixed_tensors()
    # One metadata entry: with more, the reference writer orders them by hash and bytes are not reproducible.
    save_file(tensors, os.path.join(OUT, "mixed.safetensors"), metadata={"format": "pt"})
    expected["mixed.safetensors"] = {"metadata": {"format": "pt"}, "tensors": describe(tensors)}

    # A file whose header is not padded, so its data (and the f32 tensor in it) starts at an odd offset.
    weight = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 8
    header = json.dumps({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}, separators=(",", ":")).encode()
    if (8 + len(header)) % 2 == 0:
        header += b" "
    with open(os.path.join(OUT, "unaligned.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + weight.numpy().tobytes())
    expected["unaligned.safetensors"] = {"metadata": {}, "tensors": describe({"w": weight})}

    # Element types GenKit cannot hold still list; loading them must fail.
    save_file({"double": torch.ones(2, dtype=torch.float64), "flags": torch.tensor([True, False]),
               "ok": torch.ones(2, dtype=torch.float32)}, os.path.join(OUT, "other_dtypes.safetensors"))


def write_sharded(expected: dict) -> None:
    g = torch.Generator().manual_seed(1)
    shards = {
        "model-00001-of-00002.safetensors": {"a.weight": torch.randn(4, 2, generator=g), "a.bias": torch.randn(4, generator=g)},
        "model-00002-of-00002.safetensors": {"b.weight": torch.randn(3, 4, generator=g).to(torch.bfloat16)},
    }
    folder = os.path.join(OUT, "sharded")
    os.makedirs(folder, exist_ok=True)
    weight_map, total, described = {}, 0, {}
    for shard, tensors in shards.items():
        save_file(tensors, os.path.join(folder, shard), metadata={"format": "pt"})
        for name, t in tensors.items():
            weight_map[name] = shard
            total += t.numel() * t.element_size()
        described.update(describe(tensors))
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
    expected["sharded"] = {"tensors": described}


def write_npy(expected: dict) -> None:
    rng = np.random.default_rng(2)
    arrays = {
        "f32.npy": rng.standard_normal((3, 4)).astype(np.float32),
        "f16.npy": np.array([0.0, -0.0, 1.5, 65504.0, 6.0e-8, np.inf, -np.inf], dtype=np.float16),
        "i32.npy": np.array([[-2147483648, 2147483647], [5, -6], [0, 1]], dtype=np.int32),
        "i64.npy": np.array([-(2**62), 2**62 + 7, 3], dtype=np.int64),
        "scalar_f32.npy": np.array(2.75, dtype=np.float32),
        "empty_i64.npy": np.zeros((0, 2), dtype=np.int64),
        "u1.npy": np.array([0, 1, 200, 255], dtype=np.uint8),
        "i1.npy": np.array([-128, -1, 0, 127], dtype=np.int8),
    }
    for name, a in arrays.items():
        np.save(os.path.join(OUT, name), a)
    fortran = np.asfortranarray(rng.standard_normal((2, 3, 4)).astype(np.float32))
    np.save(os.path.join(OUT, "fortran_f32.npy"), fortran)
    arrays["fortran_f32.npy"] = np.ascontiguousarray(fortran)
    for version in ((2, 0), (3, 0)):
        with open(os.path.join(OUT, f"v{version[0]}_f32.npy"), "wb") as f:
            np.lib.format.write_array(f, arrays["f32.npy"], version=version)
    # Rejected element types.
    np.save(os.path.join(OUT, "bool.npy"), np.array([True, False]))
    np.save(os.path.join(OUT, "f64.npy"), np.array([1.0, 2.0]))
    np.save(os.path.join(OUT, "big_endian_f32.npy"), np.array([1.0, 2.0], dtype=">f4"))

    def entry(a: np.ndarray) -> dict:
        t = torch.from_numpy(np.ascontiguousarray(a).astype(a.dtype if a.dtype.itemsize >= 4 or a.dtype == np.float16 else np.int32))
        return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(a.shape), "bits": bits(t)}

    expected["npy"] = {name: entry(a) for name, a in arrays.items()}


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    expected: dict = {}
    write_safetensors(expected)
    write_sharded(expected)
    write_npy(expected)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
