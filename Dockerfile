# syntax=docker/dockerfile:1
# ash-bench image for GPU cloud machines (and a CPU variant). Entry point: `ash`.
#
#   docker build -t ash-bench:gpu .                                  # CUDA 11.2 / cuDNN 8.1 (default)
#   docker build -t ash-bench:cpu --build-arg VARIANT=cpu .          # no GPU: tfjs-node (libtensorflow CPU)
#   docker build -t ash-bench:gpu-cuda12 \
#     --build-arg CUDA_IMAGE=nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04 \
#     --build-arg LIBTENSORFLOW_URL=https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-gpu-linux-x86_64-2.15.0.tar.gz .
#
#   docker run --gpus all --rm -v $PWD/data:/app/data -v $PWD/results:/results ash-bench:gpu doctor
#   docker run --gpus all --rm -v $PWD/data:/app/data -v $PWD/results:/results ash-bench:gpu \
#     sweep configs/smoke.yaml --out /results
#
# Which GPU build: @tensorflow/tfjs-node-gpu 4.22 downloads libtensorflow 2.9.1, built for CUDA 11.2
# and cuDNN 8.1 with native kernels up to compute capability 8.6 (V100, T4, A100, RTX 30xx). On Ada
# and Hopper (RTX 40xx, L4, L40, H100, H200: compute capability 8.9 / 9.0) that build has no native
# kernels and the driver JIT-compiles PTX at start-up (slow first steps, sometimes failures; tfjs issue
# #8505). There, build the CUDA 12 variant above: it swaps in libtensorflow 2.15 (CUDA 12.2, cuDNN 8.9),
# whose C API is the one tfjs-node binds to. `ash doctor` in the container shows what loaded.

ARG NODE_MAJOR=20
ARG TFJS_NODE_VERSION=4.22.0
ARG VARIANT=gpu
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
ARG LIBTENSORFLOW_URL=

# ---- build: compile the TypeScript, install production dependencies and the native backend ----
FROM node:${NODE_MAJOR}-bookworm AS build
ARG TFJS_NODE_VERSION
ARG VARIANT
ARG LIBTENSORFLOW_URL
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# `prepare` compiles src/ to dist/ during npm ci.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund
# tfjs-node(-gpu) is an optional peer dependency, pinned to the version in package.json's peerDependencies;
# its install script downloads the matching libtensorflow into node_modules/@tensorflow/tfjs-node*/deps.
RUN if [ "$VARIANT" = gpu ]; then pkg=@tensorflow/tfjs-node-gpu; else pkg=@tensorflow/tfjs-node; fi \
 && npm install --no-save --omit=dev --no-audit --no-fund "$pkg@$TFJS_NODE_VERSION"
# Optional: replace libtensorflow with a newer 2.x build (same C API, same libtensorflow.so.2 soname).
RUN if [ -n "$LIBTENSORFLOW_URL" ]; then \
      deps=node_modules/@tensorflow/tfjs-node-gpu/deps \
   && rm -rf "$deps/lib" "$deps/include" \
   && curl -fsSL "$LIBTENSORFLOW_URL" | tar -xz -C "$deps" \
   && test -e "$deps/lib/libtensorflow.so.2" ; \
    fi

# ---- runtimes ----
FROM node:${NODE_MAJOR}-bookworm-slim AS node

FROM ${CUDA_IMAGE} AS runtime-gpu
COPY --from=node /usr/local/bin/node /usr/local/bin/node

FROM node:${NODE_MAJOR}-bookworm-slim AS runtime-cpu

FROM runtime-${VARIANT} AS final
ARG VARIANT
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The fused WebAssembly kernels, used when the image runs on the WASM backend (--backend wasm).
COPY native/wasm ./native/wasm
COPY configs ./configs
COPY datasets ./datasets
COPY runners ./runners
ENV NODE_ENV=production \
    ASH_CACHE_DIR=/app/.cache/ash-bench \
    ASH_IMAGE_VARIANT=${VARIANT}
# Datasets (the readers look in data/<name>), results and the decoded-tensor cache live outside the image.
VOLUME ["/app/data", "/results", "/app/.cache"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["doctor"]
