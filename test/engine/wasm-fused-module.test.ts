// The committed WebAssembly module of fused kernels (native/wasm/fused.wasm): what it imports and
// exports, that it cannot write outside the buffers it is given (no data segment, no shadow stack),
// and that it is what its source builds to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { WASM_FUSED_PATH, loadWasmFused } from '../../src/engine/kernels/wasm_fused.js';
import type { WasmBackend } from '../../src/engine/kernels/wasm_backend.js';

const ROOT = join(import.meta.dirname, '..', '..');
const bytes = readFileSync(WASM_FUSED_PATH);

/** Section id -> contents, from the binary format (magic, version, then id + LEB128 size + bytes). */
function sections(wasm: Uint8Array): Map<number, Uint8Array> {
  assert.deepEqual([...wasm.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], 'WASM magic and version 1');
  const out = new Map<number, Uint8Array>();
  let i = 8;
  while (i < wasm.length) {
    const id = wasm[i++]!;
    let size = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = wasm[i++]!;
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    out.set(id, wasm.subarray(i, i + size));
    i += size;
  }
  return out;
}

test('the module imports only the backend memory and exports the eight kernels', () => {
  const module = new WebAssembly.Module(bytes);
  assert.deepEqual(WebAssembly.Module.imports(module), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  assert.deepEqual(
    WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`).sort(),
    ['ash_backward', 'ash_forward', 'batch_norm_backward', 'batch_norm_forward', 'max_pool_backward', 'max_pool_forward', 'swish_backward', 'swish_forward'].map(
      (n) => `${n}:function`,
    ),
  );
});

test('it has no data segment and never touches the shadow-stack pointer, so it writes only the buffers it is given', () => {
  const s = sections(bytes);
  assert.ok(!s.has(11), 'no data section (it would be copied into the tfjs heap at instantiation)');
  // global.get 0 / global.set 0 (0x23 0x00 / 0x24 0x00) would read or move the stack pointer, global 0.
  const code = s.get(10)!;
  for (let i = 0; i + 1 < code.length; i++) {
    assert.ok(!((code[i] === 0x23 || code[i] === 0x24) && code[i + 1] === 0x00), `stack-pointer access at code byte ${i}`);
  }
});

const hasToolchain = ['clang', 'wasm-ld'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);

test('rebuilding native/fused_kernels.c gives the committed bytes', { skip: hasToolchain ? false : 'clang and wasm-ld not installed (Debian: clang lld)' }, () => {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'build-wasm-kernels.sh'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('a backend that does not expose its memory gets a reason, not a crash', () => {
  const fake = { wasm: { HEAPF32: new Float32Array(4) } } as unknown as WasmBackend;
  const loaded = loadWasmFused(fake);
  assert.ok('reason' in loaded);
  assert.match(loaded.reason, /does not expose its memory and allocator/);
});
