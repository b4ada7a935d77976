#!/usr/bin/env python3
"""Writes the UNet2DConditionModel test fixtures (run with the reference venv: torch 2.15.0, diffusers 0.42.1).

Tiny random-weight `UNet2DConditionModel`s saved by diffusers' own `save_pretrained` (config.json +
diffusion_pytorch_model.safetensors), each with inputs and expected outputs as .npy, into
Tests/DiffusionModelsTests/Fixtures/UNetCondition/<case>/:

  sd1/  Stable Diffusion 1.x layout: CrossAttnDownBlock2D x2 + DownBlock2D, UNetMidBlock2DCrossAttn,
        UpBlock2D + CrossAttnUpBlock2D x2, `attention_head_dim` an int (diffusers reads it as the head count),
        1x1-conv projections, layers_per_block 2. Also saved as the fp16 and bf16 variants
        (diffusion_pytorch_model.fp16.safetensors, .bf16.safetensors); their expected outputs come from the f32
        model loaded from those rounded weights, as diffusers runs a half-precision checkpoint in float32.
  sd2/  Stable Diffusion 2.x layout: `attention_head_dim` a list, `use_linear_projection`, `upcast_attention`,
        `transformer_layers_per_block` 2 in the deeper blocks, non-square latents.
  dual_cross_attention/  config.json only: a feature we reject with a typed error.

Inputs: sample.npy [2, 4, H, W] and encoder_hidden_states.npy [2, S, D] (batch 2, as classifier-free guidance
runs), and for each timestep t in TIMESTEPS expected_t<t>.npy (expected_t<t>_fp16.npy, _bf16.npy for the variants);
sd1 also has sample_odd.npy [2, 4, 10, 14] (not a multiple of the downsampling) and expected_odd_t981.npy.
Every parameter is perturbed from diffusers' initialisation (norm scales away from 1, biases away from 0) so that
a mix-up of any two tensors changes the output.

Usage: ~/.cache/genkit-reference-venv/bin/python Tools/make_unet_cond_fixtures.py
"""
import json
import os
import shutil

import numpy as np
import torch
from diffusers import UNet2DConditionModel

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DiffusionModelsTests", "Fixtures",
                    "UNetCondition")
TIMESTEPS = [981, 37.5]

SD1 = dict(
    sample_size=16, in_channels=4, out_channels=4, block_out_channels=[8, 8, 16], layers_per_block=2,
    down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    mid_block_type="UNetMidBlock2DCrossAttn",
    up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    attention_head_dim=2, cross_attention_dim=32, norm_num_groups=4, norm_eps=1e-5,
    flip_sin_to_cos=True, freq_shift=0, use_linear_projection=False)

SD2 = dict(
    sample_size=16, in_channels=4, out_channels=4, block_out_channels=[8, 16, 16], layers_per_block=1,
    down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    mid_block_type="UNetMidBlock2DCrossAttn",
    up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    attention_head_dim=[2, 4, 8], cross_attention_dim=24, norm_num_groups=4, norm_eps=1e-5,
    transformer_layers_per_block=[1, 2, 2],
    flip_sin_to_cos=False, freq_shift=1, use_linear_projection=True, upcast_attention=True)


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if p.ndim == 1:
                # norm scales around 1, biases around 0, each visibly different
                p.add_(0.2 * noise)
            else:
                p.add_(0.5 * p.std() * noise)


def run(model, sample, states):
    with torch.no_grad():
        return {t: model(sample, t, encoder_hidden_states=states).sample.numpy() for t in TIMESTEPS}


def tag(t):
    return str(t).replace(".", "p")


def write_case(name, config, latent_hw, sequence, seed, variants=(), odd_hw=None):
    out = os.path.join(ROOT, name)
    shutil.rmtree(out, ignore_errors=True)
    torch.manual_seed(seed)
    model = UNet2DConditionModel(**config).eval()
    perturb(model, seed + 1)
    model.save_pretrained(out, safe_serialization=True)

    g = torch.Generator().manual_seed(seed + 2)
    sample = torch.randn((2, config["in_channels"], *latent_hw), generator=g)
    states = torch.randn((2, sequence, config["cross_attention_dim"]), generator=g)
    np.save(os.path.join(out, "sample.npy"), sample.numpy())
    np.save(os.path.join(out, "encoder_hidden_states.npy"), states.numpy())
    for t, y in run(model, sample, states).items():
        np.save(os.path.join(out, f"expected_t{tag(t)}.npy"), y)

    if odd_hw:
        # Latents whose size is not a multiple of the total downsampling: the upsamplers resize to the skips.
        odd = torch.randn((2, config["in_channels"], *odd_hw), generator=g)
        np.save(os.path.join(out, "sample_odd.npy"), odd.numpy())
        with torch.no_grad():
            y = model(odd, TIMESTEPS[0], encoder_hidden_states=states).sample.numpy()
        np.save(os.path.join(out, f"expected_odd_t{tag(TIMESTEPS[0])}.npy"), y)

    for variant, dtype in variants:
        # The variant file holds the rounded weights; the reference runs them in float32.
        model.to(dtype).save_pretrained(out, safe_serialization=True, variant=variant)
        reloaded = UNet2DConditionModel.from_pretrained(out, variant=variant, torch_dtype=torch.float32).eval()
        for t, y in run(reloaded, sample, states).items():
            np.save(os.path.join(out, f"expected_t{tag(t)}_{variant}.npy"), y)
        model.to(torch.float32)


def write_unsupported(name, config):
    out = os.path.join(ROOT, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    # (without the bookkeeping keys, one of which lists defaults in set order and would make the file vary)
    full = {k: v for k, v in UNet2DConditionModel(**config).config.items() if not k.startswith("_")}
    full["_class_name"] = "UNet2DConditionModel"
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(full, f, indent=2, sort_keys=True)


def main():
    torch.set_num_threads(1)
    write_case("sd1", SD1, (16, 16), 7, seed=0, variants=[("fp16", torch.float16), ("bf16", torch.bfloat16)],
               odd_hw=(10, 14))
    write_case("sd2", SD2, (16, 8), 5, seed=10)
    write_unsupported("dual_cross_attention", dict(SD1, dual_cross_attention=True))
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f"wrote {ROOT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
