#!/usr/bin/env python3
"""GenKit's causal LMs against PyTorch + transformers on the same shapes, in the same run.

GPT-2 124M (float32) and TinyLlama-1.1B's shape (float32 and bfloat16 weights), random weights, batch 1,
2 threads each: a 128-token prefill (last-position logits), and 32 greedy decode steps with the KV cache after
such a prefill. The bf16 model's prefill and decode also run with GenKit's MatmulPrecision.bfloat16 ("(bf16 compute)"),
which computes them in bf16 as PyTorch does. Runs Benchmarks/TextModelsBenchmarks (release) first, then PyTorch, and prints median times,
decode tokens/s and ratios (time ours / PyTorch: below 1 means we are faster; speed-up = PyTorch / ours).

    ~/.cache/genkit-reference-venv/bin/python Tools/bench_llm.py [NAME_PART,...] [--llama-bench PATH]

With an argument, only the models whose names contain one of the comma-separated parts run (e.g. "GPT-2":
PyTorch's bfloat16 path is slow on CPUs without native bf16 and takes many minutes).

With --llama-bench (the path `Tools/build_llamacpp.sh` prints), llama.cpp runs the TinyLlama shapes too, against the
`generate` example rather than the package benchmark: each program loads a model file of the shape with random weights
(a GGUF from `Tools/make_llama_gguf.py`, a Hugging Face folder saved by transformers; both written once under
~/.cache/genkit-llamacpp) and they take turns, --rounds single runs each: `llama-bench -p 128` and
`-n 32 -d 128` (32 tokens after a 128-token context) against `generate --warmup` with a 128-token prompt and 33 new
tokens (its time to the first token, and the 32 steps after it), 2 threads. llama-bench runs each test once untimed
before the timed run; `--warmup` does the same for `generate` (one untimed pass over the prompt), so both time a warm
process: without it GenKit's first pass also pays for first-touching its activation buffers and KV cache (about 5 %
of the prefill here). Medians are printed as a second table.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
from benchlib import ROOT, print_table, run_swift_benchmarks, time_ms
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
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def cache_dir():
    return Path(os.environ.get("GENKIT_LLAMACPP_DIR", Path.home() / ".cache" / "genkit-llamacpp"))


def tiny_llama_gguf(dtype):
    """The GGUF of TinyLlama's shape with random weights stored as `dtype` (Tools/make_llama_gguf.py), written once."""
    path = cache_dir() / f"tinyllama-shape-{dtype}.gguf"
    if not path.exists():
        subprocess.run([sys.executable, str(Path(__file__).parent / "make_llama_gguf.py"), "--dtype", dtype,
                        "-o", str(path)], check=True)
    return path


