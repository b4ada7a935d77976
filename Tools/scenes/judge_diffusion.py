#!/usr/bin/env python3
"""Judges a text-to-image model on 50 held-out shapes prompts with pixel statistics.

    python Tools/scenes/judge_diffusion.py --model DIR [--steps 25 --guidance 7.5] [--save DIR] [--verbose]
    python Tools/scenes/judge_diffusion.py --genkit DIR [--steps 25 --guidance 7.5] [--save DIR] [--verbose]
    python Tools/scenes/judge_diffusion.py --images DIR [--verbose]     # PNGs named 000.png … 049.png
    python Tools/scenes/judge_diffusion.py --ground-truth [--verbose]    # validates the judge itself

Prompts are seeds 0..49 of the held-out stream of diffusion_scenes.py ("a red circle on the left"). With --model
the images come from diffusers' StableDiffusionPipeline (generator seeded with the prompt index, the folder's
scheduler); with --images they come from another implementation (e.g. GenKit's `diffuse` example) and are judged
the same way; --genkit runs GenKit's `diffuse` example (release build) with the same prompts, seeds and settings.

The judge: every pixel is classified as the nearest of the 8 palette colours or of its row's background (the row
median: one shape never covers half a row). The largest same-colour connected blob of palette pixels is "the
object": the colour is right when that blob has the asked colour and a plausible size; the shape comes from how
the blob fills its bounding box and how its width changes from top to bottom (shape_of); the position is the third
of the image holding the blob's centroid. "both" (colour and shape right) is the figure the model is held to.
On the ground-truth scenes the judge scores 100%, and still ≥ 99% after a Gaussian blur of radius 1.5.
"""
import argparse
import pathlib
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import diffusion_scenes as ds  # noqa: E402

PALETTE_NAMES = list(ds.COLORS)
PALETTE = np.array([ds.COLORS[c] for c in PALETTE_NAMES], dtype=np.float64)
MIN_AREA, MAX_AREA = 40, 600  # drawn shapes cover ~85 (r=6 triangle) to 361 (r=9 square) pixels


def components(mask):
    """Connected components (4-neighbour) of a boolean mask as a label image and sizes."""
    labels = np.zeros(mask.shape, dtype=np.int32)
    sizes = [0]
    h, w = mask.shape
    for y0 in range(h):
        for x0 in range(w):
            if not mask[y0, x0] or labels[y0, x0]:
                continue
            label = len(sizes)
            labels[y0, x0] = label
            stack, size = [(y0, x0)], 0
            while stack:
                y, x = stack.pop()
                size += 1
                for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not labels[ny, nx]:
                        labels[ny, nx] = label
                        stack.append((ny, nx))
            sizes.append(size)
    return labels, sizes


