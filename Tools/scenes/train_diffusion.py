#!/usr/bin/env python3
"""Trains the bundled default text-to-image model on single-object shapes scenes, on the CPU.

    python Tools/scenes/train_diffusion.py --out DIR [--vae-steps N --unet-steps N --seed S]

Writes a complete Stable Diffusion 1.x-format folder (what `StableDiffusionPipeline.save_pretrained` writes with
no safety checker): model_index.json, unet/ (UNet2DConditionModel), vae/ (AutoencoderKL, 64×64 pixels ↔ 32×32×4
latents), text_encoder/ (CLIPTextModel), tokenizer/ (CLIP BPE trained here on the prompt vocabulary),
scheduler/ (DDIM with SD's scaled-linear betas). Weights are fp16 safetensors.

Phases: (1) the VAE learns to reconstruct the scenes (MSE + L1 + a small KL term); (2) the training images are
encoded once, the latent scale is measured (vae.config.scaling_factor); (3) the UNet and the text encoder learn
epsilon prediction jointly, with 10% empty prompts so classifier-free guidance works; an EMA of both is saved.
Prompts come from diffusion_scenes.py ("a red circle on the left"), seeds 0..N-1 of the "train" stream. Torch on
the CPU with a fixed seed and thread count, so a run is repeatable on the same machine. Checkpoints go to
DIR/checkpoint-*.pt so an interrupted run can resume with --resume.
"""
import argparse
import copy
import json
import math
import pathlib
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import diffusion_scenes as ds  # noqa: E402
from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, StableDiffusionPipeline  # noqa: E402
from diffusers import UNet2DConditionModel  # noqa: E402
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers  # noqa: E402
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer  # noqa: E402

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
MAX_LENGTH = 77
BETAS = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def all_prompts():
    return [ds.prompt_for(c, s, p) for c in ds.COLORS for s in ds.SHAPES for p in ds.POSITIONS]


