import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cifar10Label, cifarHwc, writeCifar10 } from '../helpers/cifar-fixtures.js';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.js';

const run = promisify(execFile);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-cli-'));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function ash(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let server: ArchiveServer;
let archive: Uint8Array;
before(async () => {
  const src = tmp();
  writeCifar10(src, 2, 2);
  execFileSync('tar', ['-czf', join(src, 'c.tar.gz'), '-C', src, 'cifar-10-batches-bin']);
  archive = readFileSync(join(src, 'c.tar.gz'));
  server = await startArchiveServer({ 'cifar-10-binary.tar.gz': archive });
});
after(() => server.close());

test('ash datasets download then inspect --json prints the documented shape', async () => {
  const root = tmp();
  const manifestFile = join(root, 'cifar10.yaml');
  writeFileSync(
    manifestFile,
    `name: cifar10\ndescription: fixture\narchives:\n  - url: ${server.url('cifar-10-binary.tar.gz')}\n    sha256: ${sha(archive)}\n    unpack: tar.gz\nlayout: [cifar-10-batches-bin/test_batch.bin]\n`,
  );
  const dl = await ash('datasets', 'download', 'cifar10', '--root', root, '--manifest', manifestFile);
  assert.equal(dl.code, 0, dl.stderr);
  assert.match(dl.stdout, new RegExp(`downloaded +${sha(archive)}`));

  const inspect = await ash('datasets', 'inspect', 'cifar10', '--root', root, '--json');
  assert.equal(inspect.code, 0, inspect.stderr);
  const trainCounts = new Array(10).fill(0);
  for (let n = 0; n < 10; n++) trainCounts[cifar10Label(n)]++;
  const testCounts = new Array(10).fill(0);
  for (const n of [1000, 1001]) testCounts[cifar10Label(n)]++;
  assert.deepEqual(JSON.parse(inspect.stdout), {
    dataset: 'cifar10',
    splits: {
      train: { count: 10, shape: [32, 32, 3], numClasses: 10, labelCounts: trainCounts, firstImageSha256: sha(cifarHwc(0)) },
      test: { count: 2, shape: [32, 32, 3], numClasses: 10, labelCounts: testCounts, firstImageSha256: sha(cifarHwc(1000)) },
    },
  });
});

test('ash datasets list names every reader; user errors exit 2 without a stack', async () => {
  const list = await ash('datasets', 'list');
  assert.equal(list.code, 0);
  for (const name of ['cifar10', 'cifar100', 'imagefolder', 'tiny-imagenet', 'voc-detection', 'voc-segmentation', 'coco', 'ade20k', 'fashion-scenes']) {
    assert.match(list.stdout, new RegExp(`^${name} +(classification|detection|segmentation) `, 'm'));
  }
  const missing = await ash('datasets', 'inspect', 'coco', '--root', tmp());
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^ash: .*no annotations\/ folder/);
  assert.doesNotMatch(missing.stderr, /\n +at /);
});
