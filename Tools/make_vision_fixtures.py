#!/usr/bin/env python3
"""Tiny random-weight ViT / CLIP / SigLIP vision encoders and their outputs on real photos.

Writes Tests/VisionEncoderTests/Fixtures/Encoders/<name>/ with the model in Hugging Face format
(config.json + model.safetensors, as save_pretrained writes them) and expected.safetensors holding
the pixel values fed in and transformers' outputs (last_hidden_state, pooler_output, every hidden state).
Run with the reference venv: `$(Tools/setup_venv.sh)/bin/python Tools/make_vision_fixtures.py`.
"""
import pathlib

import numpy as np
import torch
from safetensors.torch import save_file
from skimage import data
from transformers import (CLIPVisionConfig, CLIPVisionModelWithProjection, SiglipVisionConfig,
                          SiglipVisionModel, ViTConfig, ViTModel)
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil
from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Tests/VisionEncoderTests/Fixtures/Encoders"
# The photo files the GenCore image tests decode (Tools/make_image_fixtures.py), used here end to end.
PHOTOS = pathlib.Path(__file__).resolve().parent.parent / "Tests/GenCoreTests/Fixtures/Images"


def photos(size):
    """The scikit-image photos, resized with PIL bicubic to size×size and normalised to [-1, 1]-ish."""
    from PIL import Image
    out = []
    for img in (data.chelsea(), data.astronaut(), data.coffee()):
        im = Image.fromarray(img).convert("RGB").resize((size, size), Image.BICUBIC)
        a = np.asarray(im, dtype=np.float32) / 255.0
        a = (a - np.array([0.5, 0.4, 0.45], np.float32)) / np.array([0.25, 0.3, 0.27], np.float32)
        out.append(a.transpose(2, 0, 1))
    return torch.from_numpy(np.stack(out))


def randomize(model, seed):
    """Random weights with a wider spread than the init (norm gains/biases too), so errors show."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    return model


def save(name, model, pixel_values, processor, with_projection=False):
    """Model + processor folder, outputs on given pixel values, and end-to-end outputs on the photo files
    (PIL decode → the PIL-backend processor → model), as a user of transformers would get them."""
    d = ROOT / name
    d.mkdir(parents=True, exist_ok=True)
    model.eval()
    model.save_pretrained(d)
    processor.save_pretrained(d)
    with torch.no_grad():
        out = model(pixel_values=pixel_values, output_hidden_states=True)
    tensors = {"pixel_values": pixel_values.contiguous()}
    if with_projection:
        tensors["last_hidden_state"] = out.last_hidden_state
        tensors["pooler_output"] = out.image_embeds
    else:
        tensors["last_hidden_state"] = out.last_hidden_state
        if out.pooler_output is not None:
            tensors["pooler_output"] = out.pooler_output
    for i, h in enumerate(out.hidden_states):
        tensors[f"hidden_states.{i}"] = h
    from PIL import Image
    for photo in ("chelsea.jpg", "astronaut.jpg", "coffee.jpg"):
        pv = processor(images=Image.open(PHOTOS / photo).convert("RGB"), return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            e2e = model(pixel_values=pv)
        tensors[f"e2e.{photo}.last_hidden_state"] = e2e.last_hidden_state
        tensors[f"e2e.{photo}.pooler_output"] = e2e.image_embeds if with_projection else e2e.pooler_output
    save_file({k: v.float().clone().contiguous() for k, v in tensors.items()}, d / "expected.safetensors")
    print(name, {k: tuple(v.shape) for k, v in tensors.items()})


def main():
    torch.manual_seed(0)
    # ViT: 40×40 images, 8×8 patches, 3 heads of 10 — none of them the defaults.
    vit = ViTModel(ViTConfig(hidden_size=30, num_hidden_layers=2, num_attention_heads=3, intermediate_size=44,
                             image_size=40, patch_size=8, layer_norm_eps=1e-12, hidden_act="gelu"))
    save("vit", randomize(vit, 1), photos(40), ViTImageProcessorPil(size={"height": 40, "width": 40}))
    # CLIP with projection: 42×42 images, 7×7 patches, 5 heads, quick_gelu.
    clip = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=40, intermediate_size=52, projection_dim=24, num_hidden_layers=3, num_attention_heads=5,
        image_size=42, patch_size=7, hidden_act="quick_gelu"))
    save("clip", randomize(clip, 2), photos(42),
         CLIPImageProcessorPil(size={"shortest_edge": 42}, crop_size={"height": 42, "width": 42}), with_projection=True)
    # SigLIP: 36×36, 6×6 patches, 3 heads, tanh-GELU, attention-pooling head.
    siglip = SiglipVisionModel(SiglipVisionConfig(
        hidden_size=36, intermediate_size=50, num_hidden_layers=2, num_attention_heads=3, image_size=36,
        patch_size=6))
    save("siglip", randomize(siglip, 3), photos(36), SiglipImageProcessorPil(size={"height": 36, "width": 36}))


if __name__ == "__main__":
    main()
