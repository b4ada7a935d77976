#!/usr/bin/env python3
"""Tiny random-weight diffusers pipelines and the images they generate (diffusers 0.42.1, transformers 5.23,
torch 2.15.0 from the reference venv; nothing is downloaded).

Writes Tests/DiffusionModelsTests/Fixtures/Pipelines/:
  ddpm/   a DDPMPipeline folder (model_index.json, unet/ = UNet2DModel, scheduler/ = DDPMScheduler)
  sd/     a StableDiffusionPipeline folder (unet/ UNet2DConditionModel, vae/ AutoencoderKL, text_encoder/
          CLIPTextModel, tokenizer/ vocab.json + merges.txt from Tests/TextModelsTests/Fixtures/CLIPText, which
          Tools/make_clip_text_fixtures.py writes; scheduler/ PNDMScheduler as SD 1.x ships it). Weights are stored
          as float16 to keep the folder small; the reference runs in float32 on the float16-rounded weights, as
          GenKit computes.
  init_image.png   the img2img input (24 x 16 RGB).
  init_image_27x17.png   an img2img input whose sides are not multiples of the VAE scale factor (2 for this VAE;
             nor of 8): diffusers' VaeImageProcessor resizes it with Lanczos to 26 x 16 before encoding.
  <run>.npy  the final image of each run in runs.json, output_type="np" ([1, H, W, 3] float32 in 0...1, before
             uint8 quantisation); given_latents.npy is the `latents=` input of the run that takes one.
  runs.json  every run's arguments, read by the Swift tests.

Usage: ~/.cache/genkit-reference-venv/bin/python Tools/make_pipeline_fixtures.py
"""
import json
import os
import shutil

import numpy as np
import torch
import transformers
from PIL import Image
import diffusers
from diffusers import (AutoencoderKL, DDIMPipeline, DDIMScheduler, DDPMPipeline, DDPMScheduler,
                       DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler, EulerDiscreteScheduler,
                       PNDMScheduler, StableDiffusionImg2ImgPipeline, StableDiffusionPipeline, UNet2DConditionModel,
                       UNet2DModel)

assert diffusers.__version__ == "0.42.1", diffusers.__version__
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "DiffusionModelsTests", "Fixtures", "Pipelines")
TOKENIZER = os.path.join(HERE, "..", "Tests", "TextModelsTests", "Fixtures", "CLIPText", "tokenizer_slow_sd1")


def randomize(model, seed, scale=0.3):
    """Default inits leave norms at 1/0 and some projections at zero; spread every weight so mistakes show."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=g)
            if p.ndim == 1:
                p.copy_((1.0 if p.abs().sum() > 0 and (p == 1).all() else 0.0) + noise * 0.2)
            else:
                fan_in = p[0].numel()
                p.copy_(noise * (scale / max(fan_in, 1) ** 0.5) * 2)
    return model


def half_rounded(model):
    """Rounds the weights to float16 and back, so that the float32 run uses exactly the stored values."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    return model.eval()


def saved_scheduler(cls, folder):
    """`cls.from_config` of the scheduler config as saved in `folder`: a config built in memory marks the fields left
    at their defaults, and from_config drops those (PNDM's "leading" spacing would become Euler's "linspace"), unlike
    the same config read back from scheduler_config.json, which is what users of a saved folder get."""
    return cls.from_config(cls.load_config(os.path.join(folder, "scheduler")))


def save_image(name, image):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(np.asarray(image, dtype=np.float32)))


def make_ddpm():
    torch.manual_seed(0)
    unet = UNet2DModel(sample_size=8, in_channels=3, out_channels=3, block_out_channels=[8, 16], layers_per_block=1,
                       down_block_types=["DownBlock2D", "AttnDownBlock2D"], up_block_types=["AttnUpBlock2D", "UpBlock2D"],
                       norm_num_groups=4, attention_head_dim=8)
    unet = half_rounded(randomize(unet, 10))
    scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=True, variance_type="fixed_small")
    pipe = DDPMPipeline(unet=unet, scheduler=scheduler)
    d = os.path.join(OUT, "ddpm")
    shutil.rmtree(d, ignore_errors=True)
    unet.half()
    pipe.save_pretrained(d, safe_serialization=True)
    unet.float()
    runs = {}
    pipe = DDPMPipeline.from_pretrained(d, torch_dtype=torch.float32)
    image = pipe(generator=torch.Generator().manual_seed(3), num_inference_steps=5, output_type="np").images
    save_image("ddpm_5_steps", image)
    runs["ddpm_5_steps"] = dict(folder="ddpm", steps=5, seed=3)
    ddim = DDIMPipeline.from_pretrained(d, torch_dtype=torch.float32)
    image = ddim(generator=torch.Generator().manual_seed(4), num_inference_steps=4, eta=0.0, output_type="np").images
    save_image("ddim_4_steps", image)
    runs["ddim_4_steps"] = dict(folder="ddpm", steps=4, seed=4, scheduler="DDIMScheduler")
    return runs


