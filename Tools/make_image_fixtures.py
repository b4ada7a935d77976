#!/usr/bin/env python3
"""Writes the image-codec fixtures under Tests/GenCoreTests/Fixtures/Images/.

Sources are scikit-image's bundled photos (chelsea, astronaut, coffee). Encoded variants are written with PIL,
or with the small PNG writer below where PIL cannot write the format (16-bit RGB/RGBA/LA, 2/4-bit gray, Adam7).

The reference for every file is what transformers' `load_image` sees: `PIL.Image.open` → `ImageOps.exif_transpose`
→ `convert(...)`. `manifest.json` records, per file, the geometry and SHA-256 + per-channel sums of
  * "natural": the pixels in the channel layout `Image.decode` returns (see NATURAL below), and
  * "rgb": the pixels after `convert("RGB")` (what `Image.converted(toChannels: 3)` must give), and
  * "gray": the pixels after `convert("L")` (`Image.converted(toChannels: 1)`).
A few small files also get their natural pixels stored raw (`<name>.raw`) so a failing test can say where it differs.

Run: ~/.cache/genkit-reference-venv/bin/python Tools/make_image_fixtures.py
"""
import hashlib
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image, ImageOps

OUT = Path(__file__).resolve().parent.parent / "Tests" / "GenCoreTests" / "Fixtures" / "Images"

# PIL mode after exif_transpose → PIL mode whose pixels `Image.decode` returns (1–4 interleaved 8-bit channels).
NATURAL = {"1": "L", "L": "L", "I;16": "L", "LA": "LA", "RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB"}


def photo(name, width=None):
    im = Image.fromarray(getattr(skimage.data, name)())
    if width is not None:
        height = round(im.height * width / im.width)
        im = im.resize((width, height), Image.Resampling.LANCZOS)
    return im


