#!/usr/bin/env bash
# Set up ash-bench on Debian/Ubuntu: the offline Fashion-MNIST dataset (Debian's package), oneDNN and a
# C++ compiler for the optional native kernels, then the npm dependencies (npm ci also builds dist/) and
# the native kernels (scripts/build-native.sh; training falls back to plain WASM if they cannot be built).
# With --test, also what some tests use: Chromium (the HTML report test) and SLURM + munge (the
# single-node cluster test); those tests skip without them.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: not root and no sudo: install the Debian packages yourself, then run npm ci" >&2; exit 1
  fi
fi

need=()
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
[ -f /usr/include/oneapi/dnnl/dnnl.hpp ] || need+=(libdnnl-dev)
command -v g++ >/dev/null 2>&1 || need+=(g++)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v slurmctld >/dev/null 2>&1 || [ -x /usr/sbin/slurmctld ] || need+=(slurm-wlm)
  command -v munged >/dev/null 2>&1 || [ -x /usr/sbin/munged ] || need+=(munge)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
bash scripts/build-native.sh --quiet
