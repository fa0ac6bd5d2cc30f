// The large-file COCO path: instances JSON scanned element by element from a Buffer must give exactly what
// JSON.parse of the whole string gives, strings full of brackets and escapes included, and the same errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCocoBuffer, parseCocoInstances, readCocoInstances, STREAM_PARSE_ABOVE, type CocoSplit } from '../../src/data/coco.js';
import { scanTopLevelArrays, JsonScanError, NotAnObjectError } from '../../src/data/json-scan.js';
import { Rng } from '../../src/engine/random.js';
import { rleToString } from '../../src/data/coco-mask.js';

const FILE = 'instances_x.json';
const DIR = '/data/coco/x';

/** Strings that would fool a scanner that ignored strings or escapes. */
const TRICKY = ['a{b}c', 'x]y[z', 'say \\"hi\\"', 'back\\\\slash\\\\', '\\\\"', '}]}],', 'tab\tnew\nline', 'émoji 🐟 漢字', '\\u007b not a brace', ''];

/**
 * A compressed RLE of a 50x100 image whose string holds '[', ']' and a backslash (counts 43, 45 and 44 write
 * as '[1', ']1' and '\\1': 43 = 11 + 32, and '0' + (11 | 0x20) is '['), which the scan must read as JSON does.
 */
const BRACKET_RLE = rleToString({ height: 50, width: 100, counts: Uint32Array.of(43, 45, 44, 5000 - 132) });

function trickyDoc(): Record<string, unknown> {
  return {
    info: { description: 'brackets in strings: {[ "]} ', nested: [[{ a: '}' }], []], version: 1.0 },
    images: [
      { id: 1, file_name: `${TRICKY[0]}.jpg`, width: 640, height: 480, coco_url: 'http://x/{1}', flickr_url: '"]' },
      { id: 2, file_name: TRICKY[2], width: 100, height: 50, date_captured: '2013-11-14 11:18:45' },
      { id: 3, file_name: TRICKY[7], width: 10, height: 10 },
    ],
    licenses: [{ url: 'http://creativecommons.org/licenses/by-nc-sa/2.0/', id: 1, name: 'A [license] {name}' }],
    annotations: [
      { id: 10, image_id: 1, category_id: 3, bbox: [1.5, 2.25, 30, 40], iscrowd: 0, area: 1200, segmentation: [[1.5, 2.25, 31.5, 2.25, 31.5, 42.25]] },
      { id: 11, image_id: 2, category_id: 1, bbox: [0, 0, 100, 50], iscrowd: 1, area: 5000, segmentation: { counts: BRACKET_RLE, size: [50, 100] }, attributes: { note: 'a]b}c\\"d' } },
      { id: 12, image_id: 1, category_id: 1, bbox: [600, 10, 80, 20], iscrowd: 0, area: 1, segmentation: [] },
      { id: 13, image_id: 2, category_id: 3, bbox: [99.5, 0, 1.2, 50.4], segmentation: [[99.5, 0, 100.7, 0, 100.7, 50.4, 99.5, 50.4]] },
    ],
    categories: [
      { supercategory: '{vehicle}', id: 3, name: TRICKY[3] },
      { supercategory: 'person', id: 1, name: TRICKY[5] },
    ],
  };
}

/** Both paths on the same text: the string parse and the buffer scan, as plain comparable values. */
function bothPaths(text: string): [CocoSplit, CocoSplit] {
  return [parseCocoInstances(text, FILE, DIR), parseCocoBuffer(Buffer.from(text, 'utf8'), FILE, DIR)];
}

test('scanned and string-parsed COCO are identical: tricky strings, nested RLE, extra keys, any whitespace', () => {
  assert.equal(BRACKET_RLE.slice(0, 6), '[1]1\\1');
  const doc = trickyDoc();
  for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2), ` \r\n\t${JSON.stringify(doc, null, '\t')}\n\n`]) {
    const [small, large] = bothPaths(text);
    assert.deepEqual(large, small);
    assert.deepEqual(small.records.map((r) => r.file), [join(DIR, 'a{b}c.jpg'), join(DIR, 'say \\"hi\\"'), join(DIR, 'émoji 🐟 漢字')]);
    assert.deepEqual(small.classNames, [TRICKY[5], TRICKY[3]]);
    assert.deepEqual([...small.records[1]!.flags], [1, 0]);
    assert.equal(small.skipped.length, 1);
  }
  // JSON's own escapes in keys and strings (\u0022 is a quote, \/ a slash) decode the same way.
  const escaped = JSON.stringify(doc).replace('"file_name":"a{b}c.jpg"', '"file\\u005fname":"a\\u007bb\\/c\\u0022.jpg"');
  const [small, large] = bothPaths(escaped);
  assert.deepEqual(large, small);
  assert.equal(small.records[0]!.file, join(DIR, 'a{b/c".jpg'));
});

