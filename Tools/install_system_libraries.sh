#!/usr/bin/env bash
# Installs the system libraries GenKit links (libjpeg-turbo, libpng) and pkg-config, if missing (Debian/Ubuntu).
set -euo pipefail
command -v dpkg >/dev/null 2>&1 || exit 0
missing=()
for pkg in libjpeg-dev libpng-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
