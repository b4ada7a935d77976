#!/usr/bin/env python3
"""GenKit's diffusion networks against diffusers + PyTorch on the same shapes, in the same run.

Stable Diffusion 1.5's VAE (AutoencoderKL, block_out_channels 128/256/512/512, random weights, float32,
2 threads) decoding one 1×4×64×64 latent to 512×512. Prints a table of median times and ratios
(ours / PyTorch: below 1 means we are faster).

    $(Tools/setup_venv.sh)/bin/python Tools/bench_diffusion.py
"""
import torch
from benchlib import print_table, run_swift_benchmarks, time_ms
from diffusers import AutoencoderKL


def peers():
    torch.set_num_threads(2)
    results = {}
    with torch.inference_mode():
        vae = AutoencoderKL(down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                            block_out_channels=[128, 256, 512, 512], layers_per_block=2).eval()
        latents = torch.randn((1, 4, 64, 64), generator=torch.Generator().manual_seed(0))
        results["AutoencoderKL decode, SD-1.5 VAE, 1x4x64x64 latent"] = time_ms(lambda: vae.decode(latents), repeats=3)
    return results


def main():
    ours = run_swift_benchmarks("DiffusionModelsBenchmarks")
    theirs = peers()
    print_table([(name, ours.get(name, 0), theirs[name]) for name in theirs])


if __name__ == "__main__":
    main()
