#!/usr/bin/env python3
"""Writes reference inputs and outputs for GenCore's tensor operations (Tests/GenCoreTests/Fixtures/Ops/).

Every case is one little-endian float32 file `<case>.bin` holding its tensors back to back; `manifest.json`
lists per case the operation, its options, and each tensor's name, shape and element offset in the file.
Half-precision weights are stored as the float32 values of their float16/bfloat16 roundings, so the Swift
test converts them back exactly. Run with the reference venv:
    ~/.cache/genkit-reference-venv/bin/python Tools/make_op_fixtures.py
"""
import json
import math
import pathlib

import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "GenCoreTests" / "Fixtures" / "Ops"
torch.manual_seed(20261122)
torch.set_num_threads(1)

cases = []


def rand(*shape, scale=1.0):
    return torch.randn(*shape, dtype=torch.float32) * scale


def add(name, op, tensors, **options):
    """Records one case: `tensors` maps names to float32 tensors (inputs and expected outputs)."""
    blob = bytearray()
    entries = {}
    for key, t in tensors.items():
        t = t.detach().to(torch.float32).contiguous()
        entries[key] = {"shape": list(t.shape), "offset": len(blob) // 4}
        blob += t.numpy().astype("<f4").tobytes()
    (OUT / f"{name}.bin").write_bytes(bytes(blob))
    cases.append({"name": name, "op": op, "options": options, "tensors": entries})


def matmul_cases():
    a, b = rand(5, 7), rand(7, 3)
    add("matmul_2d", "matmul", {"a": a, "b": b, "expected": a @ b})
    a, b = rand(2, 1, 4, 6), rand(3, 6, 5)
    add("matmul_broadcast_batch", "matmul", {"a": a, "b": b, "expected": a @ b})
    a, b = rand(3, 7, 4), rand(3, 5, 7)  # a stored [K, M], b stored [N, K]
    add("matmul_transposed_flags", "matmul", {"a": a, "b": b, "expected": a.transpose(-1, -2) @ b.transpose(-1, -2)},
        transposeA=True, transposeB=True)
    a, b = rand(2, 3, 4, 8), rand(8, 5)
    add("matmul_folded_batch", "matmul", {"a": a, "b": b, "expected": a @ b})
    a, b = rand(1, 33), rand(33, 19)
    add("matmul_vector", "matmul", {"a": a, "b": b, "expected": a @ b})


def linear_cases():
    x, w, b = rand(2, 3, 17), rand(9, 17), rand(9)
    add("linear_f32_bias", "linear", {"x": x, "weight": w, "bias": b, "expected": F.linear(x, w, b)}, weightDType="float32")
    x, w, b = rand(4, 33), rand(11, 33).half(), rand(11).half()
    add("linear_f16_bias", "linear", {"x": x, "weight": w.float(), "bias": b.float(),
        "expected": F.linear(x, w.float(), b.float())}, weightDType="float16")
    x, w = rand(1, 40), rand(7, 40).bfloat16()
    add("linear_bf16_vector", "linear", {"x": x, "weight": w.float(), "expected": F.linear(x, w.float())},
        weightDType="bfloat16")


def elementwise_cases():
    for name, op, sa, sb in [("add", torch.add, (2, 3, 4), (4,)), ("sub", torch.sub, (3, 1, 5), (1, 4, 1)),
                             ("mul", torch.mul, (2, 3), (2, 1)), ("div", torch.div, (4, 19), (19,))]:
        a, b = rand(*sa), rand(*sb)
        if name == "div":
            b = b.abs() + 0.5
        add(f"binary_{name}", "binary", {"a": a, "b": b, "expected": op(a, b)}, function=name)


def unary_cases():
    x = torch.cat([torch.linspace(-10, 10, 61), rand(37, scale=3.0)])
    add("unary_exp", "unary", {"x": x, "expected": torch.exp(x)}, function="exp")
    wide = torch.tensor([-120.0, -103.0, -95.5, -87.9, 88.5, 88.7, 89.0, -1e-3, 1e-3, 0.0])
    add("unary_exp_range", "unary", {"x": wide, "expected": torch.exp(wide)}, function="exp")
    small = torch.cat([x, torch.linspace(-0.4, 0.4, 33)])
    add("unary_tanh", "unary", {"x": small, "expected": torch.tanh(small)}, function="tanh")
    pos = x.abs() + 0.01
    add("unary_sqrt", "unary", {"x": pos, "expected": torch.sqrt(pos)}, function="sqrt")
    add("unary_rsqrt", "unary", {"x": pos, "expected": torch.rsqrt(pos)}, function="rsqrt")
    add("unary_neg", "unary", {"x": x, "expected": -x}, function="neg")
    add("unary_sigmoid", "unary", {"x": x, "expected": torch.sigmoid(x)}, function="sigmoid")
    add("unary_gelu", "unary", {"x": x, "expected": F.gelu(x)}, function="gelu")
    add("unary_gelu_tanh", "unary", {"x": x, "expected": F.gelu(x, approximate="tanh")}, function="gelu_tanh")
    add("unary_quick_gelu", "unary", {"x": x, "expected": x * torch.sigmoid(1.702 * x)}, function="quick_gelu")
    add("unary_silu", "unary", {"x": x, "expected": F.silu(x)}, function="silu")
    add("unary_relu", "unary", {"x": x, "expected": F.relu(x)}, function="relu")


def softmax_cases():
    x = rand(3, 37, scale=4.0)
    x[1, 5] = -math.inf
    x[2, :30] = -math.inf
    add("softmax_last", "softmax", {"x": x, "expected": torch.softmax(x, -1)}, axis=-1)
    x = rand(2, 5, 3, scale=2.0)
    add("softmax_middle", "softmax", {"x": x, "expected": torch.softmax(x, 1)}, axis=1)


def norm_cases():
    x, w, b = rand(3, 37, scale=3.0) + 1.5, rand(37), rand(37)
    add("layer_norm_affine", "layerNorm", {"x": x, "weight": w, "bias": b,
        "expected": F.layer_norm(x, (37,), w, b, 1e-5)}, eps=1e-5)
    x = rand(2, 4, 8)
    add("layer_norm_plain", "layerNorm", {"x": x, "expected": F.layer_norm(x, (8,), eps=1e-6)}, eps=1e-6)
    x, w = rand(3, 37, scale=2.0), rand(37)
    var = x.pow(2).mean(-1, keepdim=True)
    add("rms_norm", "rmsNorm", {"x": x, "weight": w, "expected": w * (x * torch.rsqrt(var + 1e-6))}, eps=1e-6)
    x, w, b = rand(2, 6, 3, 5) + 0.5, rand(6), rand(6)
    add("group_norm", "groupNorm", {"x": x, "weight": w, "bias": b,
        "expected": F.group_norm(x, 3, w, b, 1e-5)}, groups=3, eps=1e-5)


def conv_cases():
    def conv(name, x, w, b, stride, padding, dilation, groups):
        add(name, "conv2d", {"x": x, "weight": w, **({"bias": b} if b is not None else {}),
            "expected": F.conv2d(x, w, b, stride, padding, dilation, groups)},
            stride=list(stride), padding=list(padding), dilation=list(dilation), groups=groups)

    conv("conv2d_3x3_pad", rand(2, 4, 7, 9), rand(6, 4, 3, 3), rand(6), (1, 1), (1, 1), (1, 1), 1)
    conv("conv2d_strided_dilated_groups", rand(1, 4, 11, 10), rand(6, 2, 3, 2), rand(6), (2, 1), (1, 2), (2, 1), 2)
    conv("conv2d_1x1", rand(2, 5, 3, 4), rand(7, 5, 1, 1), rand(7), (1, 1), (0, 0), (1, 1), 1)
    conv("conv2d_patch", rand(1, 3, 8, 12), rand(5, 3, 4, 4), None, (4, 4), (0, 0), (1, 1), 1)
    conv("conv2d_depthwise", rand(1, 6, 5, 5), rand(6, 1, 3, 3), rand(6), (1, 1), (1, 1), (1, 1), 6)

    def deconv(name, x, w, b, stride, padding, output_padding, dilation, groups):
        add(name, "convTranspose2d", {"x": x, "weight": w, **({"bias": b} if b is not None else {}),
            "expected": F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)},
            stride=list(stride), padding=list(padding), outputPadding=list(output_padding),
            dilation=list(dilation), groups=groups)

    deconv("conv_transpose2d_stride2", rand(1, 4, 5, 6), rand(4, 3, 3, 3), rand(3), (2, 2), (1, 1), (1, 1), (1, 1), 1)
    deconv("conv_transpose2d_groups_dilated", rand(2, 4, 3, 4), rand(4, 2, 2, 3), None, (1, 2), (0, 1), (0, 1), (2, 1), 2)
    x = rand(2, 3, 3, 4)
    add("upsample_nearest", "upsampleNearest2d", {"x": x, "expected": F.interpolate(x, scale_factor=2, mode="nearest")},
        scale=2)


