#!/usr/bin/env bash
# The README's first command: caption a bundled photo and answer a question about it.
# Installs missing system libraries, builds the examples in release, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
./Tools/install_system_libraries.sh

swift build -c release --product caption
swift build -c release --product vqa

image=Tests/GenCoreTests/Fixtures/Images/chelsea.jpg
if [ -d Examples/DefaultModels/captioner ] && [ -d Examples/DefaultModels/vqa ]; then
  captioner=(); answerer=()
else
  # The trained default models are not bundled yet: run the same pipeline on the random-weight parity
  # models of the test suite, whose words are arbitrary but whose numbers match transformers'.
  echo "note: no trained default models in Examples/DefaultModels yet; using the untrained parity fixtures"
  captioner=(--model Tests/MultimodalTests/Fixtures/Models/vit-gpt2)
  answerer=(--model Tests/MultimodalTests/Fixtures/Models/llava)
fi

echo "== caption $image"
.build/release/caption "$image" "${captioner[@]}" --max-new-tokens 12
echo "== vqa $image: what animal is this?"
.build/release/vqa "$image" --question "what animal is this?" "${answerer[@]}" --max-new-tokens 12
echo "== the same as JSON (token ids and timings)"
.build/release/vqa "$image" --question "what animal is this?" "${answerer[@]}" --max-new-tokens 12 --json
