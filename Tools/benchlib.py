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
    """Runs `swift package benchmark --target TARGET` (release build) and returns {benchmark name: median ms}."""
    with tempfile.TemporaryDirectory() as out:
        cmd = ["swift", "package", "--allow-writing-to-package-directory", "benchmark", "--target", target,
               "--format", "jmh", "--path", out, "--no-progress", "--quiet"]
        subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, **(env or {})})
        results = {}
        for path in glob.glob(os.path.join(out, "**", "*.json"), recursive=True):
            for entry in json.load(open(path)):
                # "….TARGET.Name_with_spaces_as_underscores" (names may hold dots, e.g. "1.1B").
                name = entry["benchmark"].split(target + ".", 1)[-1].replace("_", " ")
                metric = entry["primaryMetric"]
                # The JMH export needs the throughput metric and then makes it the primary one; use wall clock.
                if metric["scoreUnit"].startswith("#"):
                    metric = entry.get("secondaryMetrics", {}).get("Time (wall clock)", metric)
                score, unit = metric["scorePercentiles"].get("50.0", metric["score"]), metric["scoreUnit"]
                scale = {"ns": 1e-6, "us": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1e3}.get(unit.split("/")[0], 1.0)
                results[name] = score * scale
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
