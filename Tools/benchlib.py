"""Shared helpers of the Tools/bench_*.py peer comparisons: run one of our benchmark targets and read its
wall-clock results, and time a Python callable the same way (median of repeated runs after a warm-up)."""
import os
import pathlib
import re
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run_swift_benchmarks(target, env=None):
    """Runs `swift package benchmark --target TARGET` (release build) and returns {benchmark name: median ms}.

    Reads the harness's text tables: the JMH export drops benchmarks slower than one iteration per second."""
    cmd = ["swift", "package", "--allow-writing-to-package-directory", "benchmark", "--target", target,
           "--no-progress"]
    result = subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, text=True)
    return parse_text_tables(result.stdout)


UNITS_MS = {"ns": 1e-6, "μs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_text_tables(text):
    """{name: p50 wall clock in ms} from the harness's text output: each benchmark's name is the last plain line
    before its table, and the table's "Time (wall clock) (unit)" row holds p0, p25, p50, ... in that unit."""
    results, name = {}, None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "╒╞├╘═=":
            continue
        if stripped[0] != "│":
            name = stripped
            continue
        cells = [c.strip() for c in stripped.strip("│").split("│")]
        match = re.match(r"Time \(wall clock\) \((\w+)\)", cells[0])
        if name and match and len(cells) > 3:
            results[name] = float(cells[3].replace(",", "")) * UNITS_MS.get(match.group(1), 1.0)
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
