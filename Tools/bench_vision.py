#!/usr/bin/env python3
"""GenKit's image encoders against PyTorch + transformers on the same shapes, in the same run.

ViT-B/16 at 224 and CLIP ViT-L/14 at 336 (random weights, batch 1, float32, 2 threads each; then both stored and
computed in bf16, GenKit with MatmulPrecision.bfloat16), plus decoding and
preprocessing a 12-megapixel JPEG (PIL + the PIL-backend CLIP processor vs our decoder + processor).
Prints a table of median times and ratios (ours / PyTorch: below 1 means we are faster).

    $(Tools/setup_venv.sh)/bin/python Tools/bench_vision.py
"""
import io

import numpy as np
import torch
from benchlib import print_table, run_swift_benchmarks, time_ms
from PIL import Image
from transformers import CLIPVisionConfig, CLIPVisionModel, ViTConfig, ViTModel
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil


def peers():
    torch.set_num_threads(2)
    results = {}
    with torch.inference_mode():
        vit = ViTModel(ViTConfig(), add_pooling_layer=True).eval()
        x = torch.full((1, 3, 224, 224), 0.25)
        results["ViT-B/16 224 forward"] = time_ms(lambda: vit(pixel_values=x))
        del vit
        clip = CLIPVisionModel(CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
                                                num_attention_heads=16, image_size=336, patch_size=14)).eval()
        x = torch.full((1, 3, 336, 336), 0.25)
        results["CLIP ViT-L/14 336 forward"] = time_ms(lambda: clip(pixel_values=x, output_hidden_states=True), repeats=3)
        # The same models stored and computed in bf16, against GenKit's bf16 weights in bf16 compute.
        clip = clip.to(torch.bfloat16)
        x = x.to(torch.bfloat16)
        results["CLIP ViT-L/14 336 forward, bf16"] = time_ms(lambda: clip(pixel_values=x, output_hidden_states=True),
                                                              repeats=3)
        del clip
        vit = ViTModel(ViTConfig(), add_pooling_layer=True).to(torch.bfloat16).eval()
        x = torch.full((1, 3, 224, 224), 0.25, dtype=torch.bfloat16)
        results["ViT-B/16 224 forward, bf16"] = time_ms(lambda: vit(pixel_values=x))
        del vit
    jpeg = large_jpeg()
    processor = CLIPImageProcessorPil(size={"shortest_edge": 336}, crop_size={"height": 336, "width": 336})
    results["12MP JPEG decode + CLIP preprocess"] = time_ms(
        lambda: processor(images=Image.open(io.BytesIO(jpeg)).convert("RGB"), return_tensors="np"))
    return results


def large_jpeg():
    """A 4000×3000 JPEG made as the Swift benchmark makes it: astronaut.jpg upscaled (bicubic), quality 90."""
    from benchlib import ROOT
    photo = Image.open(ROOT / "Tests/GenCoreTests/Fixtures/Images/astronaut.jpg").convert("RGB")
    buffer = io.BytesIO()
    photo.resize((4000, 3000), Image.BICUBIC).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def main():
    ours = run_swift_benchmarks("VisionEncoderBenchmarks")
    theirs = peers()
    print_table([(name, ours.get(name, 0), theirs[name]) for name in theirs])


if __name__ == "__main__":
    main()
