#!/usr/bin/env bash
# The project's test command (README, CI): installs missing system libraries, builds, runs every test,
# then runs the benchmark suite in its quick setting so a benchmark that stops building or running fails too.
set -euo pipefail
cd "$(dirname "$0")/.."

# System libraries the package links (libjpeg-turbo, libpng) and pkg-config, which SwiftPM uses to find them.
missing=()
if command -v dpkg >/dev/null 2>&1; then
  for pkg in libjpeg-dev libpng-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
  fi
fi

swift build --build-tests
swift test --skip-build

# Quick benchmark pass: every benchmark builds (release) and runs a single short iteration.
GENKIT_BENCH_QUICK=1 swift package --allow-writing-to-package-directory benchmark --no-progress --quiet
