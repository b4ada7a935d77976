#!/usr/bin/env python3
"""GenKit's UNet2DConditionModel against diffusers + PyTorch on the same shape, in the same run.

One denoising step of the Stable Diffusion 1.5 UNet shape (block_out_channels 320/640/1280/1280, 8 heads,
cross_attention_dim 768; random weights, float32, 2 threads each) as guided sampling takes it: batch 2, 4×64×64
latents, 77 text tokens. Prints the median times and the ratio (ours / PyTorch: below 1 means we are faster).
GENKIT_BENCH_QUICK=1 compares the reduced shape the Swift benchmark uses in quick mode instead.

    $(Tools/setup_venv.sh)/bin/python Tools/bench_unet.py
"""
import os

import torch
from benchlib import print_table, run_swift_benchmarks, time_ms
from diffusers import UNet2DConditionModel

NAME = "UNet2DCondition SD1.5 step, batch 2, 64x64 latents"
QUICK = "GENKIT_BENCH_QUICK" in os.environ


def peer():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    if QUICK:
        config = dict(block_out_channels=(32, 64), down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                      up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), attention_head_dim=2, cross_attention_dim=64)
        size = 16
    else:
        config = dict(cross_attention_dim=768)  # the other defaults are SD 1.5's
        size = 64
    unet = UNet2DConditionModel(**config).eval()
    latents = torch.randn(2, 4, size, size)
    text = torch.randn(2, 77, unet.config.cross_attention_dim)
    with torch.inference_mode():
        return time_ms(lambda: unet(latents, 981, encoder_hidden_states=text), repeats=1 if QUICK else 3)


def main():
    ours = run_swift_benchmarks("DiffusionModelsBenchmarks")
    theirs = peer()
    print_table([(NAME, ours.get(NAME, 0), theirs)])
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
