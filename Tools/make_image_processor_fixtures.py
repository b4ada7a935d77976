#!/usr/bin/env python3
"""Writes the fixtures for Tests/VisionEncoderTests/ImageProcessor*.swift.

Reference: transformers 5.23 PIL-backend image processors (`backend="pil"`, what `use_fast=False` resolves to),
which resize with Pillow 13's `Image.resize(size, resample=...)` (no `reducing_gap`, no `box`).

For every case we store
  * the uint8 pixels after resize (+ pad-to-square / center crop), HWC interleaved, obtained by running the
    same processor with do_rescale=False and do_normalize=False;
  * a seeded random sample of 2000 positions of the final float32 `pixel_values` tensor ([1, 3, H, W]) and
    the full tensor's float64 sum and mean.
Direct `Image.resize` outputs for every Pillow filter on gray and RGB images are stored as well.
Input photos are skimage's chelsea / coffee (RGB), an RGBA astronaut (synthetic radial alpha, 256×256) and a
grayscale chelsea (150×225); their raw bytes are stored so the Swift tests need neither Python nor a decoder.

Run with the reference venv:  ~/.cache/genkit-reference-venv/bin/python Tools/make_image_processor_fixtures.py
"""

import json
import os

import numpy as np
from PIL import Image
from skimage import data
from transformers.models.blip.image_processing_pil_blip import BlipImageProcessorPil
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
from transformers.models.llava.image_processing_pil_llava import LlavaImageProcessorPil
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil
from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "VisionEncoderTests", "Fixtures", "ImageProcessors")
SAMPLES = 2000

CLASSES = {
    "CLIPImageProcessor": CLIPImageProcessorPil,
    "SiglipImageProcessor": SiglipImageProcessorPil,
    "ViTImageProcessor": ViTImageProcessorPil,
    "BlipImageProcessor": BlipImageProcessorPil,
    "LlavaImageProcessor": LlavaImageProcessorPil,
}


def make_images():
    chelsea = Image.fromarray(data.chelsea())
    coffee = Image.fromarray(data.coffee())
    astro = Image.fromarray(data.astronaut()).resize((256, 256), Image.Resampling.BICUBIC)
    yy, xx = np.mgrid[0:256, 0:256]
    radius = np.sqrt((yy - 128.0) ** 2 + (xx - 128.0) ** 2)
    alpha = np.clip(300 - radius * 2.2, 0, 255).astype(np.uint8)  # opaque centre, transparent corners
    astro_rgba = Image.fromarray(np.dstack([np.array(astro), alpha]), "RGBA")
    gray = chelsea.convert("L").resize((150, 100), Image.Resampling.BILINEAR)
    return {"chelsea": chelsea, "coffee": coffee, "astronaut_rgba": astro_rgba, "chelsea_gray": gray}


