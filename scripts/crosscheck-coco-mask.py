#!/usr/bin/env python3
"""Dev check (not a test: the test suite never needs Python or a C compiler): src/data/coco-mask.ts and
coco-segmentation.ts against cocoapi's own common/maskApi.c (the C that pycocotools wraps), compiled here and
called through ctypes, on random cases. Every count, string and mask pixel must agree.

    python3 scripts/crosscheck-coco-mask.py --maskapi /path/to/cocoapi/common/maskApi.c [--cases 2000] [--seed 0]

maskApi.c is not part of this repository: pass a cocoapi checkout's copy (github.com/cocodataset/cocoapi).
Cases: polygons with COCO-like coordinates (two decimals), exact x.1/x.3/x.5/x.7/x.9 values (where the C's
(int)(5x + .5) rounding is decided by the last bit of the double), arbitrary doubles, vertices outside the
image, repeated vertices; objects of several polygons (union, as pycocotools' merge); count lists written
with rleToString and read back with rleFrString.
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs the TypeScript codec (through tsx, no build needed) on the cases given as JSON on stdin.
TS_SIDE = r"""
import { rleDecode, rleFromPolygon, rleFromString, rleToString } from './src/data/coco-mask.ts';
import { decodeInstanceMasks, packSegmentations, segmentationParts } from './src/data/coco-segmentation.ts';
let text = '';
process.stdin.on('data', (d) => (text += d)).on('end', () => {
  const cases = JSON.parse(text);
  const bits = (m) => Array.from(m, (v) => (v ? '1' : '0')).join('');
  const out = {
    polys: cases.polys.map((c) => [...rleFromPolygon(c.xy, c.h, c.w).counts]),
    objects: cases.objects.map((c) => bits(decodeInstanceMasks(packSegmentations([segmentationParts(c.parts, c.h, c.w)], c.h, c.w)))),
    fromString: cases.strings.map((c) => [...rleFromString(c.s, c.h, c.w).counts]),
    toString: cases.strings.map((c) => rleToString({ height: c.h, width: c.w, counts: Uint32Array.from(c.counts) })),
    decoded: cases.strings.map((c) => bits(rleDecode(rleFromString(c.s, c.h, c.w)))),
  };
  process.stdout.write(JSON.stringify(out));
});
"""


class RLE(ctypes.Structure):
    _fields_ = [('h', ctypes.c_ulong), ('w', ctypes.c_ulong), ('m', ctypes.c_ulong), ('cnts', ctypes.POINTER(ctypes.c_uint))]


def load_maskapi(source):
    build = tempfile.mkdtemp(prefix='maskapi-')
    lib = os.path.join(build, 'libmaskapi.so')
    subprocess.run(['cc', '-O2', '-shared', '-fPIC', '-I', os.path.dirname(source), '-o', lib, source, '-lm'], check=True)
    c = ctypes.CDLL(lib)
    c.rleFrPoly.argtypes = [ctypes.POINTER(RLE), ctypes.POINTER(ctypes.c_double), ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    c.rleFrString.argtypes = [ctypes.POINTER(RLE), ctypes.c_char_p, ctypes.c_ulong, ctypes.c_ulong]
    c.rleToString.argtypes = [ctypes.POINTER(RLE)]
    c.rleToString.restype = ctypes.c_char_p
    c.rleMerge.argtypes = [ctypes.POINTER(RLE), ctypes.POINTER(RLE), ctypes.c_ulong, ctypes.c_int]
    c.rleInit.argtypes = [ctypes.POINTER(RLE), ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.POINTER(ctypes.c_uint)]
    return c


def counts_of(r):
    return [r.cnts[i] for i in range(r.m)]


def c_poly(c, xy, h, w):
    r = RLE()
    arr = (ctypes.c_double * len(xy))(*xy)
    c.rleFrPoly(ctypes.byref(r), arr, len(xy) // 2, h, w)
    return r


def decode_bits(counts, h, w):
    """rleDecode, then row-major as a 0/1 string (the mask is column-major: pixel (x, y) at x * h + y)."""
    flat = np.zeros(h * w, np.uint8)
    at = 0
    for i, n in enumerate(counts):
        if i % 2:
            flat[at:at + n] = 1
        at += n
    return ''.join(map(str, flat.reshape(w, h).T.reshape(-1)))


def coordinate(rng, limit):
    kind = rng.integers(5)
    if kind == 0:
        return round(float(rng.uniform(-3, limit + 3)), 2)
    if kind == 1:  # x.1, x.3, x.5, x.7, x.9: 5x + .5 lands on an integer up to the double's rounding
        return float(rng.integers(-2, limit + 2)) + [0.1, 0.3, 0.5, 0.7, 0.9][rng.integers(5)]
    if kind == 2:
        return float(rng.uniform(-3, limit + 3))
    if kind == 3:
        return float(rng.integers(0, limit + 1))
    return round(float(rng.uniform(0, limit)), 1)


def polygon(rng, h, w):
    pts = []
    for _ in range(int(rng.integers(3, 13))):
        pts.append((coordinate(rng, w), coordinate(rng, h)))
        if rng.random() < 0.1:
            pts.append(pts[-1])  # a zero-length edge
    return [v for p in pts for v in p]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--maskapi', required=True, help="cocoapi's common/maskApi.c")
    ap.add_argument('--cases', type=int, default=2000)
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    c = load_maskapi(os.path.abspath(args.maskapi))
    rng = np.random.default_rng(args.seed)
    cases = {'polys': [], 'objects': [], 'strings': []}
    expected = {'polys': [], 'objects': [], 'fromString': [], 'toString': [], 'decoded': []}
    for _ in range(args.cases):
        h, w = int(rng.integers(1, 61)), int(rng.integers(1, 61))
        xy = polygon(rng, h, w)
        r = c_poly(c, xy, h, w)
        cases['polys'].append({'h': h, 'w': w, 'xy': xy})
        expected['polys'].append(counts_of(r))
        # An object of 1-3 polygons: pycocotools' annToRLE merges them (rleMerge, union).
        parts = [polygon(rng, h, w) for _ in range(int(rng.integers(1, 4)))]
        rles = (RLE * len(parts))(*[c_poly(c, p, h, w) for p in parts])
        merged = RLE()
        c.rleMerge(rles, ctypes.byref(merged), len(parts), 0)
        cases['objects'].append({'h': h, 'w': w, 'parts': parts})
        expected['objects'].append(decode_bits(counts_of(merged), h, w))
        # A random mask's counts (runs of random lengths) through rleToString / rleFrString.
        area, counts, left = h * w, [], h * w
        while left > 0:
            n = int(min(left, rng.geometric(1 / (1 + rng.integers(1, max(2, area // 4))))))
            if not counts and rng.random() < 0.3:
                counts.append(0)
            counts.append(n)
            left -= n
        arr = (ctypes.c_uint * len(counts))(*counts)
        src = RLE()
        c.rleInit(ctypes.byref(src), h, w, len(counts), arr)
        text = c.rleToString(ctypes.byref(src)).decode()
        back = RLE()
        c.rleFrString(ctypes.byref(back), text.encode(), h, w)
        cases['strings'].append({'h': h, 'w': w, 's': text, 'counts': counts})
        expected['toString'].append(text)
        expected['fromString'].append(counts_of(back))
        expected['decoded'].append(decode_bits(counts_of(back), h, w))
    ts = subprocess.run(['node', '--import', 'tsx', '--input-type=module', '-e', TS_SIDE], cwd=ROOT,
                        input=json.dumps(cases), capture_output=True, text=True, check=True)
    got = json.loads(ts.stdout)
    failures = 0
    for key, want in expected.items():
        bad = [i for i, (a, b) in enumerate(zip(got[key], want)) if a != b]
        failures += len(bad)
        print(f'{key:10s} {len(want) - len(bad)}/{len(want)} identical' + (f'; first mismatch: case {bad[0]}' if bad else ''))
        if bad:
            i = bad[0]
            case = cases['polys' if key == 'polys' else 'objects' if key == 'objects' else 'strings'][i]
            print(f'  case: {json.dumps(case)[:300]}\n  ts:   {str(got[key][i])[:200]}\n  c:    {str(want[i])[:200]}')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
