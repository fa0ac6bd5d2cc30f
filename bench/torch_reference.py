#!/usr/bin/env python3
"""PyTorch reference for `ash bench`: training throughput of the same architectures, batch and optimiser.

Used only for side-by-side ratios; never a runtime dependency of ash-bench (the bench skips it when
`import torch` fails). Debian: apt-get install python3-torch.

  python3 bench/torch_reference.py --model resnet20 --input 32x32x3 --batch 128 --threads 1 --warmup 2 --steps 5

Prints one JSON object: {"model", "input", "batch", "threads", "steps", "ms_per_step" (median), "images_per_second",
"params" (trainable parameters, equal to ours), "torch"}.
The networks mirror src/models/resnet.ts (pre-activation ResNet-20), src/bench/small-cnn.ts, src/models/unet.ts
(`unet-small`: base 16, 3 levels) and src/models/detection/ssd.ts (`ssd-small`), with SiLU (= Swish) at every
activation site, no biases on convs followed by BN, BN eps 1e-5 / momentum 0.1, SGD lr 0.01, Nesterov momentum
0.9, weight decay 5e-4 (PyTorch applies it to every parameter; ours to conv/dense kernels only: a negligible
difference in cost). Losses as ours: cross-entropy (classifiers), per-pixel cross-entropy with ignore index 255
(U-Net), and ssd.pytorch's MultiBoxLoss (layers/modules/multibox_loss.py: priors matched every step, smooth-L1
on the positives, cross-entropy on them and 3 hard negatives per positive, both / N) for SSD.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# Keep in step with SMALL_CNN_BLOCKS in src/bench/small-cnn.ts.
SMALL_CNN_BLOCKS = [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1)]
# Keep in step with BENCH_CLASSES in src/bench/throughput.ts.
CLASSES = {"resnet20": 10, "small-cnn": 10, "unet-small": 11, "ssd-small": 10}
IGNORE_INDEX = 255


def conv3x3(cin, cout, stride):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class PreActBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = conv3x3(cout, cout, 1)
        self.proj = nn.Conv2d(cin, cout, 1, stride=stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        pre = F.silu(self.bn1(x))
        shortcut = self.proj(pre) if self.proj is not None else x
        y = self.conv1(pre)
        y = self.conv2(F.silu(self.bn2(y)))
        return y + shortcut


class PreActResNet(nn.Module):
    def __init__(self, depth, in_channels, classes=10):
        super().__init__()
        per_stage = (depth - 2) // 6
        self.stem = conv3x3(in_channels, 16, 1)
        blocks, cin = [], 16
        for stage, width in enumerate([16, 32, 64]):
            for i in range(per_stage):
                blocks.append(PreActBlock(cin, width, 2 if stage > 0 and i == 0 else 1))
                cin = width
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        x = F.silu(self.bn(x))
        return self.fc(x.mean(dim=(2, 3)))


class SmallCnn(nn.Module):
    def __init__(self, in_channels, classes=10):
        super().__init__()
        layers, cin = [], in_channels
        for cout, stride in SMALL_CNN_BLOCKS:
            layers += [conv3x3(cin, cout, stride), nn.BatchNorm2d(cout), nn.SiLU()]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=(2, 3)))


def conv_bn_silu(cin, cout, kernel=3, stride=1, padding=1):
    return [nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False), nn.BatchNorm2d(cout), nn.SiLU()]


class UNet(nn.Module):
    """src/models/unet.ts: 'same' padding, BN after every 3x3 conv, 2x2 max pools, 2x2 stride-2 up-convs with bias,
    concat [skip, up], a 1x1 logits conv with bias."""

    def __init__(self, in_channels, classes, base=16, levels=3):
        super().__init__()
        double = lambda cin, cout: nn.Sequential(*conv_bn_silu(cin, cout), *conv_bn_silu(cout, cout))
        self.down, cin = nn.ModuleList(), in_channels
        for level in range(levels):
            self.down.append(double(cin, base * 2 ** level))
            cin = base * 2 ** level
        self.bottom = double(cin, base * 2 ** levels)
        cin = base * 2 ** levels
        self.upconvs, self.up = nn.ModuleList(), nn.ModuleList()
        for level in reversed(range(levels)):
            filters = base * 2 ** level
            self.upconvs.append(nn.ConvTranspose2d(cin, filters, 2, stride=2))
            self.up.append(double(2 * filters, filters))
            cin = filters
        self.logits = nn.Conv2d(cin, classes, 1)

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2, 2)
        x = self.bottom(x)
        for upconv, block, skip in zip(self.upconvs, self.up, reversed(skips)):
            x = block(torch.cat([skip, upconv(x)], dim=1))
        return self.logits(x)


# ssd-small (src/models/detection/ssd.ts ssdSmallSources, ssd-priors.ts SSD_SMALL_PRIORS).
SSD_SMALL_PRIORS = {"steps": [8, 16, 32], "min_sizes": [10, 20, 36], "max_sizes": [20, 36, 52], "aspect_ratios": [[2], [2, 3], [2]]}
SSD_VARIANCES = (0.1, 0.2)
SSD_MATCH_IOU = 0.5
NEG_POS_RATIO = 3


class TfSameStride2(nn.Module):
    """TF 'same' padding of a 3x3 stride-2 conv on an even input: one row and column after, none before."""

    def __init__(self, conv):
        super().__init__()
        self.conv = conv

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class SsdSmall(nn.Module):
    def __init__(self, in_channels, classes):
        super().__init__()
        layers, cin = [], in_channels
        for filters, convs in [(16, 1), (32, 1), (64, 2)]:
            for _ in range(convs):
                layers += conv_bn_silu(cin, filters)
                cin = filters
            layers.append(nn.MaxPool2d(2, 2))
        self.base = nn.Sequential(*layers)
        self.extras = nn.ModuleList()
        for _ in range(2):
            squeeze = conv_bn_silu(64, 32, kernel=1, padding=0)
            down = conv_bn_silu(32, 64, stride=2, padding=0)
            self.extras.append(nn.Sequential(*squeeze, TfSameStride2(down[0]), *down[1:]))
        boxes = [2 + 2 * len(r) for r in SSD_SMALL_PRIORS["aspect_ratios"]]
        self.loc = nn.ModuleList(nn.Conv2d(64, b * 4, 3, padding=1) for b in boxes)
        self.conf = nn.ModuleList(nn.Conv2d(64, b * (classes + 1), 3, padding=1) for b in boxes)
        self.classes = classes

    def forward(self, x):
        x = self.base(x)
        sources = [x]
        for extra in self.extras:
            x = extra(x)
            sources.append(x)
        n = x.size(0)
        # [N, cells * boxes, width] in (row, column, box) order, as ours (NHWC) and ssd.pytorch.
        loc = torch.cat([l(s).permute(0, 2, 3, 1).reshape(n, -1, 4) for l, s in zip(self.loc, sources)], 1)
        conf = torch.cat([c(s).permute(0, 2, 3, 1).reshape(n, -1, self.classes + 1) for c, s in zip(self.conf, sources)], 1)
        return loc, conf


def ssd_priors(size, feature_sizes, cfg=SSD_SMALL_PRIORS):
    """Centre-form priors in pixels, clipped to the image (ssd.pytorch prior_box.py, in pixels as ours)."""
    out = []
    for k, f in enumerate(feature_sizes):
        step, s = cfg["steps"][k], cfg["min_sizes"][k]
        big = (s * cfg["max_sizes"][k]) ** 0.5
        for i in range(f):
            for j in range(f):
                cx, cy = (j + 0.5) * step, (i + 0.5) * step
                out += [[cx, cy, s, s], [cx, cy, big, big]]
                for r in cfg["aspect_ratios"][k]:
                    out += [[cx, cy, s * r ** 0.5, s / r ** 0.5], [cx, cy, s / r ** 0.5, s * r ** 0.5]]
    return torch.tensor(out).clamp(0, size)


def jaccard(a, b):
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(2)
    area = lambda t: (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def match(truths, labels, priors):
    """ssd.pytorch layers/box_utils.py match + encode: offsets [P, 4] and labels [P] (0 = background)."""
    point = torch.cat([priors[:, :2] - priors[:, 2:] / 2, priors[:, :2] + priors[:, 2:] / 2], 1)
    overlaps = jaccard(truths, point)
    best_prior_overlap, best_prior_idx = overlaps.max(1)
    best_truth_overlap, best_truth_idx = overlaps.max(0)
    best_truth_overlap.index_fill_(0, best_prior_idx, 2)
    for j in range(best_prior_idx.size(0)):
        best_truth_idx[best_prior_idx[j]] = j
    matched = truths[best_truth_idx]
    conf = labels[best_truth_idx] + 1
    conf[best_truth_overlap < SSD_MATCH_IOU] = 0
    g_cxcy = ((matched[:, :2] + matched[:, 2:]) / 2 - priors[:, :2]) / (SSD_VARIANCES[0] * priors[:, 2:])
    g_wh = torch.log((matched[:, 2:] - matched[:, :2]) / priors[:, 2:]) / SSD_VARIANCES[1]
    return torch.cat([g_cxcy, g_wh], 1), conf


def multibox_loss(loc_data, conf_data, priors, targets):
    """ssd.pytorch layers/modules/multibox_loss.py MultiBoxLoss.forward (alpha 1, 3:1 hard-negative mining)."""
    num, num_priors, num_classes = conf_data.shape
    loc_t = torch.empty(num, num_priors, 4)
    conf_t = torch.empty(num, num_priors, dtype=torch.long)
    for idx, (truths, labels) in enumerate(targets):
        loc_t[idx], conf_t[idx] = match(truths, labels, priors)
    pos = conf_t > 0
    loss_l = F.smooth_l1_loss(loc_data[pos], loc_t[pos], reduction="sum")
    batch_conf = conf_data.detach().view(-1, num_classes)
    loss_c = (torch.logsumexp(batch_conf, 1) - batch_conf.gather(1, conf_t.view(-1, 1)).squeeze(1)).view(num, -1)
    loss_c[pos] = 0
    _, loss_idx = loss_c.sort(1, descending=True)
    _, idx_rank = loss_idx.sort(1)
    num_pos = pos.long().sum(1, keepdim=True)
    num_neg = torch.clamp(NEG_POS_RATIO * num_pos, max=num_priors - 1)
    neg = idx_rank < num_neg.expand_as(idx_rank)
    chosen = (pos | neg)
    loss_c = F.cross_entropy(conf_data[chosen], conf_t[chosen], reduction="sum")
    n = max(1, int(num_pos.sum()))
    return (loss_l + loss_c) / n, loss_l / n, loss_c / n


def random_scene_truth(batch, size, classes):
    """Fashion-scenes-like truth as src/bench/throughput.ts randomSceneTruth: 2-4 items, 8-26 pixels a side."""
    out = []
    for _ in range(batch):
        count = int(torch.randint(2, 5, ()))
        boxes = []
        for _ in range(count):
            w, h = int(torch.randint(8, 27, ())), int(torch.randint(8, 27, ()))
            x0, y0 = int(torch.randint(0, size - w + 1, ())), int(torch.randint(0, size - h + 1, ()))
            boxes.append([x0, y0, x0 + w, y0 + h])
        out.append((torch.tensor(boxes, dtype=torch.float32), torch.randint(0, classes, (count,))))
    return out


def build(name, h, c):
    classes = CLASSES[name]
    if name == "resnet20":
        return PreActResNet(20, c, classes)
    if name == "small-cnn":
        return SmallCnn(c, classes)
    if name == "unet-small":
        return UNet(c, classes, base=16, levels=3)
    return SsdSmall(c, classes)


def loss_function(name, model, batch, h, w):
    """The task's loss on one fixed random batch, as a closure over the model's output."""
    classes = CLASSES[name]
    if name == "unet-small":
        labels = torch.randint(0, classes, (batch, h, w))
        labels[torch.rand(batch, h, w) < 0.05] = IGNORE_INDEX
        return lambda out: F.cross_entropy(out, labels, ignore_index=IGNORE_INDEX)
    if name == "ssd-small":
        priors = ssd_priors(h, [h // 8, h // 16, h // 32])
        targets = random_scene_truth(batch, h, classes)
        return lambda out: multibox_loss(out[0], out[1], priors, targets)[0]
    labels = torch.randint(0, classes, (batch,))
    return lambda out: F.cross_entropy(out, labels)


def check_ssd_loss():
    """--check-ssd-loss: the MultiBox loss of given outputs and truth (JSON on stdin), to compare with ours."""
    data = json.load(__import__("sys").stdin)
    size = data["size"]
    priors = ssd_priors(size, [size // 8, size // 16, size // 32])
    targets = [(torch.tensor(b, dtype=torch.float32).view(-1, 4), torch.tensor(c)) for b, c in data["truth"]]
    total, loc, conf = multibox_loss(torch.tensor(data["loc"]), torch.tensor(data["conf"]), priors, targets)
    print(json.dumps({"total": float(total), "loc": float(loc), "conf": float(conf), "priors": priors.size(0)}))


def parse_input(text):
    try:
        h, w, c = (int(v) for v in text.split("x"))
        return h, w, c
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input: expected HxWxC such as 32x32x3, got {text!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check-ssd-loss", action="store_true", help="read SSD outputs and truth as JSON on stdin, print the loss")
    parser.add_argument("--model", choices=list(CLASSES))
    parser.add_argument("--input", type=parse_input, help="HxWxC, e.g. 32x32x3")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    if args.check_ssd_loss:
        return check_ssd_loss()
    if args.model is None or args.input is None or args.batch is None:
        parser.error("--model, --input and --batch are required")

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    h, w, c = args.input
    model = build(args.model, h, c)
    model.train()
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    x = torch.rand(args.batch, c, h, w) * 2 - 1
    loss_of = loss_function(args.model, model, args.batch, h, w)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(model(x))
        loss.backward()
        optimizer.step()
        return loss.item()  # as the TypeScript side reads its loss back every step

    for _ in range(args.warmup):
        step()
    # The median step, so that a burst of load from other processes on a shared machine counts once.
    times = []
    for _ in range(args.steps):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    ms = statistics.median(times)
    print(json.dumps({
        "model": args.model, "input": [h, w, c], "batch": args.batch, "threads": args.threads, "steps": args.steps,
        "ms_per_step": ms, "images_per_second": args.batch * 1000 / ms, "params": params, "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
