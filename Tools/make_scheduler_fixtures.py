#!/usr/bin/env python3
"""Writes the DiffusionModels test fixtures (run with the reference venv: torch 2.15.0, diffusers 0.42.1).

Random/torch_generator.safetensors — torch.randn / torch.rand outputs of seeded CPU generators, used to check
    TorchGenerator bit for bit. Large draws are stored as a strided sample plus an exact checksum (the int64 sum
    of the float32 bit patterns) so that the file stays small while every element is still checked.
Schedulers/*.safetensors — see make_scheduler_fixtures() below.

Usage: ~/.cache/genkit-reference-venv/bin/python Tools/make_scheduler_fixtures.py
"""
import json
import math
import os

import numpy as np
import torch
from safetensors.numpy import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DiffusionModelsTests", "Fixtures")


def bits_checksum(t):
    return np.array([t.contiguous().view(torch.int32).to(torch.int64).sum().item()], dtype=np.int64)


def make_random_fixtures():
    out = {}
    # Single draws from a fresh generator: scalar path (< 16 elements), vector path (>= 16), vector path with tail.
    for shape in [(1,), (7,), (15,), (16,), (17,), (4, 4, 8, 8)]:
        g = torch.Generator().manual_seed(1234)
        out["randn_" + "x".join(map(str, shape))] = torch.randn(shape, generator=g).numpy()
    # An SD-sized latent: a strided sample plus the checksum of all elements.
    g = torch.Generator().manual_seed(42)
    big = torch.randn((2, 4, 64, 64), generator=g)
    # (copied: safetensors.numpy writes the buffer of a strided view, not the view)
    out["randn_2x4x64x64_sample"] = np.ascontiguousarray(big.flatten()[::97].numpy())
    out["randn_2x4x64x64_bits_sum"] = bits_checksum(big)
    # Consecutive calls on one generator, mixing paths; the scalar path caches a normal across calls.
    g = torch.Generator().manual_seed(7)
    for i, (kind, n) in enumerate([("randn", 3), ("randn", 20), ("randn", 1), ("rand", 5), ("randn", 16),
                                   ("randn", 2), ("rand", 40), ("randn", 33)]):
        fn = torch.randn if kind == "randn" else torch.rand
        out[f"sequence_{i}_{kind}_{n}"] = fn(n, generator=g).numpy()
    # A negative seed (PyTorch reinterprets it as unsigned 64-bit) and a seed above 2^32.
    out["randn_seed_minus_1"] = torch.randn(20, generator=torch.Generator().manual_seed(-1)).numpy()
    out["randn_seed_2pow32_plus_5"] = torch.randn(5, generator=torch.Generator().manual_seed(2**32 + 5)).numpy()
    os.makedirs(os.path.join(ROOT, "Random"), exist_ok=True)
    save_file(out, os.path.join(ROOT, "Random", "torch_generator.safetensors"))


# ---------------------------------------------------------------------------------------------------------------
# Schedulers: each case builds a scheduler from a scheduler_config.json dictionary, runs set_timesteps and a short
# denoising loop on a [1, 4, 8, 8] latent drawn from a seeded torch generator (the same generator then feeds the
# schedulers' own noise), with a fake model whose output is a polynomial of the sample and the timestep. The
# polynomial uses only float32 multiplies and adds so that the Swift tests compute the identical model output.
# Stored per case: timesteps, sigmas (when the scheduler has them), init_noise_sigma and the sample after each step.

SD_BETAS = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "num_train_timesteps": 1000}
LATENT_SHAPE = (1, 4, 8, 8)


def fake_model(sample, t):
    bias = float(np.float32(float(t) / 1000.0))
    return sample * 0.9 - (sample * sample) * 0.05 + bias


