"""PyTorch side of `npm run bench`: the seed recipe's training step on in-memory data.

Run by scripts/bench.ts when /usr/bin/python3 has torch; prints one JSON object on stdout.
Usage: bench-torch.py --threads N --batch B [--steps S] [--repeats R]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.optim as optim

from seed_net import Net


def time_loop(fn, steps, repeats):
    """Median over the runs of ms per step; and the 50th/90th percentiles of single steps."""
    per_step = []
    single = []
    for _ in range(repeats):
        start = last = time.perf_counter()
        for _ in range(steps):
            fn()
            now = time.perf_counter()
            single.append((now - last) * 1e3)
            last = now
        per_step.append((last - start) / steps * 1e3)
    single.sort()
    rank = lambda q: single[min(len(single) - 1, int(q * len(single)))]
    return statistics.median(per_step), rank(0.5), rank(0.9)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    inputs = torch.randn(args.batch, 3, 32, 32)
    labels = torch.randint(0, 10, (args.batch,))

    def train_step():
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()

    def forward_only():
        with torch.no_grad():
            net(inputs)

    for _ in range(max(20, args.steps // 5)):
        train_step()
    train_ms, train_p50, train_p90 = time_loop(train_step, args.steps, args.repeats)
    forward_ms, _, _ = time_loop(forward_only, args.steps, args.repeats)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": args.threads,
        "batch": args.batch,
        "trainStepMs": train_ms,
        "trainStepP50Ms": train_p50,
        "trainStepP90Ms": train_p90,
        "forwardMs": forward_ms,
    }))


if __name__ == "__main__":
    main()
