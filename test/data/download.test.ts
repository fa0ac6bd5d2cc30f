import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadDataset } from '../../src/data/download.js';
import { loadManifest, manifestNames, parseManifest, type Manifest } from '../../src/data/manifest.js';
import { getDataset } from '../../src/data/registry.js';
import { writeCifar10 } from '../helpers/cifar-fixtures.js';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.js';

const tmp = (p = 'ash-dl-'): string => mkdtempSync(join(tmpdir(), p));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const quiet = (): void => undefined;

let server: ArchiveServer;
let archive: Uint8Array;
let zipArchive: Uint8Array | undefined;

before(async () => {
  // A real cifar-10-binary.tar.gz of a small CIFAR-10 copy, made by tar as the official one was.
  const src = tmp('ash-dl-src-');
  writeCifar10(src, 2, 2);
  execFileSync('tar', ['-czf', join(src, 'cifar.tar.gz'), '-C', src, 'cifar-10-batches-bin']);
  archive = readFileSync(join(src, 'cifar.tar.gz'));
  try {
    execFileSync('zip', ['-qr', join(src, 'cifar.zip'), 'cifar-10-batches-bin'], { cwd: src });
    zipArchive = readFileSync(join(src, 'cifar.zip'));
  } catch {
    zipArchive = undefined;
  }
  server = await startArchiveServer({ 'cifar-10-binary.tar.gz': archive, 'cifar.zip': zipArchive ?? new Uint8Array() });
});
after(() => server.close());

function manifest(overrides: Record<string, unknown> = {}, file = 'cifar-10-binary.tar.gz', unpack = 'tar.gz'): Manifest {
  const yaml = [
    'name: cifar10',
    'description: fixture',
    'archives:',
    `  - url: ${server.url(file)}`,
    `    bytes: ${overrides.bytes ?? (file.endsWith('.zip') ? zipArchive!.length : archive.length)}`,
    `    sha256: ${overrides.sha256 ?? sha(file.endsWith('.zip') ? zipArchive! : archive)}`,
    ...(overrides.note ? [`    note: ${overrides.note}`] : []),
    `    unpack: ${unpack}`,
    'layout:',
    '  - cifar-10-batches-bin/data_batch_1.bin',
    '  - cifar-10-batches-bin/test_batch.bin',
  ].join('\n');
  return parseManifest(yaml, 'fixture.yaml');
}

test('download verifies, unpacks, checks the layout; the result loads; a second run needs no network', async () => {
  const root = tmp();
  server.requests.length = 0;
  const outcomes = await downloadDataset(manifest(), root, { log: quiet });
  assert.deepEqual(outcomes.map((o) => o.status), ['downloaded']);
  assert.equal(outcomes[0]!.sha256, sha(archive));
  assert.deepEqual(server.requests, [{ path: 'cifar-10-binary.tar.gz', range: undefined }]);
  const data = await getDataset('cifar10').load({ dataDir: root, warn: quiet });
  assert.equal(data.train.count, 10);
  const again = await downloadDataset(manifest(), root, { log: quiet });
  assert.deepEqual(again.map((o) => o.status), ['present']);
  assert.equal(server.requests.length, 1);
});

test('a dropped connection is resumed with an HTTP Range request from where it stopped', async () => {
  const root = tmp();
  server.requests.length = 0;
  server.cutNext(1, 1000);
  const logs: string[] = [];
  const outcomes = await downloadDataset(manifest(), root, { log: (m) => logs.push(m), retryDelayMs: 0 });
  assert.deepEqual(outcomes.map((o) => o.status), ['resumed']);
  assert.deepEqual(server.requests.map((r) => r.range), [undefined, 'bytes=1000-']);
  assert.ok(logs.some((l) => /interrupted at byte 1000/.test(l)), logs.join('\n'));
  assert.equal(sha(readFileSync(join(root, 'cifar-10-binary.tar.gz'))), sha(archive));
  assert.ok(existsSync(join(root, 'cifar-10-batches-bin', 'data_batch_5.bin')));
});