def bytes_to_unicode():
    """GPT-2/CLIP's reversible byte → printable character table (the BPE base alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def train_tokenizer(out):
    """A CLIP tokenizer whose merges are learned from the prompts; the vocabulary is laid out like CLIP's
    (256 byte symbols, the same with </w>, merged tokens, then <|startoftext|> and <|endoftext|>)."""
    learner = Tokenizer(models.BPE(end_of_word_suffix="</w>", continuing_subword_prefix=""))
    learner.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "),
                                               normalizers.Lowercase()])
    learner.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""),
                             behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False)])
    trainer = trainers.BpeTrainer(vocab_size=1000, min_frequency=1, end_of_word_suffix="</w>",
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    learner.train_from_iterator(all_prompts() * 4, trainer)
    merges = json.loads(learner.to_str())["model"]["merges"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges]
    base = bytes_to_unicode()
    vocab = {}
    for token in base + [b + "</w>" for b in base] + ["".join(m) for m in merges] + [BOS, EOS]:
        vocab.setdefault(token, len(vocab))
    tokenizer = CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=MAX_LENGTH)
    tokenizer.save_pretrained(out)
    # The slow-tokenizer files too, so loaders that read vocab.json/merges.txt (as for SD 1.x) find them.
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (out / "merges.txt").write_text("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
    return CLIPTokenizer.from_pretrained(out)


def make_dataset(n, cache):
    if cache.exists():
        data = np.load(cache)
        if len(data["images"]) == n:
            return data["images"], [str(p) for p in data["prompts"]]
    images, prompts = [], []
    for i in range(n):
        img, prompt, _ = ds.prompt_scene(i, "train")
        images.append(np.asarray(img))
        prompts.append(prompt)
    images = np.stack(images)
    np.savez(cache, images=images, prompts=np.array(prompts))
    return images, prompts


def to_tensor(images):
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1


def lr_at(step, steps, lr, warm=100):
    return lr * min(1.0, (step + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, step / steps))))


def build_vae():
    # Two levels (64×64 → 32×32×4): a 4× downsampling VAE learned far too slowly on a shared CPU.
    return AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
                         up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(16, 32),
                         layers_per_block=1, latent_channels=4, norm_num_groups=8, sample_size=ds.SIZE)


def build_unet(text_dim, attention_levels=1, channels=(16, 32, 96), layers_per_block=1):
    # 32×32 → 16×16 → 8×8. Attention at the lowest `attention_levels` resolutions: at 8×8 only, the prompt sets
    # colour and shape but not where the object goes (the judge found the asked third no more often than chance).
    plain = 3 - attention_levels
    return UNet2DConditionModel(
        sample_size=ds.SIZE // 2, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D",) * plain + ("CrossAttnDownBlock2D",) * attention_levels,
        up_block_types=("CrossAttnUpBlock2D",) * attention_levels + ("UpBlock2D",) * plain,
        block_out_channels=tuple(channels), layers_per_block=layers_per_block, cross_attention_dim=text_dim,
        attention_head_dim=4, norm_num_groups=8)


def build_text_encoder(tokenizer):
    config = CLIPTextConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                            num_attention_heads=2, max_position_embeddings=MAX_LENGTH, hidden_act="quick_gelu",
                            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                            pad_token_id=tokenizer.pad_token_id, projection_dim=64)
    return CLIPTextModel(config)


def train_vae(vae, pixels, steps, batch, lr, seed, ckpt):
    g = torch.Generator().manual_seed(seed)
    # Start with a small posterior std (logvar −8): with the default std ≈ 1 the decoder only sees noise at first
    # and a short run ends with washed-out, colourless reconstructions.
    with torch.no_grad():
        vae.quant_conv.bias[vae.config.latent_channels:] = -8.0
    opt = torch.optim.AdamW(vae.parameters(), lr=lr, weight_decay=0.0)
    start = 0
    if ckpt.exists():
        state = torch.load(ckpt)
        vae.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        g.set_state(state["rng"])
        start = state["step"]
        log(f"vae: resumed at step {start}")
    vae.train()
    t0 = time.time()
    for step in range(start, steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, steps, lr, warm=30)
        # The VAE is convolutional, so it learns on 32×32 crops (4× cheaper) and runs on whole 64×64 images.
        oy, ox = (int(v) for v in torch.randint(0, 5, (2,), generator=g) * 8)
        x = pixels[torch.randint(0, len(pixels), (batch,), generator=g), :, oy:oy + 32, ox:ox + 32]
        posterior = vae.encode(x).latent_dist
        z = posterior.mean + posterior.std * torch.randn(posterior.mean.shape, generator=g)
        y = vae.decode(z).sample
        rec = F.mse_loss(y, x) + 0.2 * F.l1_loss(y, x)
        kl = posterior.kl().mean() / posterior.mean[0].numel()
        loss = rec + 1e-5 * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            log(f"vae step {step} rec {rec.item():.5f} kl {kl.item():.2f} ({time.time() - t0:.0f}s)")
        if (step + 1) % 200 == 0 or step == steps - 1:
            torch.save({"model": vae.state_dict(), "opt": opt.state_dict(), "rng": g.get_state(), "step": step + 1},
                       ckpt)
    vae.eval()


@torch.no_grad()
def encode_all(vae, pixels, batch=32):  # small batches: the VAE's mid-block attention is over 1024 positions
    means, stds = [], []
    for i in range(0, len(pixels), batch):
        posterior = vae.encode(pixels[i:i + batch]).latent_dist
        means.append(posterior.mean)
        stds.append(posterior.std)
    return torch.cat(means), torch.cat(stds)


def train_unet(unet, text_encoder, tokenizer, latents, prompts, steps, batch, lr, seed, ckpt, snapshot, min_snr=5.0,
               prediction="epsilon"):
    g = torch.Generator().manual_seed(seed + 1)
    noise_scheduler = DDPMScheduler(**BETAS, prediction_type=prediction)
    mean, std = latents
    alphas_cumprod = noise_scheduler.alphas_cumprod
    unique = sorted(set(prompts)) + [""]
    ids = tokenizer(unique, padding="max_length", max_length=MAX_LENGTH, truncation=True,
                    return_tensors="pt").input_ids
    prompt_index = torch.tensor([unique.index(p) for p in prompts])
    empty = len(unique) - 1
    params = list(unet.parameters()) + list(text_encoder.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-2)
    ema_unet, ema_text = copy.deepcopy(unet).eval(), copy.deepcopy(text_encoder).eval()
    start = 0
    if ckpt.exists():
        state = torch.load(ckpt)
        unet.load_state_dict(state["unet"])
        text_encoder.load_state_dict(state["text"])
        ema_unet.load_state_dict(state["ema_unet"])
        ema_text.load_state_dict(state["ema_text"])
        opt.load_state_dict(state["opt"])
        g.set_state(state["rng"])
        start = state["step"]
        log(f"unet: resumed at step {start}")
    unet.train()
    text_encoder.train()
    ema_params = list(ema_unet.parameters()) + list(ema_text.parameters())
    t0, running = time.time(), 0.0
    for step in range(start, steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, steps, lr)
        pick = torch.randint(0, len(mean), (batch,), generator=g)
        z0 = mean[pick] + std[pick] * torch.randn(mean[pick].shape, generator=g)
        which = prompt_index[pick].clone()
        which[torch.rand(batch, generator=g) < 0.1] = empty
        noise = torch.randn(z0.shape, generator=g)
        t = torch.randint(0, noise_scheduler.config.num_train_timesteps, (batch,), generator=g)
        zt = noise_scheduler.add_noise(z0, noise, t)
        context = text_encoder(ids[which])[0]
        pred = unet(zt, t, context).sample
        target = noise if prediction == "epsilon" else noise_scheduler.get_velocity(z0, noise, t)
        # Min-SNR-γ weighting (Hang et al. 2023, γ = 5) converges faster than plain epsilon MSE (γ = 0 here).
        # Per the paper, min(SNR, γ)/SNR for epsilon targets and min(SNR, γ)/(SNR + 1) for velocity targets.
        snr = alphas_cumprod[t] / (1 - alphas_cumprod[t])
        base = snr if prediction == "epsilon" else snr + 1
        weight = torch.clamp(snr, max=min_snr) / base if min_snr > 0 else torch.ones_like(snr)
        loss = (weight * F.mse_loss(pred, target, reduction="none").mean(dim=(1, 2, 3))).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        decay = min(0.999, (1 + step) / (10 + step))
        with torch.no_grad():
            for e, p in zip(ema_params, params):
                e.lerp_(p, 1 - decay)
        running = 0.98 * running + 0.02 * loss.item() if step > start else loss.item()
        if step % 50 == 0 or step == steps - 1:
            log(f"unet step {step} loss {running:.4f} ({time.time() - t0:.0f}s)")
        if (step + 1) % 100 == 0 or step == steps - 1:
            torch.save({"unet": unet.state_dict(), "text": text_encoder.state_dict(), "opt": opt.state_dict(),
                        "ema_unet": ema_unet.state_dict(), "ema_text": ema_text.state_dict(),
                        "rng": g.get_state(), "step": step + 1}, ckpt)
        if (step + 1) % 500 == 0 and step < steps - 1:
            snapshot(ema_unet, ema_text)
    return ema_unet, ema_text


def save_pipeline(out, vae, unet, text_encoder, tokenizer, prediction="epsilon"):
    scheduler = DDIMScheduler(**BETAS, prediction_type=prediction, clip_sample=False, set_alpha_to_one=False,
                              steps_offset=1)
    vae, unet, text_encoder = (copy.deepcopy(m) for m in (vae, unet, text_encoder))  # fp16 copies, not in place
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.to(torch.float16)
    pipe.save_pretrained(out, safe_serialization=True)
    # save_pretrained rewrites the tokenizer folder; keep the slow-tokenizer files next to tokenizer.json.
    tokenizer_dir = out / "tokenizer"
    if not (tokenizer_dir / "vocab.json").exists():
        (tokenizer_dir / "vocab.json").write_text(json.dumps(tokenizer.get_vocab(), ensure_ascii=False))
    if not (tokenizer_dir / "merges.txt").exists():
        merges = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]
        merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
        (tokenizer_dir / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", help="checkpoints and caches (default: OUT/../<name>-work)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="1 by default: on a shared 2-core machine 2 threads ran 6x slower (spin-waiting)")
    ap.add_argument("--scenes", type=int, default=8000)
    ap.add_argument("--vae-steps", type=int, default=4000,
                    help="300 left colours washed out: the judge scored 24%% on the ground truth after a VAE round trip")
    ap.add_argument("--vae-batch", type=int, default=16)
    ap.add_argument("--vae-lr", type=float, default=1e-3)
    ap.add_argument("--unet-steps", type=int, default=3000)
    ap.add_argument("--unet-batch", type=int, default=32)
    ap.add_argument("--unet-lr", type=float, default=1e-3)
    ap.add_argument("--attention-levels", type=int, default=1, choices=[1, 2, 3],
                    help="UNet resolutions with cross-attention, from the lowest (1: 8x8 only)")
    ap.add_argument("--unet-channels", default="16,32,96",
                    help="the UNet's channels at 32x32, 16x16 and 8x8 (multiples of 8, its GroupNorm groups); 96 at 8x8, "
                         "where the prompt enters, took the judge from 74%% (64) to 82%%")
    ap.add_argument("--min-snr", type=float, default=5.0,
                    help="γ of the Min-SNR loss weighting; 0 trains on the plain epsilon MSE")
    ap.add_argument("--prediction", default="epsilon", choices=["epsilon", "v_prediction"],
                    help="what the UNet learns to predict (the scheduler's prediction_type)")
    ap.add_argument("--layers-per-block", type=int, default=1,
                    help="ResNet blocks per UNet level (Stable Diffusion has 2)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    out = pathlib.Path(args.out)
    work = pathlib.Path(args.work) if args.work else out.parent / (out.name + "-work")
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()

    tokenizer = train_tokenizer(work / "tokenizer")
    log(f"tokenizer: {len(tokenizer)} tokens; '{all_prompts()[0]}' -> {tokenizer(all_prompts()[0]).input_ids}")
    images, prompts = make_dataset(args.scenes, work / f"scenes-{args.scenes}.npz")
    pixels = to_tensor(images)
    log(f"dataset: {len(pixels)} scenes")

    torch.manual_seed(args.seed)
    vae = build_vae()
    vae_path = work / "vae"
    if (vae_path / "config.json").exists():
        vae = AutoencoderKL.from_pretrained(vae_path)
        log("vae: loaded the trained VAE from the work folder")
    else:
        train_vae(vae, pixels, args.vae_steps, args.vae_batch, args.vae_lr, args.seed, work / "checkpoint-vae.pt")
        vae.save_pretrained(vae_path)
    vae.eval()
    mean, std = encode_all(vae, pixels)
    scale = 1.0 / mean.std().item()
    vae.register_to_config(scaling_factor=scale)
    with torch.no_grad():
        rec = vae.decode(mean[:256]).sample
    log(f"vae: latents {tuple(mean.shape[1:])}, scaling_factor {scale:.4f}, "
        f"reconstruction MSE {F.mse_loss(rec, pixels[:256]).item():.5f}")

    torch.manual_seed(args.seed)
    text_encoder = build_text_encoder(tokenizer)
    unet = build_unet(text_encoder.config.hidden_size, args.attention_levels,
                      [int(c) for c in args.unet_channels.split(",")], args.layers_per_block)
    log(f"unet {sum(p.numel() for p in unet.parameters())} params, text encoder "
        f"{sum(p.numel() for p in text_encoder.parameters())}, vae {sum(p.numel() for p in vae.parameters())}")
    ema_unet, ema_text = train_unet(unet, text_encoder, tokenizer, (mean * scale, std * scale), prompts,
                                    args.unet_steps, args.unet_batch, args.unet_lr, args.seed,
                                    work / "checkpoint-unet.pt",
                                    lambda u, t: save_pipeline(out, vae, u, t, tokenizer, args.prediction),
                                    args.min_snr, args.prediction)
    save_pipeline(out, vae, ema_unet, ema_text, tokenizer, args.prediction)
    log(f"saved {out} after {(time.time() - started) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