def shape_of(blob):
    """circle, square, triangle or diamond from the blob's fill of its bounding box and its row widths.

    Drawn shapes fill their box by ~1 (square), ~0.785 (circle), ~0.5 (triangle, diamond); a triangle is narrow at
    the top and widest at the bottom, a diamond narrow at both ends. Thresholds leave room for the blur of a
    generated image (checked on Gaussian-blurred ground truth).
    """
    ys, xs = np.nonzero(blob)
    box = blob[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    fill = box.mean()
    widths = box.sum(axis=1) / box.sum(axis=1).max()
    third = max(1, len(widths) // 3)
    top, bottom = widths[:third].mean(), widths[-third:].mean()
    if bottom - top > 0.35:
        return "triangle"
    if fill >= 0.88:
        return "square"
    if fill + top >= 1.2:
        return "circle"
    return "diamond"


def judge(image):
    """(colour, shape, position) seen in an RGB image, or (None, None, None) when there is no plausible object."""
    pixels = np.asarray(image.convert("RGB").resize((ds.SIZE, ds.SIZE), Image.BILINEAR), dtype=np.float64)
    background = np.median(pixels, axis=1, keepdims=True)  # (H, 1, 3)
    d_bg = np.linalg.norm(pixels - background, axis=-1)
    d_pal = np.linalg.norm(pixels[:, :, None, :] - PALETTE[None, None], axis=-1)  # (H, W, 8)
    nearest = d_pal.argmin(-1)
    is_object = d_pal.min(-1) < d_bg
    best = None
    for k in range(len(PALETTE_NAMES)):
        labels, sizes = components(is_object & (nearest == k))
        if len(sizes) > 1:
            label = int(np.argmax(sizes[1:])) + 1
            if best is None or sizes[label] > best[0]:
                best = (sizes[label], k, labels == label)
    if best is None or not MIN_AREA <= best[0] <= MAX_AREA:
        return None, None, None
    _, k, blob = best
    centroid_x = np.nonzero(blob)[1].mean()
    position = ds.POSITIONS[min(2, int(centroid_x * 3 // ds.SIZE))]
    return PALETTE_NAMES[k], shape_of(blob), position


def load_images(directory, n):
    images = []
    for i in range(n):
        for name in (f"{i:03d}.png", f"{i}.png"):
            path = pathlib.Path(directory) / name
            if path.exists():
                images.append(Image.open(path))
                break
        else:
            raise SystemExit(f"missing image for prompt {i} in {directory} (expected {i:03d}.png)")
    return images


def generate(model, prompts, steps, guidance, batch):
    import torch
    from diffusers import StableDiffusionPipeline
    torch.set_num_threads(2)
    pipe = StableDiffusionPipeline.from_pretrained(model, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    images = []
    for start in range(0, len(prompts), batch):
        chunk = list(range(start, min(start + batch, len(prompts))))
        generators = [torch.Generator().manual_seed(i) for i in chunk]
        out = pipe([prompts[i] for i in chunk], num_inference_steps=steps, guidance_scale=guidance,
                   generator=generators, height=ds.SIZE, width=ds.SIZE)
        images.extend(out.images)
    return images


def score(images, targets, verbose=False):
    counts = {"colour": 0, "shape": 0, "both": 0, "position": 0, "all": 0}
    for i, (image, (prompt, (color, shape, position))) in enumerate(zip(images, targets)):
        seen = judge(image)
        ok_c, ok_s, ok_p = seen[0] == color, seen[1] == shape, seen[2] == position
        counts["colour"] += ok_c
        counts["shape"] += ok_s
        counts["both"] += ok_c and ok_s
        counts["position"] += ok_p
        counts["all"] += ok_c and ok_s and ok_p
        if verbose:
            verdict = "ok " if ok_c and ok_s else "BAD"
            print(f"{i:3d} {verdict} asked: {prompt:32s} seen: {seen[0]} {seen[1]} {seen[2]}")
    n = len(targets)
    return {k: v / n for k, v in counts.items()}


def generate_genkit(model, prompts, steps, guidance):
    """GenKit's `diffuse` example, one process per prompt, seeded with the prompt index as diffusers is here."""
    import subprocess
    import tempfile
    root = pathlib.Path(__file__).resolve().parents[2]
    subprocess.run(["swift", "build", "-c", "release", "--product", "diffuse"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL)
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, prompt in enumerate(prompts):
            path = pathlib.Path(tmp) / f"{i:03d}.png"
            subprocess.run([str(root / ".build" / "release" / "diffuse"), prompt, "--model", str(model),
                            "--steps", str(steps), "--guidance", str(guidance), "--seed", str(i), "-o", str(path)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            images.append(Image.open(path).convert("RGB"))
    return images


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="StableDiffusionPipeline folder to generate with (diffusers)")
    src.add_argument("--genkit", help="StableDiffusionPipeline folder to generate with (GenKit's diffuse example)")
    src.add_argument("--images", help="directory of PNGs named by prompt index (000.png …)")
    src.add_argument("--ground-truth", action="store_true", help="judge the held-out scenes themselves")
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--guidance", type=float, default=7.5, help="diffusers' and the diffuse example's default")
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--save", help="write the generated images here as 000.png …")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    targets = ds.heldout_prompts(args.n)
    if args.ground_truth:
        images = [ds.prompt_scene(i, "heldout")[0] for i in range(args.n)]
    elif args.images:
        images = load_images(args.images, args.n)
    elif args.genkit:
        images = generate_genkit(args.genkit, [p for p, _ in targets], args.steps, args.guidance)
    else:
        images = generate(args.model, [p for p, _ in targets], args.steps, args.guidance, args.batch)
    if args.save:
        out = pathlib.Path(args.save)
        out.mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(images):
            image.save(out / f"{i:03d}.png")
    result = score(images, targets, args.verbose)
    print(" ".join(f"{k}={v:.0%}" for k, v in result.items()) + f" (n={args.n})")


if __name__ == "__main__":
    main()
