#!/usr/bin/env python3
"""GenKit's tokenizer against Python `tokenizers` on the same files, in the same run.

Benchmarks/TextModelsBenchmarks writes a 150k-entry byte-level BPE tokenizer.json and 1 MB of English prose mixed
with Swift source into the temporary folder (deterministically); this script runs that target (release), then
times `tokenizers` loading the same file and encoding the same text, and prints medians and ratios.

    ~/.cache/genkit-reference-venv/bin/python Tools/bench_tokenizer.py
"""
import os
import tempfile

from benchlib import print_table, run_swift_benchmarks, time_ms
from tokenizers import Tokenizer


def main():
    ours = run_swift_benchmarks("TextModelsBenchmarks", env={"GENKIT_BENCH_ONLY": "Tokenizer"})
    folder = tempfile.gettempdir()
    json_path = os.path.join(folder, "genkit-bench-tokenizer-150k.json")
    text = open(os.path.join(folder, "genkit-bench-text-1mb.txt"), encoding="utf-8").read()
    theirs = {"Tokenizer load 150k BPE": time_ms(lambda: Tokenizer.from_file(json_path))}
    tokenizer = Tokenizer.from_file(json_path)
    theirs["Tokenizer encode 1 MB"] = time_ms(lambda: tokenizer.encode(text), repeats=5)
    print_table([(name, ours.get(name, 0), theirs[name]) for name in theirs],
                header=("benchmark", "GenKit ms", "tokenizers ms", "ratio (ours/peer)"))
    mb = len(text.encode()) / 1e6
    name = "Tokenizer encode 1 MB"
    if ours.get(name):
        print(f"\nencode: GenKit {mb / ours[name] * 1e3:.1f} MB/s, tokenizers {mb / theirs[name] * 1e3:.1f} MB/s, "
              f"{len(tokenizer.encode(text).ids)} tokens")


if __name__ == "__main__":
    main()
