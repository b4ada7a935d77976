#!/usr/bin/env python3
"""Single-object shapes scenes with a text-to-image prompt, for the default diffusion model.

    prompt_scene(seed, split) -> (PIL.Image, prompt, (colour, shape, position))

The prompt names what is drawn, e.g. "a red circle on the left". Drawing, palette and backgrounds come from
scenes.py, so these images look like the captioning scenes with one object. The "train" and "heldout" streams are
disjoint (different seed strings), so held-out prompts/images are never trained on as the same random draw.
"""
import pathlib
import random
import sys

from PIL import ImageDraw

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import scenes  # noqa: E402

SIZE = scenes.SIZE
COLORS = scenes.COLORS
SHAPES = scenes.SHAPES
POSITIONS = scenes.POSITIONS


def prompt_for(color, shape, position):
    where = "in the middle" if position == "middle" else f"on the {position}"
    return f"a {color} {shape} {where}"


def draw_scene(rng, color, shape, position):
    """One shape of the given colour, shape and third of the image on a scenes.py background."""
    img = scenes._background(rng)
    slot = POSITIONS.index(position)
    r = rng.randint(6, 9)
    cx = slot * SIZE // 3 + SIZE // 6 + rng.randint(-2, 2)
    cy = SIZE // 2 + rng.randint(-14, 14)
    scenes._draw(ImageDraw.Draw(img), shape, COLORS[color], cx, cy, r)
    return img


def prompt_scene(seed, split="train"):
    rng = random.Random(f"diffusion-{split}:{seed}")
    color = rng.choice(list(COLORS))
    shape = rng.choice(SHAPES)
    position = rng.choice(POSITIONS)
    return draw_scene(rng, color, shape, position), prompt_for(color, shape, position), (color, shape, position)


def heldout_prompts(n=50):
    """The judged prompt list: seeds 0..n-1 of the held-out stream."""
    return [prompt_scene(i, "heldout")[1:] for i in range(n)]


if __name__ == "__main__":
    for i in range(5):
        print(prompt_scene(i, "heldout")[1])
