#!/usr/bin/env bash
# From a fresh clone: install the tools, build Skiff, compile the hello
# example and boot it as a Nanos unikernel under QEMU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
gcc -static -O2 -o examples/hello-c/hello examples/hello-c/hello.c
exec ./bin/skiff.js run examples/hello-c/hello -c examples/hello-c/config.json
