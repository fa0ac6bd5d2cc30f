#!/usr/bin/env bash
# Build the optional native kernels (native/ash_native.cc) against oneDNN: native/build/ash_native.node.
# Needs a C++ compiler, Node's headers (shipped with Node in <prefix>/include/node) and oneDNN
# (Debian/Ubuntu: libdnnl-dev). Without them ash-bench runs on plain WASM; `ash doctor` says which.
#   bash scripts/build-native.sh           build (exit 1 with the reason when something is missing)
#   bash scripts/build-native.sh --quiet   build if possible, never fail (used by scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=false
[[ "${1:-}" == "--quiet" ]] && quiet=true
fail() {
  if $quiet; then echo "native kernels not built ($1): training uses plain WASM" >&2; exit 0; fi
  echo "build-native: $1" >&2; exit 1
}
cxx="${CXX:-g++}"
command -v "$cxx" >/dev/null || fail "no C++ compiler ($cxx); install g++"
node_include="$(node -p "require('path').join(process.execPath, '..', '..', 'include', 'node')")"
[[ -f "$node_include/node_api.h" ]] || node_include=/usr/include/node
[[ -f "$node_include/node_api.h" ]] || fail "Node's headers (node_api.h) not found next to $(command -v node)"
[[ -f /usr/include/oneapi/dnnl/dnnl.hpp || -n "${DNNL_ROOT:-}" ]] || fail "oneDNN not found; install libdnnl-dev or set DNNL_ROOT"
extra=()
if [[ -n "${DNNL_ROOT:-}" ]]; then extra+=(-I"$DNNL_ROOT/include" -L"$DNNL_ROOT/lib" -Wl,-rpath,"$DNNL_ROOT/lib"); fi
mkdir -p native/build
warnings=(-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
# The fused kernels (native/fused_kernels.c, also the source of native/wasm/fused.wasm) may reassociate
# sums (so reductions vectorize; still deterministic run to run) and assume finite values (4-5x faster
# sigmoid loops); a NaN input still gives a NaN output (tested), so divergence stays visible.
# Compiled as C++ (its C is also C++): GCC's C front end left these loops ~1.5x slower (measured).
"$cxx" -x c++ -std=c++17 -O3 -fPIC -fassociative-math -fno-signed-zeros -fno-trapping-math -ffinite-math-only "${warnings[@]}" \
  -c native/fused_kernels.c -o native/build/fused_kernels.o || fail "compiling native/fused_kernels.c failed"
"$cxx" -std=c++17 -O2 -shared -fPIC -fopenmp "${warnings[@]}" \
  -DNODE_GYP_MODULE_NAME=ash_native -I"$node_include" "${extra[@]}" \
  native/ash_native.cc native/build/fused_kernels.o -o native/build/ash_native.node.tmp -ldnnl \
  || fail "compiling native/ash_native.cc failed"
mv native/build/ash_native.node.tmp native/build/ash_native.node
echo "built native/build/ash_native.node (oneDNN $(node -p "require('./native/build/ash_native.node').version()"))"
