#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what is missing, build, and run emt on the bundled JIT demo.
set -eu
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-install" ] || scripts/deps.sh
make -s
out=$(mktemp -d /tmp/emt-demo.XXXXXX)
echo "== emt -o $out -- build/demo/jit_demo"
build/emt -o "$out" -- build/demo/jit_demo
echo "== captured:"
grep '"event":"exec"' "$out/events.jsonl" | sed 's/,"regs".*//'
ls -l "$out/captures"
