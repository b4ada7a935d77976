#!/usr/bin/env bash
# The project's test command (README, CI): installs missing system libraries, builds, runs every test,
# then runs the benchmark suite in its quick setting so a benchmark that stops building or running fails too.
set -euo pipefail
cd "$(dirname "$0")/.."

./Tools/install_system_libraries.sh

swift build --build-tests
swift test --skip-build

# Quick benchmark pass: every benchmark builds (release) and runs a single short iteration.
GENKIT_BENCH_QUICK=1 swift package --allow-writing-to-package-directory benchmark --no-progress --quiet