# (case name, image, config dict as it would appear in preprocessor_config.json)
CASES = [
    ("clip_default_chelsea", "chelsea", {"image_processor_type": "CLIPImageProcessor"}),
    ("clip_rgba_composite", "astronaut_rgba", {"image_processor_type": "CLIPImageProcessor"}),
    ("clip_gray_upscale", "chelsea_gray", {"image_processor_type": "CLIPImageProcessor"}),
    ("clip_crop_larger_than_image", "chelsea",
     {"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 101}, "crop_size": 131}),
    ("siglip_384", "chelsea",
     {"image_processor_type": "SiglipImageProcessor", "size": {"height": 384, "width": 384}}),
    ("vit_default_coffee", "coffee", {"image_processor_type": "ViTImageProcessor"}),
    ("vit_nearest_downscale", "coffee",
     {"image_processor_type": "ViTImageProcessor", "resample": 0, "size": {"height": 120, "width": 160}}),
    ("vit_lanczos", "chelsea", {"image_processor_type": "ViTImageProcessor", "resample": 1}),
    ("vit_bicubic_odd_size", "chelsea",
     {"image_processor_type": "ViTImageProcessor", "resample": 3, "size": {"height": 97, "width": 131}}),
    ("vit_nearest_upscale_odd", "chelsea_gray",
     {"image_processor_type": "ViTImageProcessor", "resample": 0, "do_convert_rgb": True,
      "size": {"height": 173, "width": 211}}),
    ("blip_default", "coffee", {"image_processor_type": "BlipImageProcessor"}),
    ("llava_pad_to_square", "coffee", {"image_processor_type": "LlavaImageProcessor", "do_pad": True}),
    ("clip_bilinear_vertical_first", "coffee",
     {"image_processor_type": "CLIPImageProcessor", "resample": 2, "size": {"height": 90, "width": 500},
      "do_center_crop": False}),
    ("clip_lanczos_shortest_edge_odd", "coffee",
     {"image_processor_type": "CLIPImageProcessor", "resample": 1, "size": 177, "crop_size": {"height": 150, "width": 171}}),
]


# Direct Pillow resizes (no transformers): every filter on a gray image, including the box/hamming filters
# transformers configs rarely use, and upscales where bicubic/lanczos overshoot and must clip.
# (case name, image, width, height, PIL resample code)
RESIZE_CASES = (
    [(f"pil_gray_shrink_{code}", "chelsea_gray", 61, 43, code) for code in range(6)]
    + [(f"pil_gray_upscale_{code}", "chelsea_gray", 200, 130, code) for code in (1, 3)]
    + [(f"pil_rgb_shrink_{code}", "chelsea", 90, 60, code) for code in (4, 5)]
)


def build(cls_name, config):
    kwargs = {k: v for k, v in config.items() if k != "image_processor_type"}
    return CLASSES[cls_name](**kwargs)


def main():
    os.makedirs(OUT, exist_ok=True)
    images = make_images()
    manifest = {"images": {}, "cases": []}
    for name, im in images.items():
        arr = np.array(im)
        channels = 1 if arr.ndim == 2 else arr.shape[2]
        fname = f"{name}.raw"
        arr.astype(np.uint8).tofile(os.path.join(OUT, fname))
        manifest["images"][name] = {"file": fname, "width": im.width, "height": im.height, "channels": channels}

    rng = np.random.default_rng(20261122)
    for case, image_name, config in CASES:
        im = images[image_name]
        proc = build(config["image_processor_type"], config)
        full = proc([im], return_tensors="np")["pixel_values"]
        assert full.dtype == np.float32, full.dtype
        raw_proc = build(config["image_processor_type"], {**config, "do_rescale": False, "do_normalize": False})
        pixels = raw_proc([im], return_tensors="np")["pixel_values"]
        assert pixels.dtype == np.uint8, pixels.dtype
        pixels_hwc = np.ascontiguousarray(pixels[0].transpose(1, 2, 0))
        resized_file = f"{case}.resized.raw"
        pixels_hwc.tofile(os.path.join(OUT, resized_file))

        flat = full.reshape(-1)
        idx = np.sort(rng.choice(flat.size, size=min(SAMPLES, flat.size), replace=False)).astype(np.int32)
        sample_file = f"{case}.sample.bin"
        with open(os.path.join(OUT, sample_file), "wb") as f:
            f.write(idx.astype("<i4").tobytes())
            f.write(flat[idx].astype("<f4").tobytes())
        manifest["cases"].append({
            "name": case,
            "image": image_name,
            "config": config,
            "resized_file": resized_file,
            "resized_height": int(pixels_hwc.shape[0]),
            "resized_width": int(pixels_hwc.shape[1]),
            "tensor_shape": list(full.shape),
            "sample_file": sample_file,
            "sample_count": int(idx.size),
            "sum": float(full.astype(np.float64).sum()),
            "mean": float(full.astype(np.float64).mean()),
        })
        print(case, full.shape, pixels_hwc.shape)

    manifest["resize_cases"] = []
    for case, image_name, width, height, code in RESIZE_CASES:
        out = np.array(images[image_name].resize((width, height), resample=code))
        file = f"{case}.raw"
        out.astype(np.uint8).tofile(os.path.join(OUT, file))
        manifest["resize_cases"].append(
            {"name": case, "image": image_name, "width": width, "height": height, "resample": code, "file": file})

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"total fixture bytes: {total}")


if __name__ == "__main__":
    main()