def run_case(config, steps, seed, strength=None, eta=None):
    import diffusers
    cls = getattr(diffusers, config["_class_name"])
    scheduler = cls.from_config(config)
    scheduler.set_timesteps(steps)
    g = torch.Generator().manual_seed(seed)
    latent = torch.randn(LATENT_SHAPE, generator=g)
    timesteps = scheduler.timesteps
    record = {}
    if strength is not None:
        # StableDiffusionImg2ImgPipeline.get_timesteps + prepare_latents: the "image" latent is the randn draw.
        init_timestep = min(int(steps * strength), steps)
        t_start = max(steps - init_timestep, 0)
        timesteps = scheduler.timesteps[t_start * scheduler.order:]
        if hasattr(scheduler, "set_begin_index"):
            scheduler.set_begin_index(t_start * scheduler.order)
        noise = torch.randn(LATENT_SHAPE, generator=g)
        sample = scheduler.add_noise(latent, noise, timesteps[:1].repeat(1))
        record["noised"] = sample.numpy().copy()
    else:
        sample = latent * scheduler.init_noise_sigma
    outputs = []
    for t in timesteps:
        model_input = scheduler.scale_model_input(sample, t)
        out = fake_model(model_input, t)
        kwargs = {"generator": g} if "generator" in scheduler.step.__code__.co_varnames else {}
        if eta is not None:
            kwargs["eta"] = eta
        sample = scheduler.step(out, t, sample, **kwargs).prev_sample
        outputs.append(sample.numpy().copy())
    record["timesteps"] = scheduler.timesteps.numpy().astype(np.float32)
    record["run_timesteps"] = timesteps.numpy().astype(np.float32)
    if hasattr(scheduler, "sigmas") and isinstance(scheduler.sigmas, torch.Tensor) and len(scheduler.sigmas) == len(scheduler.timesteps) + 1:
        record["sigmas"] = scheduler.sigmas.numpy().astype(np.float32)
    record["init_noise_sigma"] = np.array([float(scheduler.init_noise_sigma)], dtype=np.float32)
    record["steps"] = np.stack(outputs).astype(np.float32)
    assert np.isfinite(record["steps"]).all(), "the fake model diverged; pick another configuration"
    return record


