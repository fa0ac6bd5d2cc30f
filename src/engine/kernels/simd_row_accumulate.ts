// A tiny hand-assembled WASM SIMD function that runs inside the tfjs WASM backend's own memory:
//
//   rowAccumulate(acc, x, dy, channels, count, xStep, dyStep):
//     for j in 0..count-1: acc[c] += x[j*xStep + c] * dy[j*dyStep + c] for c in 0..channels-1
//
// (pointers and steps in float32 elements). It is the inner loop of the depthwise filter gradient,
// which no tfjs WASM kernel computes; in plain JS that loop ran 15-20x slower than the forward
// depthwise conv, with this one about as fast (bench/conv-backprop.ts). tfjs ships no way to add
// native code, and the repository has no WASM toolchain, so the ~60 instructions are emitted here
// directly in the binary format (https://webassembly.github.io/spec/core/binary/). Where WASM SIMD or
// the backend's memory is unavailable, `loadRowAccumulate` returns undefined and callers use JS.

/** The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

export type RowAccumulate = (acc: number, x: number, dy: number, channels: number, count: number, xStep: number, dyStep: number) => void;

// --- binary encoding helpers ---
function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
function signedLeb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
const name = (s: string) => [...unsignedLeb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];
const vector = (items: number[][]) => [...unsignedLeb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]) => [id, ...unsignedLeb(bytes.length), ...bytes];

// --- the instructions used ---
const I32 = 0x7f;
const get = (local: number) => [0x20, ...unsignedLeb(local)];
const set = (local: number) => [0x21, ...unsignedLeb(local)];
const i32 = (value: number) => [0x41, ...signedLeb(value)];
const ADD = [0x6a];
const AND = [0x71];
const SHL = [0x74];
const GE_S = [0x4e];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const br = (depth: number) => [0x0c, ...unsignedLeb(depth)];
const brIf = (depth: number) => [0x0d, ...unsignedLeb(depth)];
const F32_LOAD = [0x2a, 2, 0]; // align 2^2, offset 0
const F32_STORE = [0x38, 2, 0];
const F32_ADD = [0x92];
const F32_MUL = [0x94];
const V128_LOAD = [0xfd, 0x00, 4, 0]; // align 2^4, offset 0
const V128_STORE = [0xfd, 0x0b, 4, 0];
const F32X4_ADD = [0xfd, ...unsignedLeb(228)];
const F32X4_MUL = [0xfd, ...unsignedLeb(230)];

// Parameters (byte addresses and byte steps) and locals.
const [ACC, X, DY, CHANNELS, COUNT, X_STEP, DY_STEP] = [0, 1, 2, 3, 4, 5, 6];
const [J, VECTOR_END, OFFSET, SCALAR_END] = [7, 8, 9, 10];

/** acc[off] += x[off] * dy[off], for one f32x4 or one f32 at byte offset OFFSET. */
function multiplyAdd(load: number[], store: number[], mul: number[], add: number[]): number[] {
  return [
    ...get(ACC), ...get(OFFSET), ...ADD, // address of the store
    ...get(ACC), ...get(OFFSET), ...ADD, ...load,
    ...get(X), ...get(OFFSET), ...ADD, ...load,
    ...get(DY), ...get(OFFSET), ...ADD, ...load,
    ...mul, ...add, ...store,
  ];
}

/** while (OFFSET < end) { body; OFFSET += step } */
function loopOverChannels(end: number, step: number, body: number[]): number[] {
  return [
    ...BLOCK, ...LOOP,
    ...get(OFFSET), ...get(end), ...GE_S, ...brIf(1),
    ...body,
    ...get(OFFSET), ...i32(step), ...ADD, ...set(OFFSET),
    ...br(0),
    ...END, ...END,
  ];
}

function moduleBytes(sharedMemory: boolean): Uint8Array {
  const body = [
    ...i32(0), ...set(J),
    ...get(CHANNELS), ...i32(-4), ...AND, ...i32(2), ...SHL, ...set(VECTOR_END), // (channels & ~3) * 4
    ...get(CHANNELS), ...i32(2), ...SHL, ...set(SCALAR_END),
    ...BLOCK, ...LOOP,
    ...get(J), ...get(COUNT), ...GE_S, ...brIf(1),
    ...i32(0), ...set(OFFSET),
    ...loopOverChannels(VECTOR_END, 16, multiplyAdd(V128_LOAD, V128_STORE, F32X4_MUL, F32X4_ADD)),
    ...loopOverChannels(SCALAR_END, 4, multiplyAdd(F32_LOAD, F32_STORE, F32_MUL, F32_ADD)),
    ...get(X), ...get(X_STEP), ...ADD, ...set(X),
    ...get(DY), ...get(DY_STEP), ...ADD, ...set(DY),
    ...get(J), ...i32(1), ...ADD, ...set(J),
    ...br(0),
    ...END, ...END,
    ...END,
  ];
  const code = [...vector([[4, I32]]), ...body]; // 4 i32 locals
  // A shared memory (threaded tfjs builds) must be imported as shared, with a maximum at least the real one.
  const memoryLimits = sharedMemory ? [0x03, ...unsignedLeb(0), ...unsignedLeb(65536)] : [0x00, ...unsignedLeb(0)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, vector([[0x60, ...vector(Array.from({ length: 7 }, () => [I32])), 0x00]])), // type: (i32 x7) -> ()
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...memoryLimits]])), // import env.memory
    ...section(3, vector([[0x00]])), // one function of type 0
    ...section(7, vector([[...name('rowAccumulate'), 0x00, 0x00]])), // export it
    ...section(10, vector([[...unsignedLeb(code.length), ...code]])),
  ]);
}

const loaded = new WeakMap<WasmMemory, RowAccumulate | null>();

/** The SIMD row accumulator bound to `memory` (a WebAssembly.Memory), or undefined where it cannot be instantiated. */
export function loadRowAccumulate(memory: WasmMemory | undefined): RowAccumulate | undefined {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!memory || !wasm) return undefined;
  if (!loaded.has(memory)) {
    let fn: RowAccumulate | null = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const instance = new wasm.Instance(new wasm.Module(moduleBytes(shared)), { env: { memory } });
      const raw = instance.exports.rowAccumulate as (...args: number[]) => void;
      fn = (acc, x, dy, channels, count, xStep, dyStep) => raw(acc * 4, x * 4, dy * 4, channels, count, xStep * 4, dyStep * 4);
    } catch {
      fn = null; // no WASM SIMD here: callers fall back to JS
    }
    loaded.set(memory, fn);
  }
  return loaded.get(memory) ?? undefined;
}

/** The same computation in plain JS, on a Float32Array view of the heap. */
export function rowAccumulateJS(heap: Float32Array): RowAccumulate {
  return (acc, x, dy, channels, count, xStep, dyStep) => {
    for (let j = 0; j < count; j++) {
      for (let c = 0; c < channels; c++) heap[acc + c] += heap[x + c] * heap[dy + c];
      x += xStep;
      dy += dyStep;
    }
  };
}
