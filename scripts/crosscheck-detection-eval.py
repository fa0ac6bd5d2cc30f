#!/usr/bin/env python3
"""Dev check (not a test: the test suite never needs Python): `ash eval detection` against numpy
re-statements of pycocotools' COCOeval (bbox) and py-faster-rcnn's voc_eval, on random cases written in the
true file formats. Every number must agree to the bit. Needs numpy and a built dist/ (npm run build).

    python3 scripts/crosscheck-detection-eval.py [--seeds 5]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, 'dist', 'cli', 'main.js')
VOC_CLASSES = ['aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable',
               'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor']


def ash(gt, pred):
    out = subprocess.run(['node', CLI, 'eval', 'detection', '--gt', gt, '--pred', pred, '--json'],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# ---------------------------------------------------------------- COCO

def box_iou(d, g, crowd):
    """maskApi.c bbIou for [x, y, w, h] boxes; ious[d, g]."""
    out = np.zeros((len(d), len(g)))
    for j, (gb, c) in enumerate(zip(g, crowd)):
        for i, db in enumerate(d):
            w = min(db[0] + db[2], gb[0] + gb[2]) - max(db[0], gb[0])
            h = min(db[1] + db[3], gb[1] + gb[3]) - max(db[1], gb[1])
            if w <= 0 or h <= 0:
                continue
            inter = w * h
            out[i, j] = inter / (db[2] * db[3] if c else db[2] * db[3] + gb[2] * gb[3] - inter)
    return out


def coco_eval(gt_doc, results):
    iou_thrs = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
    rec_thrs = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1, endpoint=True)
    max_dets = [1, 10, 100]
    area_rngs = [[0 ** 2, 1e5 ** 2], [0 ** 2, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]]
    img_ids = sorted({i['id'] for i in gt_doc['images']})
    cat_ids = sorted({c['id'] for c in gt_doc['categories']})
    dts = [dict(r, id=k + 1, area=r['bbox'][2] * r['bbox'][3], iscrowd=0) for k, r in enumerate(results)]
    gts_of, dts_of = {}, {}
    for g in gt_doc['annotations']:
        gts_of.setdefault((g['image_id'], g['category_id']), []).append(dict(g, ignore=int(g['iscrowd'])))
    for d in dts:
        dts_of.setdefault((d['image_id'], d['category_id']), []).append(d)
    T, R, K, A, M = len(iou_thrs), len(rec_thrs), len(cat_ids), len(area_rngs), len(max_dets)

    def per_image(img, cat, rng):
        gt = gts_of.get((img, cat), [])
        dt = dts_of.get((img, cat), [])
        if not gt and not dt:
            return None
        dt = [dt[i] for i in np.argsort([-d['score'] for d in dt], kind='mergesort')][:max_dets[-1]]
        ious = box_iou([d['bbox'] for d in dt], [g['bbox'] for g in gt], [g['iscrowd'] for g in gt]) if gt and dt else []
        ig = [1 if g['ignore'] or g['area'] < rng[0] or g['area'] > rng[1] else 0 for g in gt]
        gorder = np.argsort(ig, kind='mergesort')
        gt = [gt[i] for i in gorder]
        ig = np.array([ig[i] for i in gorder])
        if len(ious):
            ious = ious[:, gorder]
        gtm, dtm, dtig = np.zeros((T, len(gt))), np.zeros((T, len(dt))), np.zeros((T, len(dt)))
        if len(ious):
            for ti, t in enumerate(iou_thrs):
                for di in range(len(dt)):
                    best, m = min(t, 1 - 1e-10), -1
                    for gi in range(len(gt)):
                        if gtm[ti, gi] > 0 and not gt[gi]['iscrowd']:
                            continue
                        if m > -1 and ig[m] == 0 and ig[gi] == 1:
                            break
                        if ious[di, gi] < best:
                            continue
                        best, m = ious[di, gi], gi
                    if m > -1:
                        dtig[ti, di] = ig[m]
                        dtm[ti, di] = gt[m]['id']
                        gtm[ti, m] = dt[di]['id']
        outside = np.array([d['area'] < rng[0] or d['area'] > rng[1] for d in dt]).reshape((1, len(dt)))
        dtig = np.logical_or(dtig, np.logical_and(dtm == 0, np.repeat(outside, T, 0)))
        return {'scores': [d['score'] for d in dt], 'dtm': dtm, 'dtig': dtig, 'gtig': ig}

    precision = -np.ones((T, R, K, A, M))
    recall = -np.ones((T, K, A, M))
    for k, cat in enumerate(cat_ids):
        for a, rng in enumerate(area_rngs):
            E = [e for e in (per_image(img, cat, rng) for img in img_ids) if e is not None]
            for m, md in enumerate(max_dets):
                if not E:
                    continue
                scores = np.concatenate([e['scores'][:md] for e in E])
                inds = np.argsort(-scores, kind='mergesort')
                dtm = np.concatenate([e['dtm'][:, :md] for e in E], axis=1)[:, inds]
                dtig = np.concatenate([e['dtig'][:, :md] for e in E], axis=1)[:, inds]
                npig = np.count_nonzero(np.concatenate([e['gtig'] for e in E]) == 0)
                if npig == 0:
                    continue
                tps = np.cumsum(np.logical_and(dtm, np.logical_not(dtig)), axis=1).astype(float)
                fps = np.cumsum(np.logical_and(np.logical_not(dtm), np.logical_not(dtig)), axis=1).astype(float)
                for t, (tp, fp) in enumerate(zip(tps, fps)):
                    nd = len(tp)
                    rc = tp / npig
                    pr = (tp / (fp + tp + np.spacing(1))).tolist()
                    recall[t, k, a, m] = rc[-1] if nd else 0
                    for i in range(nd - 1, 0, -1):
                        if pr[i] > pr[i - 1]:
                            pr[i - 1] = pr[i]
                    q = np.zeros(R)
                    for ri, pi in enumerate(np.searchsorted(rc, rec_thrs, side='left')):
                        if pi >= nd:
                            break
                        q[ri] = pr[pi]
                    precision[t, :, k, a, m] = q

    def summarize(ap, thr=None, area=0, md=100):
        mi = max_dets.index(md)
        s = precision if ap else recall
        if thr is not None:
            s = s[np.where(thr == iou_thrs)[0]]
        s = s[:, :, :, area, mi] if ap else s[:, :, area, mi]
        return -1 if len(s[s > -1]) == 0 else np.mean(s[s > -1])

    stats = [summarize(1), summarize(1, .5), summarize(1, .75), summarize(1, area=1), summarize(1, area=2),
             summarize(1, area=3), summarize(0, md=1), summarize(0, md=10), summarize(0), summarize(0, area=1),
             summarize(0, area=2), summarize(0, area=3)]
    per_class = []
    for k in range(K):
        p = precision[:, :, k, 0, -1]
        p50 = precision[0, :, k, 0, -1]
        per_class.append((np.mean(p[p > -1]) * 100 if p[p > -1].size else None,
                          np.mean(p50[p50 > -1]) * 100 if p50[p50 > -1].size else None))
    return [float(s) for s in stats], per_class


def random_coco(rng):
    images = [{'id': int(i), 'file_name': f'{i}.jpg', 'width': 200, 'height': 160} for i in rng.permutation(12) + 1]
    cats = [{'id': c, 'name': f'c{c}', 'supercategory': 'x'} for c in (1, 3, 7, 9)]
    anns, results = [], []
    for img in images:
        for _ in range(rng.integers(0, 7)):
            x, y = rng.uniform(0, 150), rng.uniform(0, 110)
            w, h = rng.uniform(2, 120), rng.uniform(2, 90)
            cat = int(rng.choice([1, 3, 7]))  # category 9 never has ground truth
            area = float(w * h * rng.uniform(0.5, 1.0))
            anns.append({'id': len(anns) + 1, 'image_id': img['id'], 'category_id': cat, 'bbox': [x, y, w, h],
                         'area': area, 'iscrowd': int(rng.random() < 0.1)})
            for _ in range(rng.integers(0, 4)):  # detections near the object, some duplicates
                j = rng.normal(0, 0.15, 4) * np.array([w, h, w, h])
                results.append({'image_id': img['id'], 'category_id': cat if rng.random() < 0.85 else 9,
                                'bbox': [float(v) for v in (x + j[0], y + j[1], max(1, w + j[2]), max(1, h + j[3]))],
                                'score': float(np.round(rng.random(), 2))})  # rounded: many ties
        for _ in range(rng.integers(0, 4)):  # false alarms
            results.append({'image_id': img['id'], 'category_id': int(rng.choice([1, 3, 7, 9])),
                            'bbox': [float(v) for v in rng.uniform(1, 100, 4)], 'score': float(np.round(rng.random(), 2))})
    # One image with more than 100 detections of one category.
    for _ in range(130):
        results.append({'image_id': images[0]['id'], 'category_id': 1, 'bbox': [float(v) for v in rng.uniform(1, 100, 4)],
                        'score': float(np.round(rng.random(), 2))})
    rng.shuffle(results)
    return {'images': images, 'annotations': anns, 'categories': cats}, results


# ---------------------------------------------------------------- VOC

def voc_ap(rec, prec, use07):
    if use07:
        ap = 0.
        for t in np.arange(0., 1.1, 0.1):
            p = 0 if np.sum(rec >= t) == 0 else np.max(prec[rec >= t])
            ap = ap + p / 11.
        return ap
    mrec = np.concatenate(([0.], rec, [1.]))
    mpre = np.concatenate(([0.], prec, [0.]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


def voc_eval_class(objs_by_image, dets, use07):
    npos = sum(1 for objs in objs_by_image.values() for o in objs if not o['difficult'])
    taken = {k: [False] * len(v) for k, v in objs_by_image.items()}
    conf = np.array([d[1] for d in dets])
    order = np.argsort(-conf, kind='mergesort')
    tp, fp = np.zeros(len(dets)), np.zeros(len(dets))
    for n, idx in enumerate(order):
        image, _, *bb = dets[idx]
        objs = objs_by_image[image]
        ovmax, jmax = -np.inf, -1
        if objs:
            g = np.array([o['bbox'] for o in objs], dtype=float)
            iw = np.maximum(np.minimum(g[:, 2], bb[2]) - np.maximum(g[:, 0], bb[0]) + 1., 0.)
            ih = np.maximum(np.minimum(g[:, 3], bb[3]) - np.maximum(g[:, 1], bb[1]) + 1., 0.)
            inters = iw * ih
            uni = (bb[2] - bb[0] + 1.) * (bb[3] - bb[1] + 1.) + (g[:, 2] - g[:, 0] + 1.) * (g[:, 3] - g[:, 1] + 1.) - inters
            ov = inters / uni
            ovmax, jmax = np.max(ov), np.argmax(ov)
        if ovmax > 0.5:
            if not objs[jmax]['difficult']:
                if not taken[image][jmax]:
                    tp[n], taken[image][jmax] = 1., True
                else:
                    fp[n] = 1.
        else:
            fp[n] = 1.
    if npos == 0:
        return None
    fp, tp = np.cumsum(fp), np.cumsum(tp)
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap(rec, prec, use07)


def write_voc(rng, root):
    year = os.path.join(root, 'VOCdevkit', 'VOC2007')
    os.makedirs(os.path.join(year, 'Annotations'))
    os.makedirs(os.path.join(year, 'ImageSets', 'Main'))
    pred = os.path.join(root, 'results')
    os.makedirs(pred)
    ids = [f'{i:06d}' for i in range(1, 16)]
    objs_by_image, dets_by_class = {}, {c: [] for c in VOC_CLASSES}
    used = VOC_CLASSES[:5]  # the other 15 classes have neither objects nor (mostly) detections
    for img in ids:
        objs = []
        for _ in range(rng.integers(0, 6)):
            x1, y1 = int(rng.integers(1, 150)), int(rng.integers(1, 100))
            x2, y2 = min(200, x1 + int(rng.integers(3, 80))), min(150, y1 + int(rng.integers(3, 60)))
            objs.append({'name': str(rng.choice(used)), 'bbox': [x1, y1, x2, y2], 'difficult': int(rng.random() < 0.15)})
            for _ in range(rng.integers(0, 3)):
                j = np.round(rng.normal(0, 4, 4), 1)
                dets_by_class[objs[-1]['name'] if rng.random() < 0.9 else str(rng.choice(VOC_CLASSES))].append(
                    (img, float(np.round(rng.random(), 2)), x1 + j[0], y1 + j[1], x2 + j[2], y2 + j[3]))
        for _ in range(rng.integers(0, 3)):
            x1, y1 = float(rng.integers(1, 150)), float(rng.integers(1, 100))
            dets_by_class[str(rng.choice(used))].append((img, float(np.round(rng.random(), 2)), x1, y1, x1 + 30.5, y1 + 20.0))
        objs_by_image[img] = objs
        xml_objs = ''.join(
            f"<object><name>{o['name']}</name><pose>Unspecified</pose><truncated>0</truncated><difficult>{o['difficult']}</difficult>"
            f"<bndbox><xmin>{o['bbox'][0]}</xmin><ymin>{o['bbox'][1]}</ymin><xmax>{o['bbox'][2]}</xmax><ymax>{o['bbox'][3]}</ymax></bndbox></object>"
            for o in objs)
        with open(os.path.join(year, 'Annotations', f'{img}.xml'), 'w') as f:
            f.write(f'<annotation><folder>VOC2007</folder><filename>{img}.jpg</filename><size><width>200</width>'
                    f'<height>150</height><depth>3</depth></size>{xml_objs}</annotation>\n')
    with open(os.path.join(year, 'ImageSets', 'Main', 'test.txt'), 'w') as f:
        f.write(''.join(f'{i}\n' for i in ids))
    for c, dets in dets_by_class.items():
        with open(os.path.join(pred, f'comp4_det_test_{c}.txt'), 'w') as f:
            f.write(''.join(f'{d[0]} {d[1]:.3f} {d[2]:.1f} {d[3]:.1f} {d[4]:.1f} {d[5]:.1f}\n' for d in dets))
    # What the devkit reads back: the rounded text.
    dets_read = {c: [(d[0], float(f'{d[1]:.3f}'), *(float(f'{v:.1f}') for v in d[2:])) for d in dets] for c, dets in dets_by_class.items()}
    return year, pred, objs_by_image, dets_read


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seeds', type=int, default=5)
    args = parser.parse_args()
    failures = 0
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        with tempfile.TemporaryDirectory() as tmp:
            gt_doc, results = random_coco(rng)
            gt_file, res_file = os.path.join(tmp, 'instances_val.json'), os.path.join(tmp, 'results.json')
            json.dump(gt_doc, open(gt_file, 'w'))
            json.dump(results, open(res_file, 'w'))
            stats, per_class = coco_eval(gt_doc, results)
            got = ash(gt_file, res_file)
            ours = [c for c in got['perClass']]
            ok = got['stats'] == stats and [(c['ap'], c['ap50']) for c in ours] == per_class
            print(f'seed {seed} coco: {len(results)} detections, AP {stats[0]!r} AP50 {stats[1]!r} AR100 {stats[8]!r}: {"same" if ok else "DIFFERENT"}')
            if not ok:
                failures += 1
                print('  ash   ', got['stats'], [(c['ap'], c['ap50']) for c in ours])
                print('  numpy ', stats, per_class)

            year, pred, objs_by_image, dets = write_voc(rng, os.path.join(tmp, 'voc'))
            for metric, use07 in (('voc07', True), ('voc12', False)):
                aps = []
                for c in VOC_CLASSES:
                    per_image = {img: [o for o in objs if o['name'] == c] for img, objs in objs_by_image.items()}
                    aps.append(voc_eval_class(per_image, dets[c], use07))
                present = [a for a in aps if a is not None]
                expected_map = float(np.mean(present) * 100)
                out = subprocess.run(['node', CLI, 'eval', 'detection', '--gt', year, '--pred', pred, '--metric', metric, '--json'],
                                     capture_output=True, text=True, check=True)
                got = json.loads(out.stdout)
                ok = got['map50'] == expected_map and [c['ap50'] for c in got['perClass']] == [None if a is None else float(a * 100) for a in aps]
                print(f'seed {seed} {metric}: mAP50 {expected_map!r}: {"same" if ok else "DIFFERENT"}')
                if not ok:
                    failures += 1
                    print('  ash   ', got['map50'], [c['ap50'] for c in got['perClass']])
                    print('  numpy ', expected_map, aps)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
