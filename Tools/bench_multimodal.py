#!/usr/bin/env python3
"""GenKit's LLaVA against transformers on LLaVA-1.5's shape scaled to fit: CLIP ViT-L/14-336 + a TinyLlama-1.1B-shape
decoder, random bf16 weights, batch 1, 2 threads, in the same run.

- time to first token: pixel values (1×3×336×336) → image tower → projector → prompt of 576 image features and 24
  text tokens → prefill → first greedy token (preprocessing is not timed on either side);
- decode 32: 32 greedy steps with the KV cache after that prefill.

Runs Benchmarks/MultimodalBenchmarks (release) first, then transformers, and prints median times and ratios (time
ours / PyTorch: below 1 means we are faster). The time to first token and the decode also run computed in bf16
("(bf16 compute)", MatmulPrecision.bfloat16), as PyTorch and llama.cpp compute a bf16 model.

The issue's decode target is llama.cpp's bf16 decode of the same 1.1B shape. With --llama-bench (the path
`Tools/build_llamacpp.sh` prints), llama.cpp decodes 32 tokens after a 600-token context (this prompt's length) from
the random-weight GGUF of that shape (`Tools/make_llama_gguf.py`), three runs before GenKit's benchmarks and three
after, and the script prints GenKit's decode against the median; without it, against the issue's 21.9 tok/s.

    ~/.cache/genkit-reference-venv/bin/python Tools/bench_multimodal.py [--llama-bench PATH]
"""
import argparse
import json
import subprocess
import time

import torch
from benchlib import print_table, run_swift_benchmarks, time_ms
from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration

NAME = "LLaVA-1.5 shape (CLIP-L/14-336 + 1.1B Llama) bf16"
STEPS, IMAGE_TOKEN, LLAMA_CPP_TOK_S = 32, 32000, 21.9


def llava():
    vision = CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                              image_size=336, patch_size=14, projection_dim=768, hidden_act="quick_gelu")
    text = LlamaConfig(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
                       num_key_value_heads=4, vocab_size=32064, rms_norm_eps=1e-5)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=IMAGE_TOKEN,
                         vision_feature_layer=-2, vision_feature_select_strategy="default", projector_hidden_act="gelu")
    return LlavaForConditionalGeneration(config).to(torch.bfloat16).eval()


def inputs():
    text = [(i * 7919 + 13) % 32000 for i in range(24)]
    ids = torch.tensor([text[:5] + [IMAGE_TOKEN] * 576 + text[5:]])
    pixels = (torch.arange(3 * 336 * 336) % 251).float().div(125).sub(1).reshape(1, 3, 336, 336)
    return ids, pixels.to(torch.bfloat16)


def first_token(model, ids, pixels):
    out = model(input_ids=ids, pixel_values=pixels, use_cache=True, logits_to_keep=1)
    return out, out.logits[:, -1].argmax(-1, keepdim=True)


def decode_ms(model, ids, pixels, repeats=3):
    samples = []
    for run in range(repeats + 1):
        out, token = first_token(model, ids, pixels)
        cache = out.past_key_values
        start = time.perf_counter()
        for _ in range(STEPS):
            out = model(input_ids=token, past_key_values=cache, use_cache=True)
            cache, token = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        if run > 0:
            samples.append((time.perf_counter() - start) * 1e3)
    samples.sort()
    return samples[len(samples) // 2]


def llama_cpp_decode_ms(bench):
    """llama.cpp's times for 32 bf16 decode steps after a 600-token context, three single runs."""
    from bench_llm import tiny_llama_gguf
    out = subprocess.run([bench, "-m", str(tiny_llama_gguf("bf16")), "-t", "2", "-r", "3", "-o", "json", "-p", "0",
                          "-n", str(STEPS), "-d", "600"], check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    return [x / 1e6 for x in json.loads(out)[0]["samples_ns"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llama-bench", help="llama.cpp's llama-bench, to time llama.cpp's decode in the same run")
    args = parser.parse_args()
    llama = llama_cpp_decode_ms(args.llama_bench) if args.llama_bench else []
    ours = run_swift_benchmarks("MultimodalBenchmarks")
    llama += llama_cpp_decode_ms(args.llama_bench) if args.llama_bench else []
    torch.set_num_threads(2)
    torch.manual_seed(0)
    theirs = {}
    with torch.inference_mode():
        model = llava()
        ids, pixels = inputs()
        theirs[f"{NAME} time to first token"] = time_ms(lambda: first_token(model, ids, pixels), repeats=3)
        theirs[f"{NAME} decode {STEPS}"] = decode_ms(model, ids, pixels)
    rows = [(name, ours.get(name, 0), theirs[name]) for name in theirs]
    # GenKit computing in bf16 as well (MatmulPrecision.bfloat16), against the same PyTorch runs.
    for name in [f"{NAME} time to first token (bf16 compute)", f"{NAME} decode {STEPS} (bf16 compute)"]:
        if name in ours:
            rows.append((name, ours[name], theirs[name.removesuffix(" (bf16 compute)")]))
    print_table(rows)
    if llama:
        llama.sort()
        reference, label = STEPS * 1e3 / llama[len(llama) // 2], "llama.cpp's median in this run"
        print(f"\nllama.cpp decode runs (before and after GenKit): {', '.join(f'{x:.0f}' for x in llama)} ms")
    else:
        reference, label = LLAMA_CPP_TOK_S, "llama.cpp's (the issue's figure)"
    for suffix in ["", " (bf16 compute)"]:
        decode = ours.get(f"{NAME} decode {STEPS}{suffix}")
        if decode:
            tok_s = STEPS * 1e3 / decode
            print(f"GenKit decode{suffix}: {tok_s:.1f} tok/s = {tok_s / reference:.2f}× {label} {reference:.1f} tok/s")


if __name__ == "__main__":
    main()