def tiny_llama_folder(dtype):
    """A Hugging Face folder of TinyLlama's shape with random weights stored as `dtype`, written once: no end-of-text
    token (so every run generates all its tokens) and a word-level vocabulary "t0" … "t31999" (WordPiece over whole
    words), so a prompt of 128 words is 128 tokens."""
    folder = cache_dir() / f"tinyllama-shape-{dtype}"
    if (folder / "tokenizer.json").exists():
        return folder
    from tokenizers import Tokenizer, models, pre_tokenizers
    config = tiny_llama_config()
    config.bos_token_id = config.eos_token_id = None
    model = LlamaForCausalLM(config).to(torch.bfloat16 if dtype == "bf16" else torch.float32)
    model.generation_config.bos_token_id = model.generation_config.eos_token_id = None
    model.save_pretrained(folder)
    vocab = {f"t{i}": i for i in range(config.vocab_size - 1)}
    vocab["[UNK]"] = config.vocab_size - 1
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def llama_cpp_vs_genkit(bench, only, rounds):
    """{name: (GenKit median ms, llama.cpp median ms)} for the TinyLlama shapes: both programs load a model file of the
    shape from disk (memory-mapped), and single runs of each take turns, so both see the same machine. Memory bandwidth
    on a shared machine switches between regimes a third apart within a minute (llama.cpp's own samples in one run
    went 15 → 21 tok/s), and decode follows it; back-to-back blocks of runs would compare regimes, not programs."""
    subprocess.run(["swift", "build", "-c", "release", "--product", "generate"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    generate = ROOT / ".build" / "release" / "generate"
    prompt = " ".join(f"t{(i * 7919 + 13) % 31999}" for i in range(PROMPT))
    results, bandwidth = {}, []
    torch.set_num_threads(2)
    for dtype in ["bf16", "f32"]:
        name = f"TinyLlama 1.1B {dtype}"
        if only and not any(part in name for part in only.split(",")):
            continue
        gguf_path = tiny_llama_gguf(dtype)
        folder = tiny_llama_folder(dtype)
        ours = {"prefill": [], "decode": []}
        theirs = {"prefill": [], "decode": []}
        for _ in range(rounds):
            if dtype == "f32":
                bandwidth.append(read_bandwidth())
            for test, args in [("prefill", ["-p", str(PROMPT), "-n", "0"]),
                               ("decode", ["-p", "0", "-n", str(STEPS), "-d", str(PROMPT)])]:
                out = subprocess.run([bench, "-m", str(gguf_path), "-t", "2", "-r", "1", "-o", "json", *args],
                                     check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
                theirs[test].append(json.loads(out)[0]["samples_ns"][0] / 1e6)
            out = subprocess.run([str(generate), "--model", str(folder), "--prompt", prompt,
                                  "--max-new-tokens", str(STEPS + 1), "--warmup", "--matmul-precision",
                                  "bfloat16" if dtype == "bf16" else "float32", "--json"],
                                 check=True, stdout=subprocess.PIPE, text=True, env={**os.environ,
                                                                                    "GENKIT_NUM_THREADS": "2"}).stdout
            timings = json.loads(out)
            if len(timings["prompt_token_ids"]) != PROMPT or len(timings["token_ids"]) != STEPS + 1:
                raise SystemExit(f"generate ran {len(timings['prompt_token_ids'])} prompt tokens and "
                                 f"{len(timings['token_ids'])} new ones, not {PROMPT} and {STEPS + 1}")
            timings = timings["timings"] if "timings" in timings else timings
            ours["prefill"].append(timings["prefill_ms"])
            ours["decode"].append(STEPS * 1e3 / timings["decode_tokens_per_second"])
        for test in ["prefill", "decode"]:
            label = f"{name} {test} {PROMPT if test == 'prefill' else STEPS}"
            print(f"{label}: GenKit {', '.join(f'{x:.0f}' for x in ours[test])} ms; "
                  f"llama.cpp {', '.join(f'{x:.0f}' for x in theirs[test])} ms (taking turns)")
            results[label] = (median(ours[test]), median(theirs[test]))
        if dtype == "f32":
            c = tiny_llama_config()
            kv = c.num_key_value_heads * c.hidden_size // c.num_attention_heads
            layer = 2 * c.hidden_size * (c.hidden_size + kv) + 3 * c.hidden_size * c.intermediate_size
            # Bytes read per token: every layer and the output head (of the embedding, one row).
            weights = 4 * (c.num_hidden_layers * layer + c.vocab_size * c.hidden_size)
            rate = weights / (median(ours["decode"]) / STEPS / 1e3) / 1e9
            print(f"f32 decode streams {rate:.1f} GB/s of weights ({weights / 1e9:.2f} GB a token); a two-thread "
                  f"read of 1 GiB measured {', '.join(f'{x:.1f}' for x in bandwidth)} GB/s over the turns "
                  f"(median {median(bandwidth):.1f}): {100 * rate / median(bandwidth):.0f} % of it")
    return results


def read_bandwidth():
    """GB/s of a two-thread read of 1 GiB (torch.sum over float32, best of 5): this machine's memory bandwidth now,
    the bound an f32 decode step works against."""
    data = torch.ones(256 * 1024 * 1024)
    best = min(time_ms(lambda: data.sum(), repeats=1) for _ in range(5))
    return data.numel() * 4 / (best / 1e3) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="?", default="", help="comma-separated parts of the model names to run")
    parser.add_argument("--llama-bench", help="llama.cpp's llama-bench, to time llama.cpp in the same run")
    parser.add_argument("--rounds", type=int, default=7, help="with --llama-bench: turns each program takes")
    args = parser.parse_args()
    only = args.only
    ours = run_swift_benchmarks("TextModelsBenchmarks", env={"GENKIT_BENCH_ONLY": only or "GPT-2,TinyLlama"})
    llama = llama_cpp_vs_genkit(args.llama_bench, only, args.rounds) if args.llama_bench else {}
    theirs = peers(only)
    rows = [(name, ours.get(name, 0), theirs[name]) for name in theirs]
    # GenKit's bf16 prefill computed in bf16 as well (MatmulPrecision.bfloat16), against the same PyTorch bf16 run.
    rows += [(name, ours[name], theirs[name.removesuffix(" (bf16 compute)")]) for name in ours
             if name.endswith(" (bf16 compute)") and name.removesuffix(" (bf16 compute)") in theirs]
    print_table(rows)
    print()
    print("| decode | GenKit tok/s | PyTorch tok/s | speed-up |")
    print("|---|---|---|---|")
    for name in ours:
        base = name.removesuffix(" (bf16 compute)")
        if " decode " in name and base in theirs:
            a, b = STEPS * 1e3 / ours[name], STEPS * 1e3 / theirs[base]
            print(f"| {name} | {a:.1f} | {b:.1f} | {a / b:.2f}× |")
    if llama:
        print()
        print("| llama.cpp, same shape, taking turns | GenKit | llama.cpp | speed-up |")
        print("|---|---|---|---|")
        for name, (mine, theirs_ms) in llama.items():
            if " decode " in name:
                a, b = STEPS * 1e3 / mine, STEPS * 1e3 / theirs_ms
                print(f"| {name} | {a:.1f} tok/s | {b:.1f} tok/s | {a / b:.2f}× |")
            else:
                print(f"| {name} | {mine:.0f} ms | {theirs_ms:.0f} ms | {theirs_ms / mine:.2f}× |")

if __name__ == "__main__":
    main()
