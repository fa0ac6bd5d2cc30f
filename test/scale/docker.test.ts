// The Dockerfile cannot be built here (no Docker engine), so this checks what can go stale without a
// build: its versions agree with package.json (Node major, tfjs-node(-gpu) = the peer dependency =
// the tfjs-core in use), the CUDA/cuDNN base matches libtensorflow 2.9.1's (CUDA 11.2, cuDNN 8.x),
// the CUDA 12 swap is offered, every COPY source exists and is not excluded by .dockerignore, and
// the entry point is the package's `ash` bin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  bin: { ash: string };
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
/** Instructions with continuation lines joined, comments dropped. */
const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

function argDefault(name: string): string {
  const line = instructions.find((l) => new RegExp(`^ARG ${name}=`).test(l));
  assert.ok(line, `Dockerfile has no ARG ${name}=default`);
  return line.slice(`ARG ${name}=`.length);
}

test('Node and tfjs versions agree with package.json', () => {
  const nodeMajor = /(\d+)/.exec(pkg.engines.node)![1];
  assert.equal(argDefault('NODE_MAJOR'), nodeMajor);
  assert.equal(argDefault('TFJS_NODE_VERSION'), pkg.peerDependencies['@tensorflow/tfjs-node-gpu']);
  assert.equal(argDefault('TFJS_NODE_VERSION'), pkg.peerDependencies['@tensorflow/tfjs-node']);
  assert.equal(argDefault('TFJS_NODE_VERSION'), pkg.dependencies['@tensorflow/tfjs-core'], 'tfjs-node must use the tfjs-core in use');
  const installed = JSON.parse(readFileSync('node_modules/@tensorflow/tfjs-core/package.json', 'utf8')) as { version: string };
  assert.equal(installed.version, argDefault('TFJS_NODE_VERSION'));
  assert.ok(instructions.some((l) => l.startsWith('FROM node:${NODE_MAJOR}-')), 'node stages use NODE_MAJOR');
  assert.ok(instructions.some((l) => /npm install .*"\$pkg@\$TFJS_NODE_VERSION"/.test(l)));
});

test('the GPU base matches libtensorflow 2.9.1 (CUDA 11.2, cuDNN 8), and a CUDA 12 build can be swapped in', () => {
  const base = argDefault('CUDA_IMAGE');
  assert.match(base, /^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-/);
  assert.equal(argDefault('LIBTENSORFLOW_URL'), '', 'the default keeps the libtensorflow tfjs-node-gpu downloads');
  assert.ok(instructions.some((l) => l.startsWith('FROM ${CUDA_IMAGE} AS runtime-gpu')));
  assert.ok(instructions.some((l) => l.startsWith('FROM runtime-${VARIANT} AS final')));
  assert.equal(argDefault('VARIANT'), 'gpu');
  assert.ok(instructions.some((l) => l === 'FROM node:${NODE_MAJOR}-bookworm-slim AS runtime-cpu'), 'a CPU variant');
  // The documented CUDA 12 recipe names a libtensorflow 2.x GPU build and a CUDA 12 base.
  assert.match(dockerfile, /--build-arg LIBTENSORFLOW_URL=https:\/\/storage\.googleapis\.com\/tensorflow\/libtensorflow\/libtensorflow-gpu-linux-x86_64-2\.\d+\.\d+\.tar\.gz/);
  assert.match(dockerfile, /--build-arg CUDA_IMAGE=nvidia\/cuda:12\.\d+\.\d+-cudnn\d+-runtime-/);
  assert.match(dockerfile, /docker run --gpus all/);
});

test('COPY sources exist and are in the build context; the entry point is the ash bin', () => {
  const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
  assert.ok(copies.length >= 5);
  for (const line of copies) {
    const sources = line.split(/\s+/).slice(1, -1);
    for (const source of sources) {
      assert.ok(existsSync(source), `${line}: ${source} does not exist`);
      assert.ok(!ignored.includes(source), `${line}: ${source} is excluded by .dockerignore`);
    }
  }
  for (const needed of ['node_modules', 'dist', '.git', 'results', 'data']) assert.ok(ignored.includes(needed), `.dockerignore leaves out ${needed}`);
  const entry = instructions.find((l) => l.startsWith('ENTRYPOINT '))!;
  assert.deepEqual(JSON.parse(entry.slice('ENTRYPOINT '.length)), ['node', `/app/${pkg.bin.ash}`]);
  const volumes = JSON.parse(instructions.find((l) => l.startsWith('VOLUME '))!.slice('VOLUME '.length)) as string[];
  assert.ok(volumes.includes('/results') && volumes.includes('/app/data'));
  // The Kubernetes template mounts what the image declares.
  const k8s = readFileSync('runners/kubernetes/indexed-job.yaml', 'utf8');
  for (const volume of volumes) assert.match(k8s, new RegExp(`mountPath: ${volume.replace(/\//g, '\\/')}\\n`));
});
