#!/usr/bin/env bash
# Builds llama.cpp's `llama-bench` (once) so Tools/bench_llm.py can time llama.cpp in the same run as GenKit.
# GitHub is not reachable on our machines but PyPI is, and llama-cpp-python's source distribution vendors the full
# llama.cpp tree, so the pinned sdist is the source. Built as llama.cpp's own docs build it for the CPU: Release,
# GGML_NATIVE (-march=native), OpenMP.
# Usage: Tools/build_llamacpp.sh  → prints the llama-bench path. Override the location with GENKIT_LLAMACPP_DIR.
set -euo pipefail
version=0.3.36   # llama-cpp-python release; its vendor/llama.cpp is ggml commit 0c1e570
dir="${GENKIT_LLAMACPP_DIR:-$HOME/.cache/genkit-llamacpp}"
src="$dir/llama_cpp_python-$version/vendor/llama.cpp"
bench="$src/build/bin/llama-bench"
if [ ! -x "$bench" ]; then
  if ! command -v cmake >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq cmake g++ >&2
  fi
  mkdir -p "$dir"
  if [ ! -d "$src" ]; then
    url=$(python3 -c "import json, urllib.request
d = json.load(urllib.request.urlopen('https://pypi.org/pypi/llama-cpp-python/$version/json'))
print(next(u['url'] for u in d['urls'] if u['packagetype'] == 'sdist'))")
    python3 -c "import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])" "$url" "$dir/sdist.tar.gz"
    tar -xzf "$dir/sdist.tar.gz" -C "$dir"
    rm "$dir/sdist.tar.gz"
  fi
  cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF -DBUILD_SHARED_LIBS=OFF >&2
  cmake --build "$src/build" --target llama-bench -j "$(nproc)" >&2
fi
echo "$bench"
