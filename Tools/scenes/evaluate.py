#!/usr/bin/env python3
"""Judges the bundled default models on held-out scenes, with transformers and with GenKit, side by side.

    Tools/setup_venv.sh   # once: the pinned reference environment
    ~/.cache/genkit-reference-venv/bin/python Tools/scenes/evaluate.py [--count 200]

For each of the first `--count` scenes of the held-out stream (Tools/scenes/scenes.py; never seen in training):
- the captioner's caption is compared with the scene's true caption (exact match), and
- the VQA model answers every question the scene has (count, shape, colour, position), compared with the true
  answer (exact match).
Both models run twice: in transformers (float32, greedy, the PIL-backend image processors GenKit follows) and in
GenKit, through the `caption` and `vqa` example programs built in release mode (one model load for all scenes).
The script prints the accuracies of both and every scene where GenKit's text differs from transformers'; it exits
non-zero when they differ anywhere or an accuracy is below `--min-accuracy` (0.9).

`--write-test-fixture` also records the first 10 scenes with transformers' outputs into
Tests/MultimodalTests/Fixtures/DefaultModels, which the Swift test suite checks on every run.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tools" / "scenes"))
import scenes  # noqa: E402
from transformers import (AutoTokenizer, LlavaForConditionalGeneration, LlavaProcessor,  # noqa: E402
                          VisionEncoderDecoderModel)
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil  # noqa: E402
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil  # noqa: E402
from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil  # noqa: E402

FIXTURE = ROOT / "Tests" / "MultimodalTests" / "Fixtures" / "DefaultModels"


def held_out(count):
    return [scenes.scene(i, "heldout") for i in range(count)]


def transformers_captions(folder, images, max_new_tokens):
    model = VisionEncoderDecoderModel.from_pretrained(folder, dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    processor = ViTImageProcessorPil.from_pretrained(folder)
    out = []
    with torch.no_grad():
        for img in images:
            pv = processor(images=img, return_tensors="pt")["pixel_values"]
            ids = model.generate(pixel_values=pv, do_sample=False, max_new_tokens=max_new_tokens)[0, 1:].tolist()
            out.append((ids, tok.decode(ids, skip_special_tokens=True)))
    return out


def transformers_answers(folder, jobs, max_new_tokens):
    model = LlavaForConditionalGeneration.from_pretrained(folder, dtype=torch.float32).eval()
    processor = LlavaProcessor.from_pretrained(folder)
    # The PIL backend of the folder's image processor: the one GenKit reproduces.
    backends = {"CLIPImageProcessor": CLIPImageProcessorPil, "SiglipImageProcessor": SiglipImageProcessorPil}
    pil = backends[type(processor.image_processor).__name__.removesuffix("Pil")].from_pretrained(folder)
    out = []
    with torch.no_grad():
        for img, question in jobs:
            messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
            prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
            inputs = processor(images=img, text=prompt, return_tensors="pt")
            inputs["pixel_values"] = pil(images=img, return_tensors="pt")["pixel_values"]
            n = inputs["input_ids"].shape[1]
            ids = model.generate(**inputs, do_sample=False, max_new_tokens=max_new_tokens)[0, n:].tolist()
            out.append((ids, processor.tokenizer.decode(ids, skip_special_tokens=True)))
    return out


def swift_outputs(program, args):
    subprocess.run(["swift", "build", "-c", "release", "--product", program], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    binary = ROOT / ".build" / "release" / program
    result = subprocess.run([str(binary), "--json", *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def strip_special(ids, specials):
    return [i for i in ids if i not in specials]


def compare(name, truths, reference, ours, specials, labels):
    ref_hits = sum(t == text.strip() for t, (_, text) in zip(truths, reference))
    our_hits = sum(t == o["text"].strip() for t, o in zip(truths, ours))
    mismatches = [
        (label, text, o["text"]) for label, (ids, text), o in zip(labels, reference, ours)
        if strip_special(ids, specials) != strip_special(o["token_ids"], specials) or text.strip() != o["text"].strip()
    ]
    n = len(truths)
    print(f"{name}: transformers {ref_hits}/{n} = {ref_hits / n:.1%}, GenKit {our_hits}/{n} = {our_hits / n:.1%}, "
          f"GenKit identical to transformers on {n - len(mismatches)}/{n}")
    for label, text, mine in mismatches[:20]:
        print(f"  differs on {label}: transformers {text!r}, GenKit {mine!r}")
    return our_hits / n, ref_hits / n, mismatches


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--captioner", default=str(ROOT / "Examples" / "DefaultModels" / "captioner"))
    ap.add_argument("--vqa", default=str(ROOT / "Examples" / "DefaultModels" / "vqa"))
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--min-accuracy", type=float, default=0.9)
    ap.add_argument("--max-new-tokens", type=int, default=24, help="for both implementations (captions need ~16)")
    ap.add_argument("--only", choices=["captioner", "vqa"], help="judge one of the two models")
    ap.add_argument("--write-test-fixture", action="store_true")
    args = ap.parse_args()
    if args.only and args.write_test_fixture:
        ap.error("--write-test-fixture records both models: leave out --only")
    torch.set_num_threads(2)

    data = held_out(args.count)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (img, _, _) in enumerate(data):
            path = pathlib.Path(tmp) / f"scene-{i:03d}.png"
            img.save(path)
            paths.append(str(path))

        images = [img for img, _, _ in data]
        truths = [cap for _, cap, _ in data]
        specials = set(AutoTokenizer.from_pretrained(args.captioner).all_special_ids)
        if args.only != "vqa":
            reference = transformers_captions(args.captioner, images, args.max_new_tokens)
            ours = swift_outputs("caption", ["--model", args.captioner, "--max-new-tokens", str(args.max_new_tokens),
                                             *paths])
            acc, ref_acc, diffs = compare("captions", truths, reference, ours, specials,
                                          [f"scene {i}" for i in range(len(data))])
            failed |= acc < args.min_accuracy or ref_acc < args.min_accuracy or bool(diffs)
        if args.only == "captioner":
            sys.exit(1 if failed else 0)

        jobs, answers, labels, scene_of_job = [], [], [], []
        batch = pathlib.Path(tmp) / "questions.jsonl"
        with batch.open("w") as f:
            for i, (img, _, qa) in enumerate(data):
                for q, a in qa:
                    jobs.append((img, q))
                    answers.append(a)
                    labels.append(f"scene {i} {q!r}")
                    scene_of_job.append(i)
                    f.write(json.dumps({"image": paths[i], "question": q}) + "\n")
        vqa_reference = transformers_answers(args.vqa, jobs, args.max_new_tokens)
        vqa_ours = swift_outputs("vqa", ["--model", args.vqa, "--max-new-tokens", str(args.max_new_tokens), "--batch", str(batch)])
        acc, ref_acc, diffs = compare("answers", answers, vqa_reference, vqa_ours,
                                      set(AutoTokenizer.from_pretrained(args.vqa).all_special_ids), labels)
        by_kind = {}
        for (_, question), truth, mine in zip(jobs, answers, vqa_ours):
            kind = " ".join(question.split()[:3]) if question.startswith("what") else " ".join(question.split()[:2])
            hits = by_kind.setdefault(kind, [0, 0])
            hits[0] += truth == mine["text"].strip()
            hits[1] += 1
        print("  GenKit by question: " + ", ".join(f"{k} … {h[0]}/{h[1]}" for k, h in sorted(by_kind.items())))
        failed |= acc < args.min_accuracy or ref_acc < args.min_accuracy or bool(diffs)

        if args.write_test_fixture:
            FIXTURE.mkdir(parents=True, exist_ok=True)
            cases = []
            for i in range(min(10, len(data))):
                data[i][0].save(FIXTURE / f"scene-{i:03d}.png")
                questions = [{"question": jobs[j][1], "answer": answers[j], "expected": vqa_reference[j][1].strip()}
                             for j in range(len(jobs)) if scene_of_job[j] == i]
                cases.append({"image": f"scene-{i:03d}.png", "caption": data[i][1],
                              "expected_caption": reference[i][1].strip(), "questions": questions})
            (FIXTURE / "expected.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")
            print("wrote", FIXTURE)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
