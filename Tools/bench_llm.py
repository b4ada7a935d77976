#!/usr/bin/env python3
"""GenKit's causal LMs against PyTorch + transformers on the same shapes, in the same run.

GPT-2 124M (float32) and TinyLlama-1.1B's shape (float32 and bfloat16 weights), random weights, batch 1,
2 threads each: a 128-token prefill (last-position logits), and 32 greedy decode steps with the KV cache after
such a prefill. The bf16 model's prefill also runs with GenKit's MatmulPrecision.bfloat16 ("(bf16 compute)"), which
computes it in bf16 as PyTorch does. Runs Benchmarks/TextModelsBenchmarks (release) first, then PyTorch, and prints median times,
decode tokens/s and ratios (time ours / PyTorch: below 1 means we are faster; speed-up = PyTorch / ours).

    ~/.cache/genkit-reference-venv/bin/python Tools/bench_llm.py [NAME_PART,...]

With an argument, only the models whose names contain one of the comma-separated parts run (e.g. "GPT-2":
PyTorch's bfloat16 path is slow on CPUs without native bf16 and takes many minutes).
"""
import sys
import time

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


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    ours = run_swift_benchmarks("TextModelsBenchmarks", env={"GENKIT_BENCH_ONLY": only or "GPT-2,TinyLlama"})
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


if __name__ == "__main__":
    main()
