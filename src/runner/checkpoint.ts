// A job's checkpoint on disk: <job>/checkpoint/epoch-<N>/ holds state.json (the manifest: epoch, step, history,
// streams, and where each tensor lies) and tensors.bin (every model variable and momentum slot as little-endian
// float32, one after another). Each epoch's folder is written whole and renamed into place (writeFolderAtomic),
// then the older ones are removed, so a kill at any moment leaves at least one complete checkpoint once the first
// epoch has ended. The manifest names the spec it belongs to (its identity hash): a checkpoint is only ever
// resumed by the same run.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { identityHash, type JobSpec } from '../contract/spec.js';
import { UserError } from '../engine/errors.js';
import type { StateTensor, TrainState } from '../tasks/train-state.js';
import { ensureDir, isTempFile, refuseLink, removeStaleTempFiles, writeFolderAtomic } from './store.js';

export const CHECKPOINT_DIR = 'checkpoint';
const MANIFEST = 'state.json';
const TENSORS = 'tensors.bin';
const FORMAT = 'ash-checkpoint';
const VERSION = 1;
const EPOCH_FOLDER = /^epoch-(\d+)$/;

interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset into tensors.bin, in float32 elements. */
  offset: number;
}

interface Manifest {
  format: typeof FORMAT;
  version: number;
  identity: string;
  byteOrder: 'little';
  sha256: string;
  state: Omit<TrainState, 'weights' | 'optimizer'> & { weights: TensorEntry[]; optimizer: { iterations: number; slots: TensorEntry[] } };
}

// Metrics may be NaN (e.g. a class absent from the test split); JSON has no NaN, so non-finite numbers are tagged.
const nonFiniteReplacer = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isFinite(value) ? { nonFinite: String(value) } : value;
const nonFiniteReviver = (_key: string, value: unknown): unknown => {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'nonFinite') return Number((value as { nonFinite: string }).nonFinite);
  }
  return value;
};

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The folder of the checkpoint to resume from (the highest complete epoch), or undefined when there is none. */
export function latestCheckpoint(jobDir: string): { dir: string; epoch: number } | undefined {
  const root = join(jobDir, CHECKPOINT_DIR);
  refuseLink(root);
  if (!existsSync(root)) return undefined;
  let best: { dir: string; epoch: number } | undefined;
  for (const name of readdirSync(root)) {
    const m = EPOCH_FOLDER.exec(name);
    if (!m) continue;
    const epoch = Number(m[1]);
    if (!best || epoch > best.epoch) best = { dir: join(root, name), epoch };
  }
  return best;
}

/** Save `state` as the job's newest checkpoint and remove the older ones (and anything a killed writer left). */
export function saveCheckpoint(jobDir: string, spec: JobSpec, state: TrainState): { dir: string; bytes: number } {
  const root = join(jobDir, CHECKPOINT_DIR);
  ensureDir(root);
  const tensors: StateTensor[] = [...state.weights, ...state.optimizer.slots];
  const total = tensors.reduce((n, t) => n + t.values.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  const entry = (t: StateTensor): TensorEntry => {
    if (t.values.length !== size(t.shape)) throw new Error(`checkpoint tensor ${t.name}: ${t.values.length} values for shape [${t.shape}]`);
    data.set(t.values, offset);
    const e = { name: t.name, shape: t.shape, offset };
    offset += t.values.length;
    return e;
  };
  const bytes = new Uint8Array(data.buffer);
  const { weights, optimizer, ...rest } = state;
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    identity: identityHash(spec),
    byteOrder: 'little',
    sha256: '',
    state: { ...rest, weights: weights.map(entry), optimizer: { iterations: optimizer.iterations, slots: optimizer.slots.map(entry) } },
  };
  manifest.sha256 = createHash('sha256').update(bytes).digest('hex');
  const dir = join(root, `epoch-${state.epoch}`);
  writeFolderAtomic(dir, { [TENSORS]: bytes, [MANIFEST]: `${JSON.stringify(manifest, nonFiniteReplacer)}\n` });
  for (const name of readdirSync(root)) {
    const m = EPOCH_FOLDER.exec(name);
    if ((m && Number(m[1]) !== state.epoch) || isTempFile(name)) rmSync(join(root, name), { recursive: true, force: true });
  }
  return { dir, bytes: bytes.byteLength };
}

/**
 * The job's newest checkpoint, checked against `spec`, or undefined when it has none. One of another spec, or
 * one that does not read back whole, is the user's to remove (a UserError naming it): never silently dropped.
 */
export function loadCheckpoint(jobDir: string, spec: JobSpec): TrainState | undefined {
  const root = join(jobDir, CHECKPOINT_DIR);
  const latest = latestCheckpoint(jobDir);
  if (!latest) return undefined;
  removeStaleTempFiles(root);
  const manifestPath = join(latest.dir, MANIFEST);
  const tensorsPath = join(latest.dir, TENSORS);
  for (const p of [latest.dir, manifestPath, tensorsPath]) refuseLink(p);
  const broken = (why: string): UserError => new UserError(`${latest.dir}: ${why}; delete ${root} to start the run over`);
  let manifest: Manifest;
  let bytes: Buffer;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'), nonFiniteReviver) as Manifest;
    bytes = readFileSync(tensorsPath);
  } catch (err) {
    throw broken(`cannot read the checkpoint: ${(err as Error).message}`);
  }
  if (manifest?.format !== FORMAT || manifest.version !== VERSION) throw broken(`${MANIFEST} is not an ${FORMAT} version ${VERSION}`);
  if (manifest.identity !== identityHash(spec)) throw broken(`the checkpoint belongs to a different spec than ${join(jobDir, 'spec.json')}`);
  if (createHash('sha256').update(bytes).digest('hex') !== manifest.sha256) throw broken(`${TENSORS} does not match its checksum in ${MANIFEST}`);
  const read = (e: TensorEntry): StateTensor => {
    const n = size(e.shape);
    const start = e.offset * 4;
    if (!Number.isInteger(start) || start < 0 || start + n * 4 > bytes.byteLength) throw broken(`tensor ${e.name} lies outside ${TENSORS}`);
    // A copy: the Float32Array needs its own 4-byte-aligned buffer.
    return { name: e.name, shape: e.shape, values: new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + n * 4)) };
  };
  const { weights, optimizer, ...rest } = manifest.state;
  return { ...rest, weights: weights.map(read), optimizer: { iterations: optimizer.iterations, slots: optimizer.slots.map(read) } };
}

/** Remove the job's checkpoints (once its result is written, or to start it over). */
export function removeCheckpoints(jobDir: string): void {
  const root = join(jobDir, CHECKPOINT_DIR);
  refuseLink(root);
  rmSync(root, { recursive: true, force: true });
}
