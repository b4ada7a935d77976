#!/usr/bin/env bash
# Creates (once) the reference virtual environment used by the fixture and peer-timing scripts.
# Usage: Tools/setup_venv.sh  → prints the venv path. Override the location with GENKIT_VENV.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${GENKIT_VENV:-$HOME/.cache/genkit-reference-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
fi
if ! "$venv/bin/python" -c 'import torch, transformers, diffusers, safetensors, tokenizers, PIL, skimage, gguf' 2>/dev/null; then
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi
echo "$venv"