def make_sd():
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=[8, 16], layers_per_block=1,
        down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"], mid_block_type="UNetMidBlock2DCrossAttn",
        up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"], attention_head_dim=2, cross_attention_dim=32,
        norm_num_groups=4, flip_sin_to_cos=True, freq_shift=0)
    unet = randomize(unet, 20)
    with torch.no_grad():  # make the prompt matter: stronger cross-attention than the random init gives
        for name, p in unet.named_parameters():
            if "attn2.to_v" in name or "attn2.to_out" in name:
                p.mul_(3.0)
    unet = half_rounded(unet)
    vae = AutoencoderKL(in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 2,
                        up_block_types=["UpDecoderBlock2D"] * 2, block_out_channels=[8, 16], layers_per_block=1,
                        latent_channels=4, norm_num_groups=4, sample_size=16, scaling_factor=0.18215)
    vae = half_rounded(randomize(vae, 21))
    tokenizer = transformers.CLIPTokenizer.from_pretrained(TOKENIZER)
    text_config = transformers.CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        max_position_embeddings=77, hidden_act="quick_gelu", bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=1)
    torch.manual_seed(1)
    text_encoder = transformers.CLIPTextModel(text_config)
    with torch.no_grad():
        for p in text_encoder.parameters():
            p.normal_(0, 0.3)
    text_encoder = half_rounded(text_encoder)
    scheduler = PNDMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", skip_prk_steps=True,
                              steps_offset=1, set_alpha_to_one=False, num_train_timesteps=1000)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    d = os.path.join(OUT, "sd")
    shutil.rmtree(d, ignore_errors=True)
    for m in (unet, vae, text_encoder):
        m.half()
    pipe.save_pretrained(d, safe_serialization=True)
    for m in (unet, vae, text_encoder):
        m.float()
    # diffusers' folder gets what the tokenizer saves; keep the diffusers-style slow form (vocab + merges) only.
    tok_dir = os.path.join(d, "tokenizer")
    shutil.rmtree(tok_dir)
    shutil.copytree(TOKENIZER, tok_dir)

    # Every run loads the saved folder, as a user of it would (float32 compute on the float16 weights).
    runs = {}
    prompt = "a photo of an astronaut riding a horse on the moon"

    def run(name, scheduler_cls=None, pipeline_cls=StableDiffusionPipeline, init_image=None, **kw):
        p = pipeline_cls.from_pretrained(d, torch_dtype=torch.float32, safety_checker=None)
        p.set_progress_bar_config(disable=True)
        if scheduler_cls is not None:
            p.scheduler = saved_scheduler(scheduler_cls, d)
        args = dict(kw)
        if init_image is not None:  # read back from the PNG, as the Swift test reads it
            args["image"] = Image.open(os.path.join(OUT, init_image)).convert("RGB")
        seed = args.pop("seed")
        image = p(generator=torch.Generator().manual_seed(seed), output_type="np", **args).images
        save_image(name, image)
        entry = dict(folder="sd", seed=seed, **{k: v for k, v in args.items() if k not in ("latents", "image")})
        if scheduler_cls is not None:
            entry["scheduler"] = scheduler_cls.__name__
        if "latents" in args:
            entry["latents"] = "given_latents.npy"
        if init_image is not None:
            entry["init_image"] = init_image
        runs[name] = entry

    run("sd_pndm_cfg_negative", prompt=prompt, negative_prompt="blurry, low quality", num_inference_steps=4,
        guidance_scale=7.5, height=16, width=24, seed=42)
    run("sd_euler_no_cfg", EulerDiscreteScheduler, prompt=prompt, num_inference_steps=4, guidance_scale=1.0,
        height=16, width=16, seed=7)
    run("sd_euler_ancestral_cfg", EulerAncestralDiscreteScheduler, prompt="castle at sunset", num_inference_steps=3,
        guidance_scale=5.0, height=16, width=16, seed=8)
    latents = torch.randn((1, 4, 8, 8), generator=torch.Generator().manual_seed(99))
    np.save(os.path.join(OUT, "given_latents.npy"), latents.numpy())
    run("sd_dpm_given_latents", DPMSolverMultistepScheduler, prompt="castle at sunset", num_inference_steps=4,
        guidance_scale=3.0, height=16, width=16, seed=5, latents=latents)

    # img2img: the same folder, an init image of 24 x 16 pixels.
    rng = np.random.default_rng(5)
    pixels = (rng.random((16, 24, 3)) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(os.path.join(OUT, "init_image.png"))
    run("sd_img2img_ddim", DDIMScheduler, pipeline_cls=StableDiffusionImg2ImgPipeline, prompt=prompt,
        negative_prompt="blurry", init_image="init_image.png", strength=0.6, num_inference_steps=5,
        guidance_scale=6.0, seed=11)

    # img2img from 27 x 17 pixels: the pipeline's VaeImageProcessor.preprocess rounds each side down to a multiple
    # of the VAE scale factor (26 x 16) and resizes with PIL's Lanczos; the 13 x 8 latents also take the UNet's
    # odd-size upsampling path.
    pixels = (np.random.default_rng(6).random((17, 27, 3)) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(os.path.join(OUT, "init_image_27x17.png"))
    run("sd_img2img_resized", DDIMScheduler, pipeline_cls=StableDiffusionImg2ImgPipeline, prompt="castle at sunset",
        init_image="init_image_27x17.png", strength=0.7, num_inference_steps=4, guidance_scale=4.0, seed=12)
    return runs


def main():
    torch.set_num_threads(1)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    runs = make_ddpm()
    runs.update(make_sd())
    with open(os.path.join(OUT, "runs.json"), "w") as f:
        json.dump(runs, f, indent=1, sort_keys=True)
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
