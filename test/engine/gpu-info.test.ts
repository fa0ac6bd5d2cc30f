import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLoadedLibraries, parseNvidiaSmi, loadedCudaLibraries } from '../../src/engine/gpu-info.js';

test('the CUDA stack libtensorflow mapped is read from /proc/<pid>/maps lines', () => {
  const maps = [
    '7f1c2a000000-7f1c2a200000 r-xp 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libcudnn.so.8',
    '7f1c2a200000-7f1c2a400000 r-xp 00000000 08:01 124 /usr/local/cuda-11.2/lib64/libcudart.so.11.2.152',
    '7f1c2a400000-7f1c2a600000 r--p 00200000 08:01 124 /usr/local/cuda-11.2/lib64/libcudart.so.11.2.152',
    '7f1c2a600000-7f1c2a800000 r-xp 00000000 08:01 125 /usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1',
    '7f1c2a800000-7f1c2aa00000 r-xp 00000000 08:01 126 /app/node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow.so.2.9.1',
    '7f1c2aa00000-7f1c2ac00000 r-xp 00000000 08:01 127 /usr/lib/x86_64-linux-gnu/libcudnn_ops_infer.so.8',
    '7ffd5a000000-7ffd5a021000 rw-p 00000000 00:00 0 [stack]',
    '7f1c2ac00000-7f1c2ae00000 rw-p 00000000 00:00 0',
  ].join('\n');
  const found = parseLoadedLibraries(maps);
  assert.equal(found.cudart, '11.2.152');
  assert.equal(found.cudnn, '8.1.1');
  assert.equal(found.tensorflow, '2.9.1');
  assert.equal(found.cublas, undefined);
  assert.equal(found.paths.length, 4);
});

test('nvidia-smi CSV gives name, compute capability, driver and memory per GPU', () => {
  const csv = '0, NVIDIA H200, 9.0, 550.54.15, 143771\n1, NVIDIA GeForce RTX 4090, 8.9, 550.54.15, 24564\n';
  assert.deepEqual(parseNvidiaSmi(csv), [
    { index: 0, name: 'NVIDIA H200', computeCapability: '9.0', driver: '550.54.15', memoryMiB: 143771 },
    { index: 1, name: 'NVIDIA GeForce RTX 4090', computeCapability: '8.9', driver: '550.54.15', memoryMiB: 24564 },
  ]);
  assert.deepEqual(parseNvidiaSmi(''), []);
});

test('this process (no native TensorFlow) maps no CUDA libraries', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  const found = loadedCudaLibraries()!;
  assert.equal(found.cudart, undefined);
  assert.equal(found.tensorflow, undefined);
});
