// A downloaded archive is checked on every run, not trusted because it was once unpacked: its size every
// time, its SHA-256 when the size or modification time changed. `ash datasets verify` re-hashes every
// archive and says which are bad. A tar that cannot unpack is one line naming the file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { downloadDataset } from '../../src/data/download.js';
import { parseManifest, type Manifest } from '../../src/data/manifest.js';
import { writeCifar10 } from '../helpers/cifar-fixtures.js';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.js';

const tmp = (p = 'ash-dlv-'): string => mkdtempSync(join(tmpdir(), p));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const quiet = (): void => undefined;
const CLI = resolve('dist/cli/main.js');

let server: ArchiveServer;
let archive: Uint8Array;
const notTar = Buffer.from('this is not a tar archive at all\n'.repeat(20));

before(async () => {
  const src = tmp('ash-dlv-src-');
  writeCifar10(src, 2, 2);
  execFileSync('tar', ['-czf', join(src, 'cifar.tar.gz'), '-C', src, 'cifar-10-batches-bin']);
  archive = readFileSync(join(src, 'cifar.tar.gz'));
  server = await startArchiveServer({ 'cifar-10-binary.tar.gz': archive, 'broken.tar.gz': notTar });
});
after(() => server.close());

function manifestText(file = 'cifar-10-binary.tar.gz', body: Uint8Array = archive): string {
  return [
    'name: cifar10',
    'description: fixture',
    'archives:',
    `  - url: ${server.url(file)}`,
    `    bytes: ${body.length}`,
    `    sha256: ${sha(body)}`,
    '    unpack: tar.gz',
    'layout:',
    '  - cifar-10-batches-bin/test_batch.bin',
  ].join('\n');
}
const manifest = (file?: string, body?: Uint8Array): Manifest => parseManifest(manifestText(file, body), 'fixture.yaml');

test('an archive truncated after it was unpacked is not "present": the rest is fetched again and checked', async () => {
  const root = tmp();
  await downloadDataset(manifest(), root, { log: quiet });
  truncateSync(join(root, 'cifar-10-binary.tar.gz'), 1000);
  server.requests.length = 0;
  const again = await downloadDataset(manifest(), root, { log: quiet });
  assert.deepEqual(again.map((o) => o.status), ['resumed']);
  assert.deepEqual(server.requests.map((r) => r.range), ['bytes=1000-']);
  assert.equal(sha(readFileSync(join(root, 'cifar-10-binary.tar.gz'))), sha(archive));
});

test('an archive changed in place (same size, new mtime) is re-hashed and rejected', async () => {
  const root = tmp();
  await downloadDataset(manifest(), root, { log: quiet });
  const file = join(root, 'cifar-10-binary.tar.gz');
  const bytes = Buffer.from(readFileSync(file));
  bytes[100] = bytes[100]! ^ 0xff;
  writeFileSync(file, bytes);
  await assert.rejects(downloadDataset(manifest(), root, { log: quiet }), (err: unknown) => err instanceof UserError && /cifar-10-binary\.tar\.gz: SHA-256 [0-9a-f]{64}, expected/.test(err.message));
  assert.ok(existsSync(`${file}.rejected`));
});

test('an untouched archive (same size and mtime) is present without another download', async () => {
  const root = tmp();
  await downloadDataset(manifest(), root, { log: quiet });
  server.requests.length = 0;
  const again = await downloadDataset(manifest(), root, { log: quiet });
  assert.deepEqual(again.map((o) => o.status), ['present']);
  assert.equal(server.requests.length, 0);
});

test('a tar that cannot be unpacked is one UserError line naming the archive', async () => {
  const root = tmp();
  await assert.rejects(downloadDataset(manifest('broken.tar.gz', notTar), root, { log: quiet }), (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    assert.match(err.message, /broken\.tar\.gz: tar could not unpack it/);
    assert.equal(err.message.split('\n').length, 1, err.message);
    return true;
  });
});

test('ash datasets verify: ok for an intact archive; bad (exit 1) for a truncated one', { skip: !existsSync(CLI) && 'run npm run build' }, async () => {
  const root = tmp();
  const dir = tmp('ash-dlv-m-');
  const file = join(dir, 'cifar10.yaml');
  writeFileSync(file, manifestText());
  await downloadDataset(manifest(), root, { log: quiet });
  const ok = spawnSync(process.execPath, [CLI, 'datasets', 'verify', file, '--root', root], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`^ok +${join(root, 'cifar-10-binary.tar.gz')}`, 'm'));
  truncateSync(join(root, 'cifar-10-binary.tar.gz'), 1000);
  utimesSync(join(root, 'cifar-10-binary.tar.gz'), new Date(), new Date());
  const bad = spawnSync(process.execPath, [CLI, 'datasets', 'verify', file, '--root', root], { encoding: 'utf8' });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stdout, new RegExp(`^bad +${join(root, 'cifar-10-binary.tar.gz')}: 1000 bytes, expected ${archive.length}`, 'm'));
});
