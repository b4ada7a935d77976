#!/usr/bin/env python3
"""Tiny random-weight diffusers networks (AutoencoderKL, UNet2DModel) and their outputs.

Writes Tests/DiffusionModelsTests/Fixtures/Networks/<name>/ with the model as `save_pretrained` writes it
(config.json + diffusion_pytorch_model.safetensors) and the inputs and diffusers' outputs as .npy files:

- vae/: AutoencoderKL, two resolutions, mid-block attention. image.npy → encode → posterior_mean.npy,
  posterior_logvar.npy, posterior_sample.npy (DiagonalGaussianDistribution.sample with
  torch.Generator().manual_seed(SAMPLE_SEED)); latents.npy → decode → decoded.npy.
- vae_fp16/: the same weights stored as float16 (and use_quant_conv false, no mid attention); expected outputs
  from the float32 model holding the float16-rounded weights, since we compute in float32 from half weights.
- unet2d/: UNet2DModel like google/ddpm-cifar10-32 (flip_sin_to_cos false, freq_shift 1, one attention head per
  block); unet2d_heads/: several heads, flip_sin_to_cos true, center_input_sample, scale_shift time norm.
  sample.npy → forward at the timesteps in timesteps.npy → output_<i>.npy.
- timesteps.npy / timestep_embedding_*.npy: get_timestep_embedding for a few settings.

Deterministic (fixed seeds). Run with the reference venv:
`$(Tools/setup_venv.sh)/bin/python Tools/make_diffusion_net_fixtures.py`.
"""
import json
import pathlib

import numpy as np
import torch
from diffusers import AutoencoderKL, UNet2DModel
from diffusers.models.embeddings import get_timestep_embedding

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Tests/DiffusionModelsTests/Fixtures/Networks"
SAMPLE_SEED = 1234
TIMESTEPS = [999.0, 37.0, 10.5]


def perturb_norms(model, seed):
    """Default init leaves group norms at weight 1, bias 0; spread them so a wrong norm shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.add_(torch.randn(p.shape, generator=g) * 0.2)
    return model


def npy(path, t):
    np.save(path, t.detach().to(torch.float32).contiguous().numpy())


def vae_config(**overrides):
    config = dict(in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 2,
                  up_block_types=["UpDecoderBlock2D"] * 2, block_out_channels=[12, 20], layers_per_block=1,
                  latent_channels=4, norm_num_groups=4, sample_size=16, scaling_factor=0.18215)
    config.update(overrides)
    return config


def make_vae(name, config, seed, half=False):
    d = ROOT / name
    d.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    vae = perturb_norms(AutoencoderKL(**config), seed).eval()
    if half:
        vae.to(torch.float16)
        vae.save_pretrained(d, safe_serialization=True)
        vae.to(torch.float32)  # run in float32 on the rounded weights, as GenKit does
    else:
        vae.save_pretrained(d, safe_serialization=True)
    g = torch.Generator().manual_seed(seed + 1)
    image = torch.rand((2, 3, 16, 12), generator=g) * 2 - 1
    latents = torch.randn((2, 4, 8, 6), generator=g)
    with torch.no_grad():
        posterior = vae.encode(image).latent_dist
        sample = posterior.sample(generator=torch.Generator().manual_seed(SAMPLE_SEED))
        decoded = vae.decode(latents).sample
    for key, value in dict(image=image, posterior_mean=posterior.mean, posterior_logvar=posterior.logvar,
                           posterior_sample=sample, latents=latents, decoded=decoded).items():
        npy(d / f"{key}.npy", value)


def make_unet(name, config, seed):
    d = ROOT / name
    d.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    unet = perturb_norms(UNet2DModel(**config), seed).eval()
    unet.save_pretrained(d, safe_serialization=True)
    g = torch.Generator().manual_seed(seed + 1)
    sample = torch.randn((2, config["in_channels"], 16, 12), generator=g)
    npy(d / "sample.npy", sample)
    npy(d / "timesteps.npy", torch.tensor(TIMESTEPS))
    with torch.no_grad():
        for i, t in enumerate(TIMESTEPS):
            # A tensor timestep: a Python number would be truncated to an integer by UNet2DModel.forward.
            npy(d / f"output_{i}.npy", unet(sample, torch.tensor(t)).sample)


def make_timestep_embeddings():
    t = torch.tensor([0.0, 1.0, 10.5, 37.0, 500.0, 999.0])
    npy(ROOT / "timesteps.npy", t)
    settings = {"flip_shift1_dim32": (32, True, 1.0), "noflip_shift0_dim31": (31, False, 0.0),
                "flip_shift0_dim320": (320, True, 0.0)}
    for key, (dim, flip, shift) in settings.items():
        npy(ROOT / f"timestep_embedding_{key}.npy",
            get_timestep_embedding(t, dim, flip_sin_to_cos=flip, downscale_freq_shift=shift))


def main():
    torch.set_num_threads(1)
    ROOT.mkdir(parents=True, exist_ok=True)
    make_timestep_embeddings()
    make_vae("vae", vae_config(), seed=1)
    make_vae("vae_fp16", vae_config(use_quant_conv=False, mid_block_add_attention=False, shift_factor=0.0609,
                                    block_out_channels=[8, 12]), seed=2, half=True)
    unet = dict(sample_size=16, in_channels=3, out_channels=3, block_out_channels=[12, 20], layers_per_block=1,
                down_block_types=["DownBlock2D", "AttnDownBlock2D"], up_block_types=["AttnUpBlock2D", "UpBlock2D"],
                norm_num_groups=4)
    make_unet("unet2d", dict(unet, flip_sin_to_cos=False, freq_shift=1, attention_head_dim=None), seed=3)
    make_unet("unet2d_heads", dict(unet, in_channels=2, out_channels=2, attention_head_dim=5, center_input_sample=True,
                                   resnet_time_scale_shift="scale_shift", layers_per_block=2,
                                   down_block_types=["AttnDownBlock2D", "DownBlock2D"],
                                   up_block_types=["UpBlock2D", "AttnUpBlock2D"]), seed=4)
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"wrote {ROOT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
