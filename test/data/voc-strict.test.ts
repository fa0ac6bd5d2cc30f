// The VOC annotation reader takes only what VOC writes: decimal coordinates, a positive image size, and
// boxes that cover at least one pixel of the image. Anything else names the file and the object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/engine/errors.js';
import { parseVocXml } from '../../src/data/voc.js';

function xml(size: [string, string], box: [string, string, string, string]): string {
  const [w, h] = size;
  const [xmin, ymin, xmax, ymax] = box;
  return `<annotation><filename>1.jpg</filename><size><width>${w}</width><height>${h}</height><depth>3</depth></size>` +
    `<object><name>dog</name><difficult>0</difficult><bndbox><xmin>${xmin}</xmin><ymin>${ymin}</ymin><xmax>${xmax}</xmax><ymax>${ymax}</ymax></bndbox></object></annotation>`;
}

function refused(pattern: RegExp) {
  return (err: unknown) => err instanceof UserError && err.message.startsWith('f.xml: ') && pattern.test(err.message);
}

test('a box covering no pixel, like (0,0)-(0,0), is refused', () => {
  assert.throws(() => parseVocXml(xml(['10', '10'], ['0', '0', '0', '0']), 'f.xml'), refused(/object 1: box \(0, 0\)-\(0, 0\) covers no pixel of the 10x10 image/));
  // A one-pixel box at the 1-based corner is fine: [x, y, w, h] = [0, 0, 1, 1].
  assert.deepEqual([...parseVocXml(xml(['10', '10'], ['1', '1', '1', '1']), 'f.xml').boxes], [0, 0, 1, 1]);
});

test('an empty, hexadecimal or exponent coordinate is not a number', () => {
  assert.throws(() => parseVocXml(xml(['10', '10'], ['', '1', '5', '5']), 'f.xml'), refused(/object 1: <bndbox><xmin> is '', not a number/));
  assert.throws(() => parseVocXml(xml(['10', '10'], ['0x2', '1', '5', '5']), 'f.xml'), refused(/<bndbox><xmin> is '0x2', not a number/));
  assert.throws(() => parseVocXml(xml(['10', '10'], ['1', '1', '5e0', '5']), 'f.xml'), refused(/<bndbox><xmax> is '5e0', not a number/));
  // Decimal corners (a few VOC2012 files have them) still read.
  assert.deepEqual([...parseVocXml(xml(['10', '10'], ['1.5', '1', '5', '5']), 'f.xml').boxes], [0.5, 0, 4.5, 5]);
});

test('an image size of zero or less is refused', () => {
  assert.throws(() => parseVocXml(xml(['0', '10'], ['1', '1', '1', '1']), 'f.xml'), refused(/<size><width> is 0; expected a positive whole number of pixels/));
  assert.throws(() => parseVocXml(xml(['10', '-3'], ['1', '1', '1', '1']), 'f.xml'), refused(/<size><height> is -3; expected a positive whole number of pixels/));
});
