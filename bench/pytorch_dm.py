"""The reference figure for bench:speed: one DM iteration in PyTorch on this machine.

ConvNet-3 (conv 3x3 -> instance norm -> ReLU -> avg pool 2x2, x3, as the DM/DC reference code), MNIST 28x28
padded to 32x32 by the first conv, 10 classes x REAL real images + IPC synthetic images per class, a fresh random
network each iteration, per-class squared distance of mean embeddings, SGD with momentum on the synthetic pixels.
The real batch goes through the network under no_grad, as in the reference code.

Usage: /usr/bin/python3 bench/pytorch_dm.py DATASETS_DIR [iterations] [width] [threads]
Prints one JSON line: {"msPerIteration": median ms (first iteration left out), "all": [...], "threads": n, ...}.
Needs Debian's python3-torch (1.13) and numpy.
"""
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def convnet(width, depth=3, channels=1):
    layers, c = [], channels
    for i in range(depth):
        layers += [
            nn.Conv2d(c, width, 3, padding=3 if i == 0 else 1),
            nn.GroupNorm(width, width, affine=True),  # instance norm, as the reference ConvNet
            nn.ReLU(inplace=True),
            nn.AvgPool2d(2, 2),
        ]
        c = width
    return nn.Sequential(*layers, nn.Flatten())


def main():
    root = sys.argv[1]
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else os.cpu_count()
    ipc, real = 10, 256
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    images = read_idx(os.path.join(root, "mnist", "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(root, "mnist", "train-labels-idx1-ubyte.gz"))
    x = (torch.from_numpy(images.astype(np.float32) / 255.0) - 0.1307) / 0.3081
    x = x.unsqueeze(1)
    by_class = [np.flatnonzero(labels == c) for c in range(10)]
    syn = torch.cat([x[rng.choice(by_class[c], ipc, replace=False)] for c in range(10)]).clone().requires_grad_(True)
    opt = torch.optim.SGD([syn], lr=1.0, momentum=0.5)
    ms = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        net = convnet(width)
        for p in net.parameters():
            p.requires_grad_(False)
        loss = torch.tensor(0.0)
        for c in range(10):
            batch = x[rng.choice(by_class[c], real, replace=False)]
            with torch.no_grad():
                mean_real = net(batch).mean(0)
            mean_syn = net(syn[c * ipc : (c + 1) * ipc]).mean(0)
            loss = loss + ((mean_real - mean_syn) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        ms.append((time.perf_counter() - t0) * 1000)
    rest = ms[1:] if len(ms) > 1 else ms
    print(json.dumps({"msPerIteration": statistics.median(rest), "all": [round(m) for m in ms], "threads": threads,
                      "torch": torch.__version__, "width": width, "ipc": ipc, "realPerClass": real}))


if __name__ == "__main__":
    main()