def scheduler_cases():
    cases = []

    def add(name, class_name, steps=10, strength=None, eta=None, **fields):
        config = {"_class_name": class_name, "_diffusers_version": "0.42.1"}
        config.update(fields)
        cases.append({"name": name, "config": config, "num_inference_steps": steps, "seed": 100 + len(cases),
                      "strength": strength, "eta": eta})

    spacings = ["leading", "trailing", "linspace"]
    for p in ["epsilon", "v_prediction", "sample"]:
        for s in spacings:
            add(f"ddpm_{p}_{s}", "DDPMScheduler", prediction_type=p, timestep_spacing=s, **SD_BETAS)
            add(f"ddim_{p}_{s}", "DDIMScheduler", prediction_type=p, timestep_spacing=s, clip_sample=False,
                set_alpha_to_one=False, steps_offset=1, **SD_BETAS)
            add(f"euler_{p}_{s}", "EulerDiscreteScheduler", prediction_type=p, timestep_spacing=s, steps_offset=1, **SD_BETAS)
            if p != "sample":  # diffusers' ancestral Euler has no "sample" prediction
                add(f"euler_a_{p}_{s}", "EulerAncestralDiscreteScheduler", prediction_type=p, timestep_spacing=s,
                    steps_offset=1, **SD_BETAS)
            add(f"dpmpp_{p}_{s}", "DPMSolverMultistepScheduler", prediction_type=p, timestep_spacing=s, steps_offset=1,
                algorithm_type="dpmsolver++", solver_order=2, **SD_BETAS)
        add(f"lcm_{p}", "LCMScheduler", steps=4, prediction_type=p, **SD_BETAS)
    for p in ["epsilon", "v_prediction"]:
        for s in spacings:
            add(f"pndm_{p}_{s}", "PNDMScheduler", prediction_type=p, timestep_spacing=s, skip_prk_steps=True,
                set_alpha_to_one=False, steps_offset=1, **SD_BETAS)
    # Other beta schedules and options.
    add("ddpm_linear_defaults", "DDPMScheduler")
    add("ddim_cosine_clip", "DDIMScheduler", beta_schedule="squaredcos_cap_v2", clip_sample=True)
    add("ddim_set_alpha_to_one", "DDIMScheduler", set_alpha_to_one=True, **SD_BETAS)
    add("euler_karras", "EulerDiscreteScheduler", use_karras_sigmas=True, steps=12, **SD_BETAS)
    # torch 2.15's float32 sqrt (behind `** 0.5` on the sigma table) is off by one ulp for ~15% of inputs, and
    # Euler keeps Karras timesteps fractional, so their last bits may differ: the test allows 4 ulps here.
    cases[-1]["timestep_ulps"] = 4
    add("euler_sigma_min", "EulerDiscreteScheduler", final_sigmas_type="sigma_min", timestep_spacing="trailing", **SD_BETAS)
    add("euler_linspace_25", "EulerDiscreteScheduler", steps=25, **SD_BETAS)
    add("dpmpp_karras", "DPMSolverMultistepScheduler", use_karras_sigmas=True, steps=12, **SD_BETAS)
    add("dpmpp_karras_20", "DPMSolverMultistepScheduler", use_karras_sigmas=True, steps=20, **SD_BETAS)
    add("dpmpp_sigma_min", "DPMSolverMultistepScheduler", final_sigmas_type="sigma_min", steps=16, **SD_BETAS)
    # (The cosine schedule's top timesteps have sigma ~ 1e4, where the fake model diverges; leading spacing avoids them.)
    add("dpmpp_cosine_leading", "DPMSolverMultistepScheduler", beta_schedule="squaredcos_cap_v2", timestep_spacing="leading")
    add("lcm_8_steps", "LCMScheduler", steps=8, **SD_BETAS)
    # Zero terminal SNR (rescale_betas_zero_snr), as v-prediction fine-tunes use it with trailing spacing.
    zsnr = dict(rescale_betas_zero_snr=True, prediction_type="v_prediction", timestep_spacing="trailing", **SD_BETAS)
    add("ddim_zero_snr", "DDIMScheduler", clip_sample=False, set_alpha_to_one=False, **zsnr)
    add("ddpm_zero_snr", "DDPMScheduler", clip_sample=False, **zsnr)
    # Euler starts from sigma = 4096 (alphas_cumprod[-1] = 2^-24): torch's sigma table is off by one ulp there
    # (its float32 sqrt, see euler_karras), which moves the 1e4-sized initial sample by one ulp (1e-3) while the
    # first step lands near 60. The test allows 5e-5 relative for these two runs.
    add("euler_zero_snr", "EulerDiscreteScheduler", **zsnr)
    cases[-1]["step_tolerance"] = 5e-5
    add("euler_a_zero_snr", "EulerAncestralDiscreteScheduler", **zsnr)
    cases[-1]["step_tolerance"] = 5e-5
    add("dpmpp_zero_snr", "DPMSolverMultistepScheduler", **zsnr)
    add("lcm_zero_snr", "LCMScheduler", steps=4, rescale_betas_zero_snr=True, prediction_type="v_prediction", **SD_BETAS)
    add("dpmpp_lambda_clipped", "DPMSolverMultistepScheduler", lambda_min_clipped=-5.1, **SD_BETAS)
    add("dpmpp_lambda_clipped_cosine", "DPMSolverMultistepScheduler", lambda_min_clipped=-5.1, beta_schedule="squaredcos_cap_v2")
    # Starts at sigma ~ 150, where one-ulp differences in torch's float32 sqrt (see euler_karras) are amplified
    # through x0 = (x - sigma_t * eps) / alpha_t: the test allows 1e-4 here instead of 1e-5.
    cases[-1]["step_tolerance"] = 1e-4
    add("pndm_linear_defaults_plms", "PNDMScheduler", skip_prk_steps=True)
    # diffusers' PNDM default: a Runge-Kutta warm-up before PLMS.
    add("pndm_prk_linear_defaults", "PNDMScheduler")
    add("pndm_prk_epsilon_leading", "PNDMScheduler", steps_offset=1, **SD_BETAS)
    add("pndm_prk_v_prediction_linspace", "PNDMScheduler", prediction_type="v_prediction", timestep_spacing="linspace", **SD_BETAS)
    # DDIM with eta > 0 draws variance noise from the generator.
    add("ddim_eta_half", "DDIMScheduler", eta=0.5, steps_offset=1, set_alpha_to_one=False, clip_sample=False, **SD_BETAS)
    add("ddim_eta_one_trailing", "DDIMScheduler", eta=1.0, timestep_spacing="trailing", **SD_BETAS)
    # img2img: timesteps subset by strength, add_noise at the first kept timestep.
    for cls, short in [("DDPMScheduler", "ddpm"), ("DDIMScheduler", "ddim"), ("PNDMScheduler", "pndm"),
                       ("EulerDiscreteScheduler", "euler"), ("EulerAncestralDiscreteScheduler", "euler_a"),
                       ("DPMSolverMultistepScheduler", "dpmpp"), ("LCMScheduler", "lcm")]:
        extra = {"skip_prk_steps": True} if cls == "PNDMScheduler" else {}
        add(f"img2img_{short}", cls, strength=0.6, steps=10 if cls != "LCMScheduler" else 4, steps_offset=1, **extra, **SD_BETAS)
    return cases


def make_scheduler_fixtures():
    cases = scheduler_cases()
    tensors = {}
    for case in cases:
        record = run_case(case["config"], case["num_inference_steps"], case["seed"], case["strength"], case["eta"])
        for key, value in record.items():
            tensors[f"{case['name']}/{key}"] = np.ascontiguousarray(value)
    folder = os.path.join(ROOT, "Schedulers")
    os.makedirs(folder, exist_ok=True)
    save_file(tensors, os.path.join(folder, "scheduler_runs.safetensors"))
    with open(os.path.join(folder, "cases.json"), "w") as f:
        json.dump({"latent_shape": list(LATENT_SHAPE), "cases": cases}, f, indent=1)


if __name__ == "__main__":
    make_random_fixtures()
    make_scheduler_fixtures()