def embedding_cases():
    ids = [3, 0, 9, 3, 7]
    for dtype in ["float32", "float16", "bfloat16"]:
        table = rand(10, 6).to(getattr(torch, dtype)).float()
        add(f"embedding_{dtype}", "embedding", {"table": table, "expected": table[ids]}, ids=ids, tableDType=dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rotate_every_two(x):
    return torch.stack((-x[..., 1::2], x[..., ::2]), dim=-1).flatten(-2)


def rope_cases():
    positions = [3, 4, 5, 6, 7]
    for layout in ["halfRotation", "interleaved"]:
        for rotary in [8, 4]:
            x = rand(2, 3, 5, 8)
            inv = 1.0 / (10000 ** (torch.arange(0, rotary, 2, dtype=torch.int64).float() / rotary))
            freqs = torch.tensor(positions, dtype=torch.float32)[:, None] @ inv[None, :]
            emb = torch.cat((freqs, freqs), -1) if layout == "halfRotation" else freqs.repeat_interleave(2, -1)
            cos, sin = emb.cos(), emb.sin()
            rot, rest = x[..., :rotary], x[..., rotary:]
            turned = rotate_half(rot) if layout == "halfRotation" else rotate_every_two(rot)
            expected = torch.cat((rot * cos + turned * sin, rest), -1)
            add(f"rope_{layout}_{rotary}", "rope", {"x": x, "inverseFrequencies": inv, "cos": cos, "sin": sin,
                "expected": expected}, layout=layout, positions=positions)


def attention_cases():
    def case(name, b, hq, hkv, tq, tk, d, dv, causal=False, mask=None, scale=None):
        q, k, v = rand(b, hq, tq, d), rand(b, hkv, tk, d), rand(b, hkv, tk, dv)
        full = torch.zeros(tq, tk)
        if causal:  # bottom-right alignment (torch's is_causal aligns top-left when tq != tk)
            full = full.masked_fill(torch.ones(tq, tk, dtype=torch.bool).tril(tk - tq).logical_not(), -math.inf)
        attn = full if mask is None else full + mask
        kr, vr = k.repeat_interleave(hq // hkv, 1), v.repeat_interleave(hq // hkv, 1)
        expected = F.scaled_dot_product_attention(q, kr, vr, attn_mask=attn, scale=scale)
        tensors = {"q": q, "k": k, "v": v, "expected": expected}
        if mask is not None:
            tensors["mask"] = mask
        add(name, "attention", tensors, causal=causal, **({"scale": scale} if scale is not None else {}))

    case("attention_causal_gqa", 2, 4, 2, 5, 5, 8, 8, causal=True)
    case("attention_causal_cache", 1, 3, 1, 3, 7, 8, 8, causal=True)
    mask = torch.where(torch.rand(2, 1, 4, 6) < 0.25, -math.inf, 0.0) + rand(2, 1, 4, 6, scale=0.5)
    mask[..., 0] = 0.0  # every query sees at least one key
    case("attention_mask_dv", 2, 2, 2, 4, 6, 8, 6, mask=mask, scale=0.3)
    case("attention_decode", 1, 4, 2, 1, 9, 16, 16, causal=True)
    case("attention_long_rows", 1, 2, 2, 70, 70, 4, 4, causal=True)


def reduction_cases():
    x = rand(3, 4, 7)
    add("reduce_sum_mean", "reductions", {"x": x, "sum1": x.sum(1), "mean2": x.mean(2), "meanKeep0": x.mean(0, keepdim=True)})
    x = rand(4, 29)
    values, indices = torch.topk(x, 5, dim=-1)
    add("topk", "topk", {"x": x, "values": values, "indices": indices.float(), "argmax": x.argmax(-1).float(),
        "argmax0": x.argmax(0).float()}, k=5)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.bin"):
        old.unlink()
    for make in [matmul_cases, linear_cases, elementwise_cases, unary_cases, softmax_cases, norm_cases, conv_cases,
                 embedding_cases, rope_cases, attention_cases, reduction_cases]:
        make()
    manifest = {"generator": "Tools/make_op_fixtures.py", "torch": torch.__version__, "cases": cases}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(cases)} cases, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
