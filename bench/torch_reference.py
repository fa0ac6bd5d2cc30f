#!/usr/bin/env python3
"""PyTorch reference for `ash bench`: training throughput of the same architectures, batch and optimiser.

Used only for side-by-side ratios; never a runtime dependency of ash-bench (the bench skips it when
`import torch` fails). Debian: apt-get install python3-torch.

  python3 bench/torch_reference.py --model resnet20 --input 32x32x3 --batch 128 --threads 1 --warmup 2 --steps 5

Prints one JSON object: {"model", "input", "batch", "threads", "steps", "ms_per_step" (median), "images_per_second", "torch"}.
The networks mirror src/models/resnet.ts (pre-activation ResNet-20) and src/bench/small-cnn.ts, with SiLU
(= Swish) at every activation site, no conv biases, BN eps 1e-5 / momentum 0.1, SGD lr 0.01, Nesterov momentum
0.9, weight decay 5e-4 (PyTorch applies it to every parameter; ours to conv/dense kernels only: a negligible
difference in cost).
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


def parse_input(text):
    try:
        h, w, c = (int(v) for v in text.split("x"))
        return h, w, c
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input: expected HxWxC such as 32x32x3, got {text!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["resnet20", "small-cnn"], required=True)
    parser.add_argument("--input", type=parse_input, required=True, help="HxWxC, e.g. 32x32x3")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    h, w, c = args.input
    model = PreActResNet(20, c) if args.model == "resnet20" else SmallCnn(c)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    x = torch.rand(args.batch, c, h, w) * 2 - 1
    labels = torch.randint(0, 10, (args.batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels)
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
        "ms_per_step": ms, "images_per_second": args.batch * 1000 / ms, "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
