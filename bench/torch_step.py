"""PyTorch reference for `npm run bench`: the same SimCLR step as the playground's default (small CNN on
28x28 MNIST, batch 128, same augmentations, NT-Xent, Adam), on CPU. Prints one JSON line.

Usage: python3 bench/torch_step.py [--batch 128] [--steps 20] [--threads 2]
"""
import argparse
import gzip
import json
import math
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_mnist(root):
    with gzip.open(os.path.join(root, "t10k-images-idx3-ubyte.gz")) as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(data.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)


class Net(nn.Module):
    """Encoder and projection head, as src/engine/model.ts (width 16)."""

    def __init__(self, w=16, hidden=64, out=32):
        super().__init__()
        self.c1 = nn.Conv2d(1, w, 3, 1, 1)
        self.c2 = nn.Conv2d(w, 2 * w, 3, 2, 1)
        self.c3 = nn.Conv2d(2 * w, 4 * w, 3, 2, 1)
        self.p1 = nn.Linear(4 * w, hidden)
        self.p2 = nn.Linear(hidden, out)

    def forward(self, x):
        h = F.relu(self.c3(F.relu(self.c2(F.relu(self.c1(x)))))).mean((2, 3))
        return self.p2(F.relu(self.p1(h)))


def gaussian_kernel(sigma):
    r = max(1, math.ceil(2 * sigma))
    g = torch.exp(-((torch.arange(-r, r + 1, dtype=torch.float32)) ** 2) / (2 * sigma * sigma))
    k = torch.outer(g, g)
    return (k / k.sum())[None, None]


def augment(x, gen, crop_min=0.5, rot=15.0, contrast=0.4, blur_p=0.3, blur_kernel=None, noise=0.1):
    """Batched augmentations, the same as src/engine/augment.ts: crop+rotation as one affine warp,
    contrast jitter, Gaussian blur with probability p, Gaussian noise; clipped to [0, 1]."""
    n = x.shape[0]
    scale = crop_min + (1 - crop_min) * torch.rand(n, generator=gen)
    log_a = math.log(3 / 4) + (math.log(4 / 3) - math.log(3 / 4)) * torch.rand(n, generator=gen)
    aspect = torch.exp(log_a)
    cw = torch.clamp(torch.sqrt(scale * aspect), max=1.0)
    ch = torch.clamp(torch.sqrt(scale / aspect), max=1.0)
    cx = cw / 2 + (1 - cw) * torch.rand(n, generator=gen)
    cy = ch / 2 + (1 - ch) * torch.rand(n, generator=gen)
    th = (2 * torch.rand(n, generator=gen) - 1) * rot * math.pi / 180
    theta = torch.stack(
        [
            torch.stack([torch.cos(th) * cw, -torch.sin(th) * ch, 2 * cx - 1], 1),
            torch.stack([torch.sin(th) * cw, torch.cos(th) * ch, 2 * cy - 1], 1),
        ],
        1,
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    v = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    f = (1 - contrast + 2 * contrast * torch.rand(n, 1, 1, 1, generator=gen))
    m = v.mean((1, 2, 3), keepdim=True)
    v = (v - m) * f + m
    mask = (torch.rand(n, 1, 1, 1, generator=gen) < blur_p).float()
    blurred = F.conv2d(v, blur_kernel, padding=blur_kernel.shape[-1] // 2)
    v = v + mask * (blurred - v)
    v = v + noise * torch.randn(v.shape, generator=gen)
    return v.clamp(0, 1)


def nt_xent(z1, z2, tau):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n2 = z.shape[0]
    sim = z @ z.t() / tau
    sim = sim - 1e9 * torch.eye(n2)
    target = (torch.arange(n2) + n2 // 2) % n2
    return F.cross_entropy(sim, target)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "public", "data", "mnist"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    images = load_mnist(a.data)[:9000]
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    kernel = gaussian_kernel(1.0)
    times = []
    for step in range(a.steps + 3):
        t0 = time.perf_counter()
        idx = torch.randint(0, images.shape[0], (a.batch,), generator=gen)
        x = images[idx]
        v1 = augment(x, gen, blur_kernel=kernel)
        v2 = augment(x, gen, blur_kernel=kernel)
        loss = nt_xent(net(v1), net(v2), 0.5)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_value = loss.item()
        if step >= 3:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "batch": a.batch,
                      "median_ms": statistics.median(times), "loss": loss_value}))


if __name__ == "__main__":
    main()