test('a partial file left by an earlier run is resumed; a server that ignores Range restarts cleanly', async () => {
  const root = tmp();
  writeFileSync(join(root, 'cifar-10-binary.tar.gz.part'), archive.subarray(0, 500));
  server.requests.length = 0;
  await downloadDataset(manifest(), root, { log: quiet });
  assert.deepEqual(server.requests.map((r) => r.range), ['bytes=500-']);

  const root2 = tmp();
  writeFileSync(join(root2, 'cifar-10-binary.tar.gz.part'), Buffer.alloc(700, 1)); // garbage prefix
  server.ignoreRange = true;
  try {
    const outcomes = await downloadDataset(manifest(), root2, { log: quiet });
    assert.equal(outcomes[0]!.sha256, sha(archive));
  } finally {
    server.ignoreRange = false;
  }
});

test('a wrong checksum is an error, and the file is set aside, not unpacked', async () => {
  const root = tmp();
  const wrong = 'ab'.repeat(32);
  await assert.rejects(downloadDataset(manifest({ sha256: wrong }), root, { log: quiet }), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.match(err.message, new RegExp(`cifar-10-binary\\.tar\\.gz: SHA-256 ${sha(archive)}, expected ${wrong}`));
    assert.match(err.message, /moved to .*cifar-10-binary\.tar\.gz\.rejected and not unpacked/);
    return true;
  });
  assert.deepEqual(readdirSync(root).sort(), ['cifar-10-binary.tar.gz.rejected']);
});

test('an archive without a published sum needs --allow-unverified, and then logs its sum', async () => {
  const root = tmp();
  const m = manifest({ sha256: 'unknown', note: 'none published' });
  await assert.rejects(downloadDataset(m, root, { log: quiet }), /cifar-10-binary\.tar\.gz: the manifest gives no SHA-256 \(none published\); pass --allow-unverified/);
  const logs: string[] = [];
  await downloadDataset(m, root, { log: (l) => logs.push(l), allowUnverified: true });
  assert.ok(logs.some((l) => l.includes(`its SHA-256 is ${sha(archive)}`)));
});

test('zip archives unpack with unzip', { skip: zipArchive === undefined && 'zip not installed' }, async () => {
  const root = tmp();
  await downloadDataset(manifest({}, 'cifar.zip', 'zip'), root, { log: quiet, keepArchives: false });
  assert.ok(existsSync(join(root, 'cifar-10-batches-bin', 'test_batch.bin')));
  assert.ok(!existsSync(join(root, 'cifar.zip')), 'archive removed with keepArchives: false');
});

test('a manifest with a missing or malformed field names the file and the field', () => {
  assert.throws(() => parseManifest('name: x\ndescription: d\narchives:\n  - url: http://a/b.tar\n    unpack: tar\n', 'datasets/x.yaml'), /datasets\/x\.yaml: invalid dataset manifest:\n {2}archives\.0\.sha256: /);
  assert.throws(() => parseManifest('name: x\ndescription: d\narchives:\n  - url: http://a/b.tar\n    sha256: 1234\n    unpack: tar\n', 'y.yaml'), /y\.yaml: invalid dataset manifest:\n {2}archives\.0\.sha256/);
  assert.throws(() => parseManifest('name: x\ndescription: d\narchives:\n  - url: http://a/b.tar\n    sha256: unknown\n    unpack: tar\n', 'z.yaml'), /archives\.0\.note: an archive with sha256: unknown needs a 'note'/);
  assert.throws(() => parseManifest('name: [', 'bad.yaml'), /bad\.yaml: not valid YAML/);
});

test('every shipped manifest parses, names itself after its file and uses https or http URLs', async () => {
  const names = await manifestNames();
  assert.ok(names.includes('cifar10') && names.includes('coco') && names.includes('voc2007'), names.join(','));
  for (const name of names) {
    const m = await loadManifest(name);
    assert.equal(m.name, name);
    for (const a of m.archives) if (a.sha256 !== 'unknown') assert.match(a.sha256, /^[0-9a-f]{64}$/);
  }
  await assert.rejects(loadManifest('cifar11'), /no manifest for dataset 'cifar11'.*cifar10/);
});