test('a repeated top-level key counts once, with its last value, as JSON.parse does', () => {
  const text = '{"images": [{"id": 9, "file_name": "old.jpg", "width": 1, "height": 1}], "categories": [{"id": 1, "name": "a"}], "annotations": [],' +
    ' "images": [{"id": 5, "file_name": "new.jpg", "width": 2, "height": 2}]}';
  const [small, large] = bothPaths(text);
  assert.deepEqual(large, small);
  assert.deepEqual(large.records.map((r) => r.id), ['5']);
});

test('randomised documents: the scan agrees with JSON.parse on every one', () => {
  const rng = new Rng(17);
  const alphabet = ['a', 'Z', '{', '}', '[', ']', '"', '\\', ',', ':', ' ', '\n', '\u0001', 'é', '🐟', '\\"', '\\\\'];
  const str = (): string => Array.from({ length: rng.int(12) }, () => alphabet[rng.int(alphabet.length)]).join('');
  const junk = (depth: number): unknown => {
    const pick = rng.int(depth > 2 ? 4 : 6);
    if (pick === 0) return str();
    if (pick === 1) return rng.next() * 1e6 - 5e5;
    if (pick === 2) return [true, false, null][rng.int(3)];
    if (pick === 3) return -rng.int(100);
    if (pick === 4) return Array.from({ length: rng.int(4) }, () => junk(depth + 1));
    return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [str(), junk(depth + 1)]));
  };
  for (let n = 0; n < 200; n++) {
    const images = Array.from({ length: 1 + rng.int(5) }, (_, i) => ({ id: i + 1, file_name: str(), width: 50 + rng.int(50), height: 50 + rng.int(50), [str()]: junk(0) }));
    // Category names are non-empty (an empty one is an error), hence the prefix.
    const categories = Array.from({ length: 1 + rng.int(4) }, (_, i) => ({ id: 2 * i + 1, name: `c${str()}`, [str()]: junk(0) }));
    // Segmentations are read, so they are valid (absent, polygons, or an RLE of the image's size, whose
    // compressed strings hold brackets and backslashes); the junk goes into a field the reader drops.
    const segmentation = (image: { width: number; height: number }): unknown => {
      const pick = rng.int(4);
      if (pick === 0) return Array.from({ length: 1 + rng.int(2) }, () => Array.from({ length: 2 * (3 + rng.int(4)) }, () => rng.next() * 60));
      const area = image.width * image.height;
      const first = rng.int(area + 1);
      const counts = first === area ? [area] : [first, rng.int(area - first + 1)];
      if (counts.length === 2) counts.push(area - counts[0]! - counts[1]!);
      if (pick === 1) return { counts, size: [image.height, image.width] };
      if (pick === 2) return { counts: rleToString({ height: image.height, width: image.width, counts: Uint32Array.from(counts) }), size: [image.height, image.width] };
      return undefined;
    };
    const annotations = Array.from({ length: rng.int(8) }, (_, i) => {
      const imageId = 1 + rng.int(images.length);
      return {
        id: i,
        image_id: imageId,
        category_id: 2 * rng.int(categories.length) + 1,
        bbox: [rng.int(60), rng.int(60), 1 + rng.int(60), 1 + rng.int(60)],
        iscrowd: rng.int(2),
        segmentation: segmentation(images[imageId - 1]!),
        attributes: junk(0),
      };
    });
    const doc = { [str()]: junk(0), images, annotations, categories, info: junk(0) };
    const [small, large] = bothPaths(JSON.stringify(doc, null, rng.int(3)));
    assert.deepEqual(large, small, `document ${n}`);
  }
});

