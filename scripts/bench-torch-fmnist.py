"""PyTorch side of `npm run bench`'s epoch: the seed recipe for one epoch of Fashion-MNIST.

The same recipe as `npm run train -- --dataset fashion-mnist --epochs 1`: the seed's Net with
one input channel; images padded with 0 from 28x28 to 32x32 BEFORE Normalize(0.5, 0.5), so the
border is -1 (torchlet's Compose([Pad(2), ToTensor(), Normalize([0.5], [0.5])]) does the same);
batch 4, shuffled, CrossEntropyLoss, SGD(lr=0.001, momentum=0.9), zero_grad every step; the
running loss printed every 2000 mini-batches, then test accuracy. Reads the IDX .gz files with
gzip + numpy (no torchvision). Data preparation is done once up front (as torchlet's in-memory
dataset), the loop indexes tensors.

Usage: bench-torch-fmnist.py [--data DIR] [--threads N] [--epochs E] [--seed S] [--max-steps N]
Prints the recipe's lines, then one line `RESULT {json}`.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

from seed_net import Net


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, name):
    for candidate in (os.path.join(data_dir, name + ".gz"), os.path.join(data_dir, name)):
        if os.path.exists(candidate):
            return candidate
    raise SystemExit(f"bench-torch-fmnist: {name}[.gz] not found in {data_dir}")


def load(data_dir, prefix):
    images = read_idx(find(data_dir, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find(data_dir, f"{prefix}-labels-idx1-ubyte"))
    # Pad(2) with 0 on the uint8 image, then ToTensor (/255) and Normalize(0.5, 0.5).
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2)), constant_values=0)
    x = torch.from_numpy(padded.astype(np.float32) / 255.0).unsqueeze(1)
    x = (x - 0.5) / 0.5
    return x, torch.from_numpy(labels.astype(np.int64))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--log-every", type=int, default=2000)
    ap.add_argument("--max-steps", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "t10k")
    load_seconds = time.perf_counter() - t0

    net = Net(1)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    n = train_x.shape[0]
    steps = 0
    losses = []
    start = time.perf_counter()
    for epoch in range(args.epochs):
        perm = torch.randperm(n)
        running_loss = 0.0
        for i in range(0, n // args.batch):
            idx = perm[i * args.batch:(i + 1) * args.batch]
            inputs, labels = train_x[idx], train_y[idx]
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            steps += 1
            if i % args.log_every == args.log_every - 1:
                mean = running_loss / args.log_every
                losses.append(mean)
                print("[%d, %5d] loss: %.3f" % (epoch + 1, i + 1, mean), flush=True)
                running_loss = 0.0
            if args.max_steps and steps >= args.max_steps:
                break
    train_seconds = time.perf_counter() - start
    print("Finished Training", flush=True)

    eval_start = time.perf_counter()
    correct = 0
    with torch.no_grad():
        for i in range(0, test_x.shape[0], args.batch):
            predicted = torch.max(net(test_x[i:i + args.batch]), 1)[1]
            correct += (predicted == test_y[i:i + args.batch]).sum().item()
    eval_seconds = time.perf_counter() - eval_start
    accuracy = correct / test_x.shape[0]
    print(f"Accuracy of the network on the {test_x.shape[0]} test images: {100 * accuracy:.2f} %")
    print("RESULT " + json.dumps({
        "torch": torch.__version__, "threads": args.threads, "steps": steps, "trainSeconds": train_seconds,
        "evalSeconds": eval_seconds, "loadSeconds": load_seconds, "testAccuracy": accuracy, "losses": losses,
    }), flush=True)


if __name__ == "__main__":
    main()
