"""PyTorch side of `npm run bench -- --zoo`: one model of the zoo (scripts/lib/zoo-models.ts
builds the same ones in torchlet), timed as a training step on fixed in-memory data.

Run by scripts/bench.ts when /usr/bin/python3 has torch; prints one JSON object on stdout.
Usage: bench-zoo-torch.py --model ID --threads N [--warmup W] [--steps S] [--repeats R]
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

from seed_net import Net
from cifar_resnet import CifarResNet


class MnistNet(nn.Module):
    """pytorch/examples mnist/main.py's Net."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def classifier(net, optimizer, loss_fn, inputs, labels):
    def step():
        optimizer.zero_grad()
        loss_fn(net(inputs), labels).backward()
        optimizer.step()
    return step


def seed_net(batch):
    net = Net()
    return classifier(net, optim.SGD(net.parameters(), lr=0.001, momentum=0.9), nn.CrossEntropyLoss(),
                      torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,)))


def mnist_net(batch):
    net = MnistNet()
    return classifier(net, optim.Adadelta(net.parameters(), lr=1.0), F.nll_loss,
                      torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,)))


def resnet_cifar(batch):
    net = CifarResNet(depth=20, in_channels=3, num_classes=10, width=16)
    return classifier(net, optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4), nn.CrossEntropyLoss(),
                      torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,)))


def mlp(batch):
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return classifier(net, optim.SGD(net.parameters(), lr=0.01, momentum=0.9), nn.CrossEntropyLoss(),
                      torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,)))


def dynamic_net():
    """The tutorial's dynamic_net with the random choice fixed at 2 extra terms (see zoo-models.ts)."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a, b, c, d, e = (torch.randn((), requires_grad=True) for _ in range(5))
    optimizer = optim.SGD([a, b, c, d, e], lr=1e-8, momentum=0.9)

    def step():
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        for exp in (4, 5):
            y_pred = y_pred + e * x ** exp
        loss = (y_pred - y).pow(2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return step


MODELS = {
    "seed-net-b4": lambda: seed_net(4),
    "seed-net-b64": lambda: seed_net(64),
    "mnist-net-b64": lambda: mnist_net(64),
    "mlp-b64": lambda: mlp(64),
    "mlp-b256": lambda: mlp(256),
    "resnet-cifar-b32": lambda: resnet_cifar(32),
    "dynamic-net": dynamic_net,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step = MODELS[args.model]()
    for _ in range(args.warmup):
        step()
    runs = []
    cpu_runs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        cpu_start = time.process_time()
        for _ in range(args.steps):
            step()
        cpu_runs.append((time.process_time() - cpu_start) / args.steps * 1e3)
        runs.append((time.perf_counter() - start) / args.steps * 1e3)
    # CPU time of the process (all its threads) besides wall time: the machine may be shared.
    print(json.dumps({"torch": torch.__version__, "model": args.model, "threads": args.threads,
                      "stepMs": statistics.median(runs), "runs": runs,
                      "cpuStepMs": statistics.median(cpu_runs), "cpuRuns": cpu_runs}))


if __name__ == "__main__":
    main()
