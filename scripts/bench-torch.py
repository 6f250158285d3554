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
    per_step = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        per_step.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(per_step)


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
    train_ms = time_loop(train_step, args.steps, args.repeats)
    forward_ms = time_loop(forward_only, args.steps, args.repeats)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": args.threads,
        "batch": args.batch,
        "trainStepMs": train_ms,
        "forwardMs": forward_ms,
    }))


if __name__ == "__main__":
    main()
