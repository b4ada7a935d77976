"""Shared helpers of the Tools/bench_*.py peer comparisons: run one of our benchmark targets and read its
wall-clock results, and time a Python callable the same way (median of repeated runs after a warm-up)."""
import glob
import json
import os
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run_swift_benchmarks(target, env=None):
    """Runs `swift package benchmark --target TARGET` (release build) and returns {benchmark name: median ms}.
    The target's benchmarks must record `.throughput` (the JMH export requires it) and `.wallClock`."""
    with tempfile.TemporaryDirectory() as out:
        cmd = ["swift", "package", "--allow-writing-to-package-directory", "benchmark", "--target", target,
               "--format", "jmh", "--path", out, "--no-progress", "--quiet"]
        subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, **(env or {})})
        results = {}
        for path in glob.glob(os.path.join(out, "**", "*.json"), recursive=True):
            for entry in json.load(open(path)):
                # JMH export: throughput is the primary metric; wall clock (μs) is a secondary one.
                # "package.benchmark.<Target>.<name with spaces as underscores>"
                name = entry["benchmark"].split(f"{target}.", 1)[-1].replace("_", " ")
                wall = next((m for key, m in entry.get("secondaryMetrics", {}).items() if "wall clock" in key.lower()), None)
                if wall is not None:
                    results[name] = wall["scorePercentiles"]["50.0"] / 1e3
        return results


def time_ms(fn, repeats=5, warmup=1):
    """Median wall-clock milliseconds of fn() over `repeats` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    samples.sort()
    return samples[len(samples) // 2]


def print_table(rows, header=("benchmark", "GenKit ms", "PyTorch ms", "ratio (ours/peer)")):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, ours, peer in rows:
        ratio = f"{ours / peer:.2f}×" if ours and peer else "n/a"
        print(f"| {name} | {ours:.1f} | {peer:.1f} | {ratio} |")
