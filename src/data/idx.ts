// Reader for the IDX format of (Fashion-)MNIST: big-endian header, magic 0x0000 <type> <ndims>, then one
// uint32 size per dimension, then the data. Accepts gzipped or plain files.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../engine/errors.js';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Parse an IDX buffer of unsigned bytes. `file` is only used in error messages. */
export function parseIdx(buffer: Uint8Array, file: string): IdxArray {
  const bytes = buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipOrThrow(buffer, file) : buffer;
  if (bytes.length < 4) throw new UserError(`${file}: not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = (magic >> 8) & 0xff;
  const ndims = magic & 0xff;
  if (magic >>> 16 !== 0 || ndims < 1 || ndims > 4) {
    throw new UserError(`${file}: bad IDX magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x000008NN with NN = number of dimensions, 1..4)`);
  }
  if (type !== UNSIGNED_BYTE) {
    throw new UserError(`${file}: IDX data type 0x${type.toString(16)} is not supported (expected 0x08, unsigned byte)`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new UserError(`${file}: truncated IDX header (${bytes.length} bytes, expected at least ${headerBytes})`);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(view.getUint32(4 + 4 * i));
  const expected = shape.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new UserError(`${file}: IDX header says shape [${shape.join(', ')}] = ${expected} bytes of data, but the file holds ${actual}`);
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

function gunzipOrThrow(buffer: Uint8Array, file: string): Uint8Array {
  try {
    return gunzipSync(buffer);
  } catch (err) {
    throw new UserError(`${file}: gzip data is corrupt (${(err as Error).message})`);
  }
}

export async function readIdx(file: string): Promise<IdxArray> {
  return parseIdx(await readFile(file), file);
}

/** Encode an IDX file (used by tests and fixture helpers to write the true format). */
export function encodeIdx(shape: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * shape.length));
  header.setUint32(0, (UNSIGNED_BYTE << 8) | shape.length);
  shape.forEach((d, i) => header.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}
