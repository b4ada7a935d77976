#!/usr/bin/env python3
"""Deterministic synthetic "shapes" scenes with captions and question/answer pairs.

Each scene has 1–3 shapes (circle, square, triangle, diamond) in distinct colours, in distinct thirds of the
image (left, middle, right), on a varied background. Captions and answers are derived from the scene alone,
so a model trained on them can be judged by exact match.

    scene(seed) -> (PIL.Image, caption, [(question, answer), ...])

Splits: training uses seeds 0..N-1 of the "train" stream, held-out scenes come from a disjoint "heldout" stream.
"""
import random

from PIL import Image, ImageDraw

SIZE = 64
COLORS = {
    "red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 220), "yellow": (235, 210, 40),
    "purple": (140, 60, 180), "orange": (245, 140, 30), "white": (245, 245, 245), "black": (20, 20, 20),
}
SHAPES = ["circle", "square", "triangle", "diamond"]
POSITIONS = ["left", "middle", "right"]
COUNT_WORDS = {1: "one", 2: "two", 3: "three"}


def _background(rng):
    """A muted colour, sometimes a vertical gradient, with light noise."""
    import numpy as np
    base = np.array([rng.randint(90, 170) for _ in range(3)], dtype=np.float64)
    top = np.array([min(255, c + rng.randint(-30, 30)) for c in base], dtype=np.float64)
    t = np.linspace(0, 1, SIZE)[:, None, None] if rng.random() < 0.5 else np.zeros((SIZE, 1, 1))
    rows = (top * (1 - t) + base * t).astype(np.int64)
    noise = np.random.default_rng(rng.randrange(2**32)).integers(-6, 7, size=(SIZE, SIZE, 3))
    pixels = np.clip(rows + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(np.broadcast_to(pixels, (SIZE, SIZE, 3))), "RGB")


def _draw(draw, shape, color, cx, cy, r):
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=color)
    elif shape == "square":
        draw.rectangle([cx - r, cy - r, cx + r, cy + r], fill=color)
    elif shape == "triangle":
        draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=color)
    else:
        draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=color)


def _a(words):
    return ("an " if words[0] in "aeiou" else "a ") + words


def scene(seed, split="train"):
    rng = random.Random(f"{split}:{seed}")
    n = rng.choice([1, 1, 2, 2, 3])
    positions = sorted(rng.sample(range(3), n))
    colors = rng.sample(list(COLORS), n)
    shapes = [rng.choice(SHAPES) for _ in range(n)]
    img = _background(rng)
    draw = ImageDraw.Draw(img)
    objects = []
    for slot, color, shape in zip(positions, colors, shapes):
        r = rng.randint(6, 9)
        cx = slot * SIZE // 3 + SIZE // 6 + rng.randint(-2, 2)
        cy = SIZE // 2 + rng.randint(-14, 14)
        _draw(draw, shape, COLORS[color], cx, cy, r)
        objects.append((color, shape, POSITIONS[slot]))

    # Caption: objects left to right; a single object also says where it is.
    phrases = [_a(f"{c} {s}") for c, s, _ in objects]
    if n == 1:
        caption = f"{phrases[0]} on the {objects[0][2]}"
    elif n == 2:
        caption = f"{phrases[0]} and {phrases[1]}"
    else:
        caption = f"{phrases[0]}, {phrases[1]} and {phrases[2]}"

    qa = [("how many shapes are there?", COUNT_WORDS[n])]
    for c, s, p in objects:
        qa.append((f"what shape is the {c} object?", s))
        qa.append((f"where is the {c} {s}?", p))
        if sum(1 for _, s2, _ in objects if s2 == s) == 1:
            qa.append((f"what color is the {s}?", c))
    for p in POSITIONS:
        there = [o for o in objects if o[2] == p]
        if there:
            qa.append((f"what color is the shape on the {p}?", there[0][0]))
    return img, caption, qa


if __name__ == "__main__":
    for i in range(5):
        _, cap, qa = scene(i, "heldout")
        print(cap, qa[:3])
