#!/usr/bin/env bash
# Build native/wasm/fused.wasm from native/fused_kernels.c (clang + wasm-ld: Debian's clang and lld).
# The module is committed, so users need no compiler; test/engine/wasm-fused.test.ts rebuilds it when
# clang is there and checks the bytes match. --check: build to a temporary file and compare only.
set -euo pipefail
cd "$(dirname "$0")/.."
out=native/wasm/fused.wasm
[[ "${1:-}" == "--check" ]] && out="$(mktemp --suffix=.wasm)"
clang --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding \
  -fassociative-math -fno-signed-zeros -fno-trapping-math -ffinite-math-only \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all -Wl,-z,stack-size=0 \
  -o "$out" native/fused_kernels.c
if [[ "${1:-}" == "--check" ]]; then
  cmp -s "$out" native/wasm/fused.wasm && echo "native/wasm/fused.wasm matches its source" || { echo "native/wasm/fused.wasm differs from a fresh build of native/fused_kernels.c" >&2; rm -f "$out"; exit 1; }
  rm -f "$out"
else
  echo "built $out ($(wc -c < "$out") bytes)"
fi
