"""PyTorch baseline of one RA-Unet training step, for `pytorch-step.bench.ts` (same run, same machine).

The paper's RA-Unet as `buildRAUnet()` builds it by default (5 levels, 16..256 channels, two residual blocks per
encoder level and one per decoder level, strided 3x3x3 convolutions with symmetric padding between levels,
trilinear upsampling with a 1x1x1 projection, the RA block above the bottleneck: 1x1x1 reduction to a quarter of
the channels, 4-head self-attention over the 24x24x4 grid with a learned position code, 1x1x1 expansion and a
residual add; batch norm, ReLU, a 1x1x1 sigmoid head). Written here from the SPEC for timing only: the same
layer shapes and FLOP, not the same weights. One step = forward, Dice loss, backward, Adam, batch 1.

Threads: OMP_NUM_THREADS, else one per core (as oneDNN in our process). Prints one JSON line: {"torch", "threads", "first_step_s", "step_s" (median), "step_cpu_s", "peak_rss_bytes"}.
Arguments: x y z (patch, default 192 192 32), steps (default 4).
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout, k, stride=1):
    return nn.Sequential(nn.Conv3d(cin, cout, k, stride, padding=k // 2, bias=False), nn.BatchNorm3d(cout, eps=1e-5), nn.ReLU(inplace=True))


class Residual(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.c1 = nn.Conv3d(cin, cout, 3, padding=1, bias=False)
        self.n1 = nn.BatchNorm3d(cout, eps=1e-5)
        self.c2 = nn.Conv3d(cout, cout, 3, padding=1, bias=False)
        self.n2 = nn.BatchNorm3d(cout, eps=1e-5)
        self.short = nn.Sequential(nn.Conv3d(cin, cout, 1, bias=False), nn.BatchNorm3d(cout, eps=1e-5)) if cin != cout else None

    def forward(self, x):
        y = F.relu(self.n1(self.c1(x)), inplace=True)
        y = self.n2(self.c2(y))
        return F.relu(y + (self.short(x) if self.short is not None else x), inplace=True)


class RABlock(nn.Module):
    def __init__(self, channels, tokens, heads=4):
        super().__init__()
        width = channels // 4
        self.reduce = conv_bn_relu(channels, width, 1)
        self.position = nn.Parameter(torch.zeros(1, tokens, width))
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm = nn.BatchNorm3d(width, eps=1e-5)
        self.expand = nn.Sequential(nn.Conv3d(width, channels, 1, bias=False), nn.BatchNorm3d(channels, eps=1e-5))

    def forward(self, x):
        y = self.reduce(x)
        b, c, d, h, w = y.shape
        t = y.flatten(2).transpose(1, 2) + self.position
        a, _ = self.attention(t, t, t, need_weights=False)
        y = F.relu(self.norm(a.transpose(1, 2).reshape(b, c, d, h, w)), inplace=True)
        return F.relu(self.expand(y) + x, inplace=True)


class RAUnet(nn.Module):
    def __init__(self, patch, filters=(16, 32, 64, 128, 256)):
        super().__init__()
        self.down = nn.ModuleList()
        self.enc = nn.ModuleList()
        cin = 1
        for level, f in enumerate(filters):
            if level > 0:
                self.down.append(conv_bn_relu(cin, filters[level - 1], 3, stride=2))
                cin = filters[level - 1]
            self.enc.append(nn.Sequential(Residual(cin, f), Residual(f, f)))
            cin = f
        self.upproj = nn.ModuleList()
        self.dec = nn.ModuleList()
        for level in range(len(filters) - 2, -1, -1):
            self.upproj.append(conv_bn_relu(filters[level + 1], filters[level], 1))
            self.dec.append(Residual(2 * filters[level], filters[level]))
        x, y, z = patch
        scale = 2 ** (len(filters) - 2)
        self.ra = RABlock(filters[-2], (x // scale) * (y // scale) * (z // scale))
        self.head = nn.Conv3d(filters[0], 1, 1)

    def forward(self, x):
        skips = []
        for level, block in enumerate(self.enc):
            if level > 0:
                x = self.down[level - 1](x)
            x = block(x)
            skips.append(x)
        x = skips.pop()
        for i, (proj, block) in enumerate(zip(self.upproj, self.dec)):
            up = F.interpolate(x, scale_factor=2, mode='trilinear', align_corners=False)
            x = block(torch.cat([proj(up), skips.pop()], dim=1))
            if i == 0:
                x = self.ra(x)
        return torch.sigmoid(self.head(x))


def dice_loss(y, p, eps=1e-6):
    inter = (y * p).sum()
    return 1 - (2 * inter + eps) / (y.sum() + p.sum() + eps)


def main():
    args = [int(a) for a in sys.argv[1:]]
    x_size, y_size, z_size = args[:3] if len(args) >= 3 else (192, 192, 32)
    steps = args[3] if len(args) >= 4 else 4
    # as many threads as ours (oneDNN's OpenMP: OMP_NUM_THREADS, else one per core); this torch build defaults to 1
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS') or os.cpu_count() or 1))
    torch.manual_seed(1)
    model = RAUnet((x_size, y_size, z_size))
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.rand(1, 1, z_size, y_size, x_size)
    y = (torch.rand(1, 1, z_size, y_size, x_size) > 0.5).float()
    times, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        optimizer.zero_grad(set_to_none=True)
        loss = dice_loss(y, model(x))
        loss.backward()
        optimizer.step()
        loss.item()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    later = sorted(times[1:]) or times
    later_cpu = sorted(cpu[1:]) or cpu
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'first_step_s': times[0],
        'step_s': later[len(later) // 2],
        'step_cpu_s': later_cpu[len(later_cpu) // 2],
        'peak_rss_bytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == '__main__':
    main()