test('the same errors naming the file, the list and the record, by either path', () => {
  const doc = trickyDoc();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...doc, annotations: undefined }, /^UserError: instances_x\.json: field 'annotations' is missing/],
    [{ ...doc, images: { id: 1 } }, /^UserError: instances_x\.json: field 'images' is not a list/],
    [{ ...doc, annotations: [null] }, /^UserError: instances_x\.json: annotations\[0\] is null, not an object/],
    [{ ...doc, categories: [{ id: 1, name: 'a' }, 7] }, /^UserError: instances_x\.json: categories\[1\] is 7, not an object/],
    [{ ...doc, annotations: [{ id: 4, image_id: 99, category_id: 1, bbox: [0, 0, 1, 1] }] }, /annotations\[0\] \(id 4\): image_id 99 is not in 'images'/],
    [{ ...doc, images: [{ id: 1, file_name: 'a', width: '640', height: 3 }] }, /images\[0\]: field 'width' is "640", not a number/],
  ];
  for (const [bad, expected] of cases) {
    const text = JSON.stringify(bad);
    assert.throws(() => parseCocoInstances(text, FILE, DIR), expected);
    assert.throws(() => parseCocoBuffer(Buffer.from(text), FILE, DIR), expected);
  }
  for (const text of ['[1, 2]', '"images"', ' 42 ']) {
    for (const parse of [() => parseCocoInstances(text, FILE, DIR), () => parseCocoBuffer(Buffer.from(text), FILE, DIR)]) {
      assert.throws(parse, /^UserError: instances_x\.json: expected a JSON object with images, annotations and categories$/);
    }
  }
});

test('malformed JSON is "not valid JSON" with the byte offset where the scan stopped', () => {
  const good = JSON.stringify(trickyDoc());
  const broken: [string, RegExp][] = [
    [good.slice(0, good.length - 1), /unterminated|expected ',' or '}'|end of file/],
    [good.slice(0, good.indexOf('"annotations"') + 30), /unterminated|expected/],
    ['{"images": [', /expected an element of 'images', found end of file at byte 12/],
    ['{"images": [{"id": 1},]}', /expected a value, found ']' at byte 22/],
    ['{"images": [{"id": 1]]}', /mismatched '\]' at byte 20/],
    ['{"images": [{"id": tru}]}', /at byte 12/],
    ['{"info": {"a": [1}], "images": []}', /mismatched '\}' at byte 17/],
    ['{"images": [] "annotations": []}', /expected ',' or '}' after the value of key "images", found '"' at byte 14/],
    ['{"images": []} x', /expected end of file after the top-level object, found 'x' at byte 15/],
    ['{images: []}', /expected a key in quotes, found 'i' at byte 1/],
    ['{"a\\"b": "unterminated}', /unterminated string at byte 9/],
    ['', /expected a JSON object, found end of file at byte 0/],
  ];
  for (const [text, reason] of broken) {
    assert.throws(() => parseCocoInstances(text, FILE, DIR), /^UserError: instances_x\.json: not valid JSON \(/, `string path: ${text.slice(0, 40)}`);
    assert.throws(
      () => parseCocoBuffer(Buffer.from(text), FILE, DIR),
      (err: Error) => err.name === 'UserError' && err.message.startsWith(`${FILE}: not valid JSON (`) && reason.test(err.message),
      `buffer path: ${text.slice(0, 40)}`,
    );
  }
  assert.throws(() => scanTopLevelArrays(Buffer.from('[{}]'), ['images']), NotAnObjectError);
  assert.throws(() => scanTopLevelArrays(Buffer.from('[{}'), ['images']), JsonScanError);
});

test('readCocoInstances scans files above the threshold and reads smaller ones as a string, with the same result', async () => {
  assert.equal(STREAM_PARSE_ABOVE, 256 * 1024 * 1024);
  const file = join(mkdtempSync(join(tmpdir(), 'ash-coco-stream-')), 'instances_val2017.json');
  writeFileSync(file, JSON.stringify(trickyDoc(), null, 1));
  const asString = await readCocoInstances(file, DIR);
  const scanned = await readCocoInstances(file, DIR, { streamAbove: 0 });
  assert.deepEqual(scanned, asString);
  assert.equal(scanned.records.length, 3);
  // Each element goes through `keep` on its own, and what it returns is what the list holds.
  const seen: string[] = [];
  const lists = scanTopLevelArrays(Buffer.from(JSON.stringify(trickyDoc())), ['annotations', 'categories'], (key, element) => {
    seen.push(key);
    return (element as { id: number }).id;
  });
  assert.deepEqual(lists, { annotations: [10, 11, 12, 13], categories: [3, 1] });
  assert.deepEqual(seen, ['annotations', 'annotations', 'annotations', 'annotations', 'categories', 'categories']);
});
