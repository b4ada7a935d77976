#!/usr/bin/env python3
"""GenKit's causal LMs against PyTorch + transformers on the same shapes, in the same run.

GPT-2 124M (float32) and TinyLlama-1.1B's shape (float32 and bfloat16 weights), random weights, batch 1,
2 threads each: a 128-token prefill (last-position logits), and 32 greedy decode steps with the KV cache after
such a prefill. The bf16 model's prefill also runs with GenKit's MatmulPrecision.bfloat16 ("(bf16 compute)"), which
computes it in bf16 as PyTorch does. Runs Benchmarks/TextModelsBenchmarks (release) first, then PyTorch, and prints median times,
decode tokens/s and ratios (time ours / PyTorch: below 1 means we are faster; speed-up = PyTorch / ours).

    ~/.cache/genkit-reference-venv/bin/python Tools/bench_llm.py [NAME_PART,...] [--llama-bench PATH]

With an argument, only the models whose names contain one of the comma-separated parts run (e.g. "GPT-2":
PyTorch's bfloat16 path is slow on CPUs without native bf16 and takes many minutes).

With --llama-bench (the path `Tools/build_llamacpp.sh` prints), llama.cpp runs the TinyLlama shapes too, from GGUF
files of the same shape with random weights (`Tools/make_llama_gguf.py`, written once under ~/.cache/genkit-llamacpp):
`llama-bench -p 128` for the prefill and `-n 32 -d 128` (32 tokens after a 128-token context) for the decode, 2 threads,
medians of 5 repetitions, printed as a second table.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
from benchlib import print_table, run_swift_benchmarks, time_ms
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

PROMPT, STEPS = 128, 32


def tiny_llama_config():
    return LlamaConfig(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
                       num_key_value_heads=4, vocab_size=32000)


def prompt_ids(vocab):
    return torch.tensor([[(i * 7919 + 13) % vocab for i in range(PROMPT)]])


def prefill(model, ids):
    return model(input_ids=ids, use_cache=True, logits_to_keep=1)


def decode_ms(model, ids, repeats=5):
    """Median ms of 32 greedy steps after an (untimed) 128-token prefill, as the Swift benchmark does."""
    samples = []
    for run in range(repeats + 1):
        out = prefill(model, ids)
        cache, token = out.past_key_values, torch.tensor([[42]])
        start = time.perf_counter()
        for _ in range(STEPS):
            out = model(input_ids=token, past_key_values=cache, use_cache=True)
            cache, token = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        if run > 0:  # the first run warms up
            samples.append((time.perf_counter() - start) * 1e3)
    samples.sort()
    return samples[len(samples) // 2]


def peers(only):
    torch.set_num_threads(2)
    torch.manual_seed(0)
    results = {}
    with torch.inference_mode():
        models = [("GPT-2 124M f32", lambda: GPT2LMHeadModel(GPT2Config()), torch.float32),
                  ("TinyLlama 1.1B f32", lambda: LlamaForCausalLM(tiny_llama_config()), torch.float32),
                  ("TinyLlama 1.1B bf16", lambda: LlamaForCausalLM(tiny_llama_config()), torch.bfloat16)]
        for name, make, dtype in models:
            if only and not any(part in name for part in only.split(",")):
                continue
            model = make().to(dtype).eval()
            ids = prompt_ids(model.config.vocab_size)
            results[f"{name} prefill {PROMPT}"] = time_ms(lambda: prefill(model, ids), repeats=5)
            results[f"{name} decode {STEPS}"] = decode_ms(model, ids)
            del model
    return results


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def llama_cpp(bench, only):
    """{benchmark name: median ms} for llama.cpp on the TinyLlama shapes (bf16 and f32 GGUF)."""
    cache = Path(os.environ.get("GENKIT_LLAMACPP_DIR", Path.home() / ".cache" / "genkit-llamacpp"))
    results = {}
    for dtype in ["bf16", "f32"]:
        name = f"TinyLlama 1.1B {dtype}"
        if only and not any(part in name for part in only.split(",")):
            continue
        gguf_path = cache / f"tinyllama-shape-{dtype}.gguf"
        if not gguf_path.exists():
            subprocess.run([sys.executable, str(Path(__file__).parent / "make_llama_gguf.py"), "--dtype", dtype,
                            "-o", str(gguf_path)], check=True)
        for label, args in [(f"prefill {PROMPT}", ["-p", str(PROMPT), "-n", "0"]),
                            (f"decode {STEPS}", ["-p", "0", "-n", str(STEPS), "-d", str(PROMPT)])]:
            out = subprocess.run([bench, "-m", str(gguf_path), "-t", "2", "-r", "5", "-o", "json", *args],
                                 check=True, stdout=subprocess.PIPE, text=True).stdout
            samples = json.loads(out)[0]["samples_ns"]
            results[f"{name} {label}"] = median(samples) / 1e6
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="?", default="", help="comma-separated parts of the model names to run")
    parser.add_argument("--llama-bench", help="llama.cpp's llama-bench, to time llama.cpp in the same run")
    args = parser.parse_args()
    only = args.only
    ours = run_swift_benchmarks("TextModelsBenchmarks", env={"GENKIT_BENCH_ONLY": only or "GPT-2,TinyLlama"})
    llama = llama_cpp(args.llama_bench, only) if args.llama_bench else {}
    theirs = peers(only)
    rows = [(name, ours.get(name, 0), theirs[name]) for name in theirs]
    # GenKit's bf16 prefill computed in bf16 as well (MatmulPrecision.bfloat16), against the same PyTorch bf16 run.
    rows += [(name, ours[name], theirs[name.removesuffix(" (bf16 compute)")]) for name in ours
             if name.endswith(" (bf16 compute)") and name.removesuffix(" (bf16 compute)") in theirs]
    print_table(rows)
    print()
    print("| decode | GenKit tok/s | PyTorch tok/s | speed-up |")
    print("|---|---|---|---|")
    for name in theirs:
        if " decode " in name and ours.get(name):
            a, b = STEPS * 1e3 / ours[name], STEPS * 1e3 / theirs[name]
            print(f"| {name} | {a:.1f} | {b:.1f} | {a / b:.2f}× |")
    if llama:
        print()
        print("| llama.cpp, same shape | GenKit | llama.cpp | speed-up |")
        print("|---|---|---|---|")
        for name, theirs_ms in llama.items():
            # The bf16 prefill against GenKit's bf16-compute run: llama.cpp computes a bf16 model in bf16 too.
            mine = ours.get(f"{name} (bf16 compute)") or ours.get(name)
            if not mine:
                continue
            if " decode " in name:
                a, b = STEPS * 1e3 / mine, STEPS * 1e3 / theirs_ms
                print(f"| {name} | {a:.1f} tok/s | {b:.1f} tok/s | {a / b:.2f}× |")
            else:
                print(f"| {name} | {mine:.0f} ms | {theirs_ms:.0f} ms | {theirs_ms / mine:.2f}× |")


if __name__ == "__main__":
    main()