# MARK: minimal PNG writer for layouts PIL does not write


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pack_rows(a, bit_depth):
    """a: (h, w, c) array of sample values → list of packed scanlines (no filter byte)."""
    h, w, c = a.shape
    rows = []
    for y in range(h):
        if bit_depth == 16:
            rows.append(a[y].astype(">u2").tobytes())
        elif bit_depth == 8:
            rows.append(a[y].astype(np.uint8).tobytes())
        else:
            assert c == 1
            per = 8 // bit_depth
            vals = list(a[y, :, 0]) + [0] * ((-w) % per)
            out = bytearray()
            for i in range(0, len(vals), per):
                byte = 0
                for v in vals[i:i + per]:
                    byte = (byte << bit_depth) | int(v)
                out.append(byte)
            rows.append(bytes(out))
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, a, bit_depth, color_type, interlace=False):
    """Writes `a` (h, w, c) with filter type 0 on every row, optionally Adam7-interlaced."""
    h, w, _ = a.shape
    raw = bytearray()
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = a[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            for row in pack_rows(sub, bit_depth):
                raw += b"\x00" + row
    else:
        for row in pack_rows(a, bit_depth):
            raw += b"\x00" + row
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    data += png_chunk(b"IEND", b"")
    path.write_bytes(data)


# MARK: fixtures


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def as_ycck(jpeg):
    """PIL cannot write YCCK; setting the Adobe APP14 transform flag of a CMYK JPEG to 2 makes decoders read its
    components as YCCK, which gives a valid YCCK file (with other colours) that PIL decodes as the reference."""
    at = jpeg.index(b"\xff\xeeAdobe"[:2] + b"\x00\x0eAdobe")
    data = bytearray(jpeg)
    data[at + 4 + 11] = 2  # segment payload: "Adobe", version, flags0, flags1, transform
    return bytes(data)


def make_files():
    files = []  # (file name, note)

    def save(im, name, note, **kw):
        im.save(OUT / name, **kw)
        files.append((name, note))

    chelsea, astronaut, coffee = photo("chelsea"), photo("astronaut"), photo("coffee")
    # Full-size photos: later image-processor tests resize these exactly like transformers does.
    save(chelsea, "chelsea.jpg", "full-size baseline q90 4:2:0", quality=90)
    save(astronaut, "astronaut.jpg", "full-size baseline q90 4:2:0", quality=90)
    save(coffee, "coffee.jpg", "full-size baseline q90 4:2:0", quality=90)
    save(astronaut, "astronaut.png", "full-size RGB PNG")

    small = photo("coffee", 161)  # odd sizes exercise the partial MCUs and upsampling edges
    save(small, "coffee_progressive.jpg", "progressive q85", quality=85, progressive=True)
    save(small, "coffee_444.jpg", "4:4:4 q90", quality=90, subsampling=0)
    save(small, "coffee_422.jpg", "4:2:2 q90", quality=90, subsampling=1)
    save(small, "coffee_420.jpg", "4:2:0 q90", quality=90, subsampling=2)
    save(photo("chelsea", 150).convert("L"), "chelsea_gray.jpg", "grayscale q90", quality=90)
    save(photo("astronaut", 128).convert("CMYK"), "astronaut_cmyk.jpg", "Adobe (inverted) CMYK q90", quality=90)
    save(small, "coffee_optimized_restart.jpg", "optimized Huffman tables, restart marker every MCU row",
         quality=90, optimize=True, restart_marker_rows=1)
    cmyk = OUT / "astronaut_cmyk.jpg"
    (OUT / "astronaut_ycck.jpg").write_bytes(as_ycck(cmyk.read_bytes()))
    files.append(("astronaut_ycck.jpg", "YCCK (the CMYK file relabelled via its Adobe transform flag)"))
    tiny = photo("chelsea", 61)  # 61×41: transposes of a non-square, odd-sized image
    for orientation in range(2, 9):
        save(tiny, f"chelsea_exif{orientation}.jpg", f"EXIF orientation {orientation}", quality=92,
             exif=exif_with_orientation(orientation))
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
    save(tiny, "chelsea_xmp6.jpg", "XMP tiff:Orientation 6, no EXIF", quality=92, xmp=xmp)

    p = photo("chelsea", 120)
    h, w = p.height, p.width
    alpha = Image.fromarray(((np.add.outer(np.arange(h), np.arange(w)) * 255) // (h + w - 2)).astype(np.uint8))
    rgba = p.copy()
    rgba.putalpha(alpha)
    save(p, "chelsea_rgb.png", "RGB 8-bit")
    save(rgba, "chelsea_rgba.png", "RGBA 8-bit")
    gray = p.convert("L")
    save(gray, "chelsea_gray.png", "gray 8-bit")
    save(photo("chelsea", 61), "chelsea_exif6.png", "RGB with eXIf orientation 6", exif=exif_with_orientation(6))
    la = gray.copy()
    la.putalpha(alpha)
    save(la, "chelsea_la.png", "gray+alpha 8-bit")
    save(p.convert("1"), "chelsea_1bit.png", "1-bit gray (dithered)")
    pal = photo("coffee", 100).quantize(64)
    trns = bytes(0 if i % 7 == 0 else 255 - i for i in range(64))
    save(pal, "coffee_palette_trns.png", "palette 64 colours with tRNS", transparency=trns)
    save(photo("coffee", 100).quantize(12), "coffee_palette4.png", "palette 12 colours, 4-bit", bits=4)

    rng = np.random.default_rng(1234)
    a8 = np.asarray(p)
    a16 = a8.astype(np.uint16) * 257 + rng.integers(0, 257, a8.shape).astype(np.uint16) % 257
    write_png(OUT / "chelsea_rgb16.png", a16, 16, 2)
    files.append(("chelsea_rgb16.png", "RGB 16-bit"))
    alpha16 = np.asarray(alpha).astype(np.uint16)[..., None] * 257
    write_png(OUT / "chelsea_rgba16.png", np.concatenate([a16, alpha16], axis=2), 16, 6)
    files.append(("chelsea_rgba16.png", "RGBA 16-bit"))
    g16 = np.asarray(gray).astype(np.uint16)[..., None] * 4  # 0…1020: PIL clips above 255
    write_png(OUT / "chelsea_gray16.png", g16, 16, 0)
    files.append(("chelsea_gray16.png", "gray 16-bit, values 0…1020 (PIL clips to 255)"))
    write_png(OUT / "chelsea_la16.png", np.concatenate([np.asarray(gray)[..., None].astype(np.uint16) * 257, alpha16],
                                                      axis=2), 16, 4)
    files.append(("chelsea_la16.png", "gray+alpha 16-bit"))
    g = np.asarray(gray)[..., None]
    write_png(OUT / "chelsea_gray2.png", g >> 6, 2, 0)
    files.append(("chelsea_gray2.png", "gray 2-bit"))
    write_png(OUT / "chelsea_gray4.png", g >> 4, 4, 0)
    files.append(("chelsea_gray4.png", "gray 4-bit"))
    write_png(OUT / "chelsea_rgb_interlaced.png", a8, 8, 2, interlace=True)
    files.append(("chelsea_rgb_interlaced.png", "RGB 8-bit Adam7"))
    write_png(OUT / "chelsea_gray4_interlaced.png", g >> 4, 4, 0, interlace=True)
    files.append(("chelsea_gray4_interlaced.png", "gray 4-bit Adam7"))
    return files


def reference(path):
    """What transformers' load_image sees, in our natural layout, as RGB and as L."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        mode = im.mode
        if mode == "P":
            natural = im.convert("RGBA" if "transparency" in im.info else "RGB")
        elif mode == "RGBA" and path.name.endswith("la16.png"):
            natural = im.convert("LA")  # PIL widens 16-bit gray+alpha to RGBA with gray replicated
        else:
            natural = im.convert(NATURAL[mode])
        return natural, im.convert("RGB"), im.convert("L")


def describe(im):
    a = np.asarray(im)
    if a.ndim == 2:
        a = a[..., None]
    return {
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
        "channelSums": [int(a[..., c].sum(dtype=np.int64)) for c in range(a.shape[2])],
    }, a


RAW = {"chelsea_exif6.jpg", "astronaut_cmyk.jpg", "chelsea_rgb_interlaced.png"}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    entries = []
    for name, note in make_files():
        natural, rgb, gray = reference(OUT / name)
        nat, a = describe(natural)
        entry = {"file": name, "note": note, "width": natural.width, "height": natural.height,
                 "channels": a.shape[2], "natural": nat, "rgb": describe(rgb)[0], "gray": describe(gray)[0]}
        if name in RAW:
            (OUT / (name + ".raw")).write_bytes(a.tobytes())
            entry["raw"] = name + ".raw"
        entries.append(entry)
    (OUT / "manifest.json").write_text(json.dumps({
        "generator": "Tools/make_image_fixtures.py",
        "reference": "PIL.Image.open → ImageOps.exif_transpose → convert (PIL " + Image.__version__ + ")",
        "files": entries}, indent=1) + "\n")
    total = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"{len(entries)} fixtures, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
