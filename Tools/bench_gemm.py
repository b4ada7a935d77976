#!/usr/bin/env python3
"""Compares GenKit's SGEMM with numpy's matmul (float32, numpy's bundled OpenBLAS) shape by shape.

Ours is timed by the release benchmark executable itself: run directly (not through the plugin), the
ordo-one harness runs the benchmarks matching --filter and prints "Debug results for <name>:" sections;
the best iteration is the Max of the custom "MFLOP/s" metric. numpy runs in a subprocess per measurement
with OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) set to the thread count; OPENBLAS_CORETYPE is left unset.
Measurements of the two alternate, shape by shape, over several rounds, and the best of all rounds is
reported, since a shared machine mostly adds slowdowns.

Usage (from the package root):
    swift build -c release --product GenCoreBenchmarks
    ~/.cache/genkit-reference-venv/bin/python Tools/bench_gemm.py [--rounds 3] [--threads 1 2]
"""
import argparse
import os
import re
import subprocess
import sys

SHAPES = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
          (1, 768, 3072), (1, 4096, 4096), (197, 768, 3072), (128, 2048, 8192)]

NUMPY_SNIPPET = r"""
import sys, time
import numpy as np
m, k, n, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rng = np.random.default_rng(0)
a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
a @ b  # warm-up
best, start, iterations = float("inf"), time.perf_counter(), 0
while iterations < 50 and (iterations < 2 or time.perf_counter() - start < seconds):
    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t); iterations += 1
print(2.0 * m * k * n / best / 1e9)
"""


def ours(binary, m, k, n, threads):
    name = f"SGEMM {m}x{k}x{n} t{threads}"
    out = subprocess.run([binary, "--filter", re.escape(name)], capture_output=True, text=True, check=True).stdout
    section = out.split(f"Debug results for {name}:", 1)[1]
    metric = section.split("MFLOP/s:", 1)[1]
    return float(re.search(r"#\[Max\s*=\s*([0-9.]+)", metric).group(1)) / 1000.0


def numpy_gflops(python, m, k, n, threads, seconds):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_CORETYPE", None)
    out = subprocess.run([python, "-c", NUMPY_SNIPPET, str(m), str(k), str(n), str(seconds)],
                         capture_output=True, text=True, check=True, env=env).stdout
    return float(out.strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/GenCoreBenchmarks")
    parser.add_argument("--python", default=sys.executable, help="interpreter with numpy for the reference")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=3.0, help="numpy time budget per measurement")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} not found: run `swift build -c release --product GenCoreBenchmarks` first")

    best = {}
    for r in range(args.rounds):
        for threads in args.threads:
            for (m, k, n) in SHAPES:
                key = (m, k, n, threads)
                g = ours(args.binary, m, k, n, threads)
                p = numpy_gflops(args.python, m, k, n, threads, args.seconds)
                o, q = best.get(key, (0.0, 0.0))
                best[key] = (max(o, g), max(q, p))
                print(f"round {r + 1}: {m}x{k}x{n} t{threads}: ours {g:.1f}, numpy {p:.1f}", file=sys.stderr)

    print("| M×K×N | threads | ours GFLOP/s | numpy GFLOP/s | ours / numpy |")
    print("|---|---|---|---|---|")
    for threads in args.threads:
        for (m, k, n) in SHAPES:
            o, q = best[(m, k, n, threads)]
            print(f"| {m}×{k}×{n} | {threads} | {o:.1f} | {q:.1f} | {o / q:.2f} |")


if __name__ == "__main__":
    main()
