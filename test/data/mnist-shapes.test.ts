// Both IDX splits must have the same image size and at least one image: a test split of another size
// (14x56 against 28x28) or an empty one is a UserError naming the file, not a run that "trains".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors.js';
import { encodeIdx } from '../../src/data/idx.js';
import { getDataset } from '../../src/data/registry.js';
import { fixtureSplit, writeMnistFixture } from '../helpers/idx-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ash-idx-'));

for (const dataset of ['fashion-mnist', 'mnist']) {
  test(`${dataset}: a test split of another image size names the file and both sizes`, async () => {
    const dir = tmp();
    writeMnistFixture(dir, { gzip: false, train: 20, test: 10 });
    const odd = fixtureSplit(10, 14, 56);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx([10, 14, 56], odd.images));
    await assert.rejects(
      getDataset(dataset).load({ dataDir: dir }),
      (err: unknown) => err instanceof UserError && /t10k-images-idx3-ubyte: images are 14x56, but .*train-images-idx3-ubyte has 28x28/.test(err.message),
    );
  });

  for (const split of ['train', 't10k']) {
    test(`${dataset}: an empty ${split} split names the file`, async () => {
      const dir = tmp();
      writeMnistFixture(dir, { gzip: false, train: 20, test: 10 });
      writeFileSync(join(dir, `${split}-images-idx3-ubyte`), encodeIdx([0, 28, 28], new Uint8Array(0)));
      writeFileSync(join(dir, `${split}-labels-idx1-ubyte`), encodeIdx([0], new Uint8Array(0)));
      await assert.rejects(
        getDataset(dataset).load({ dataDir: dir }),
        (err: unknown) => err instanceof UserError && new RegExp(`${split}-images-idx3-ubyte: holds no images`).test(err.message),
      );
    });
  }
}
