#!/usr/bin/env bash
# Release-mode timing of the Swift tokenizer against Python `tokenizers` on the same files (not a test).
# Usage: Tools/tokenizer_benchmark.sh TOKENIZER_JSON [TEXT_FILE]
# Without TEXT_FILE, a 1 MB mix of English prose and Python source is generated.
set -euo pipefail
cd "$(dirname "$0")/.."
json="$1"
text="${2:-/tmp/genkit-tokenizer-bench.txt}"
python="${PYTHON:-$HOME/.cache/genkit-reference-venv/bin/python}"
if [ ! -f "$text" ]; then
  "$python" - "$text" <<'PY'
import inspect, json, random, sys, textwrap, string, argparse, logging
rng = random.Random(7)
code = "".join(inspect.getsource(m) for m in (textwrap, string, json.decoder, argparse, logging))
words = "the of and to in is was that for it with as his on be at by had are but from not have this they".split()
out = []
while sum(map(len, out)) < 1_000_000:
    if rng.random() < 0.5:
        start = rng.randrange(len(code) - 2000)
        out.append(code[start:start + rng.randint(200, 2000)])
    else:
        out.append(" ".join(rng.choice(words) for _ in range(rng.randint(50, 300))) + ".\n")
open(sys.argv[1], "w", encoding="utf-8").write("".join(out)[:1_000_000])
PY
fi
mkdir -p .build/tokenizer-benchmark
swiftc -O -parse-as-library -module-name TokenizerBenchmark \
  Sources/TextModels/TextModelsError.swift Sources/TextModels/Tokenizers/*.swift Tools/TokenizerBenchmark/main.swift \
  -o .build/tokenizer-benchmark/tokenizer-benchmark
echo "== Swift (release)"
.build/tokenizer-benchmark/tokenizer-benchmark "$json" "$text"
echo "== Python tokenizers"
"$python" - "$json" "$text" <<'PY'
import sys, time
from tokenizers import Tokenizer
json_path, text_path = sys.argv[1], sys.argv[2]
times = []
for _ in range(5):
    t = time.process_time(); tok = Tokenizer.from_file(json_path); times.append(time.process_time() - t)
print("load: %.1f ms CPU (median of 5)" % (sorted(times)[2] * 1000))
text = open(text_path, encoding="utf-8").read()
best = 1e9
for _ in range(3):
    t = time.process_time(); ids = tok.encode(text).ids; best = min(best, time.process_time() - t)
mb = len(text.encode()) / 1e6
print("encode: %.1f ms CPU for %.2f MB (%.1f MB/s, %d tokens, best of 3)" % (best * 1000, mb, mb / best, len(ids)))
PY
