#!/usr/bin/env bash
# The README's first command: caption a bundled held-out scene and answer questions about it with the bundled
# default models (Examples/DefaultModels; trained by Tools/scenes/train.py, scored by Tools/scenes/evaluate.py).
# Installs missing system libraries, builds the examples in release, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
./Tools/install_system_libraries.sh

swift build -c release --product caption
swift build -c release --product vqa

# Held-out scene 0 of Tools/scenes/scenes.py (never seen in training): "a black square on the left".
image=Examples/DefaultModels/heldout-scene.png
echo "== caption $image"
.build/release/caption "$image"
for question in "how many shapes are there?" "what shape is the black object?" "where is the black square?"; do
  echo "== vqa: $question"
  .build/release/vqa "$image" --question "$question"
done
echo "== the same as JSON (token ids and timings)"
.build/release/vqa "$image" --question "how many shapes are there?" --json
