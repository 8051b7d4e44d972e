#!/usr/bin/env bash
# Installs what Skiff needs on a Debian/Ubuntu machine (QEMU, a C compiler
# for the examples, PHP for the PHP example), then builds Skiff.
# Usage: bash scripts/setup.sh [extra Debian packages...]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v php >/dev/null || need+=(php-cli)
need+=("$@")
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: apt-get install ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi

npm ci --no-audit --no-fund
npm run build
echo "setup: done"
