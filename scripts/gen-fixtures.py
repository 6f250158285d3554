#!/usr/bin/python3
"""Writes the PyTorch parity fixtures under test/fixtures/parity/ (committed; tests never run Python).

Run with Debian's interpreter, which has python3-torch (PyTorch 1.13, CPU):

    /usr/bin/python3 scripts/gen-fixtures.py

Everything is seeded (torch.manual_seed), so a rerun writes identical files.

Array encoding (decoded by test/helpers/fixtures.ts):
    {"shape": [...], "dtype": "f32", "values": [...]}  small arrays: shortest decimals that
                                                        round-trip to the same float32
    {"shape": [...], "dtype": "f32", "b64": "..."}     large arrays: base64 of little-endian
                                                        float32 (exact, compact)
    dtype "i32" for integer arrays (targets); always "values".

Files:
    net.json  the seed's Net (the LeNet-style CNN of the recipe): initial weights by PyTorch
              parameter name, 10 distinct input batches of 4 and a schedule of 50 batch indices,
              50 label batches, and a run of 50 steps of SGD(lr=0.001, momentum=0.9) with
              optimizer.zero_grad() every step: per-step losses, the first step's logits and
              gradients of every parameter, and the weights after the 50th step.
    ops.json  single ops with unusual settings. Each case holds its inputs, parameters, the
              output, and the gradients of every input/parameter for the backward of
              sum(output * R) with a fixed random R (R is stored too; a scalar for losses).
              Optimizer cases hold the parameters' trajectory over several steps of a loss
              whose gradient depends on the parameters.
"""

import base64
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from seed_net import Net

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "parity")
INLINE_MAX = 256  # arrays up to this many elements are written as decimals


def f32_decimal(v):
    # str(np.float32) is the shortest decimal that round-trips to the same float32; parsing it
    # as a double and rounding to float32 (Math.fround / Float32Array) gives the value back.
    f = float(str(np.float32(v)))
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError("non-finite value in fixture")
    return f


def arr(t, force_inline=False):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    shape = list(a.shape)
    if a.dtype.kind in "iu":
        return {"shape": shape, "dtype": "i32", "values": [int(x) for x in a.reshape(-1)]}
    a = a.astype("<f4")
    if a.size <= INLINE_MAX or force_inline:
        return {"shape": shape, "dtype": "f32", "values": [f32_decimal(x) for x in a.reshape(-1)]}
    return {"shape": shape, "dtype": "f32", "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1024:.0f} KiB)")


# ----------------------------------------------------------------------------------------------
# The seed's Net


NET_STEPS = 50
NET_DISTINCT_BATCHES = 10


def run_net(initial, batches, schedule, labels, dtype):
    net = Net().to(dtype)
    net.load_state_dict({k: v.to(dtype) for k, v in initial.items()})
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    losses, first_grads, first_logits = [], None, None
    for step in range(NET_STEPS):
        inputs = batches[schedule[step]].to(dtype)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels[step])
        loss.backward()
        if step == 0:
            first_logits = outputs.detach().clone()
            first_grads = {n: p.grad.detach().clone() for n, p in net.named_parameters()}
        optimizer.step()
        losses.append(loss.item())
    final = {n: p.detach().clone() for n, p in net.named_parameters()}
    return losses, first_logits, first_grads, final


def gen_net():
    torch.manual_seed(0)
    net = Net()
    initial = {n: p.detach().clone() for n, p in net.named_parameters()}
    # CIFAR-10 images after Normalize((0.5,)*3, (0.5,)*3) lie in [-1, 1].
    batches = torch.rand(NET_DISTINCT_BATCHES, 4, 3, 32, 32) * 2 - 1
    schedule = torch.randint(0, NET_DISTINCT_BATCHES, (NET_STEPS,))
    schedule[:NET_DISTINCT_BATCHES] = torch.arange(NET_DISTINCT_BATCHES)  # every batch is used
    labels = torch.randint(0, 10, (NET_STEPS, 4))

    losses, logits, grads, final = run_net(initial, batches, schedule, labels, torch.float32)

    # Self-check: the float32 reference should sit well inside the 1e-4 tolerance of the exact
    # (float64) run; otherwise the tolerance would be testing rounding noise, not semantics.
    losses64, _, grads64, final64 = run_net(initial, batches, schedule, labels, torch.float64)
    # Tolerances as test/parity.test.ts defines them: losses |a-b|/|b|; tensors
    # max|a-b| / max|b| per tensor; the 50-step update (final - initial) likewise.
    def rel(a, b):
        return ((a.double() - b).abs().max() / b.abs().max()).item()

    loss_dev = max(abs(a - b) / abs(b) for a, b in zip(losses, losses64))
    grad_dev = max(rel(grads[n], grads64[n]) for n in grads)
    final_dev = max(rel(final[n], final64[n]) for n in final)
    update_dev = max(rel(final[n] - initial[n], final64[n] - initial[n].double()) for n in final)
    print(f"net: float32 vs float64 reference: loss {loss_dev:.1e}, first-step grads {grad_dev:.1e}, "
          f"final weights {final_dev:.1e}, update {update_dev:.1e}")
    if max(loss_dev, grad_dev, final_dev) > 1e-5 or update_dev > 2e-4:
        sys.exit("net fixture is too sensitive to rounding for the test's tolerances")

    write("net.json", {
        "description": "Seed Net, torch.manual_seed(0) init; 50 steps of SGD(lr=0.001, momentum=0.9), "
                       "CrossEntropyLoss, zero_grad every step; step s uses batches[schedule[s]] "
                       "and labels[s]. PyTorch " + torch.__version__,
        "torch_version": torch.__version__,
        "lr": 0.001,
        "momentum": 0.9,
        "steps": NET_STEPS,
        "parameter_names": list(initial.keys()),
        "initial": {n: arr(p) for n, p in initial.items()},
        "batches": arr(batches),
        "schedule": [int(i) for i in schedule],
        "labels": arr(labels),
        "losses": [float(l) for l in losses],  # doubles of float32 values; exact
        "first_step_logits": arr(logits),
        "first_step_grads": {n: arr(g) for n, g in grads.items()},
        "final": {n: arr(p) for n, p in final.items()},
    })


# ----------------------------------------------------------------------------------------------
# Single ops


def leaf(t):
    return t.detach().clone().requires_grad_(True)


def conv_case(name, in_shape, out_channels, kernel, stride, padding, dilation, groups, bias):
    x = leaf(torch.randn(*in_shape))
    w = leaf(torch.randn(out_channels, in_shape[1] // groups, *kernel) * 0.3)
    b = leaf(torch.randn(out_channels)) if bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    case = {
        "op": "conv2d", "name": name,
        "stride": list(stride), "padding": list(padding), "dilation": list(dilation),
        "groups": groups,
        "input": arr(x), "weight": arr(w), "bias": arr(b) if bias else None,
        "output": arr(y), "r": arr(r),
        "grad_input": arr(x.grad), "grad_weight": arr(w.grad),
        "grad_bias": arr(b.grad) if bias else None,
    }
    return case


def maxpool_case(name, in_shape, kernel, stride, padding, integer_valued=False):
    # Integer-valued input has ties inside windows: PyTorch takes the first maximum in window
    # (row-major) order, and the backward routes the whole gradient there.
    x = leaf(torch.randint(-2, 3, in_shape).float() if integer_valued else torch.randn(*in_shape))
    y = F.max_pool2d(x, kernel, stride=stride, padding=padding)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    return {
        "op": "maxPool2d", "name": name,
        "kernel": list(kernel), "stride": list(stride), "padding": list(padding),
        "input": arr(x), "output": arr(y), "r": arr(r), "grad_input": arr(x.grad),
    }


def relu_case(name, in_shape):
    # Exact zeros in the input: PyTorch's relu gradient there is 0.
    x = torch.randn(*in_shape)
    x[x.abs() < 0.5] = 0.0
    x = leaf(x)
    y = F.relu(x)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    return {"op": "relu", "name": name, "input": arr(x), "output": arr(y), "r": arr(r), "grad_input": arr(x.grad)}


def cross_entropy_case(name, batch, classes, weight, ignore_index, label_smoothing, ignored_rows):
    logits = leaf(torch.randn(batch, classes) * 2)
    targets = torch.randint(0, classes, (batch,))
    if ignore_index is not None:
        for i in ignored_rows:
            targets[i] = ignore_index
    w = torch.rand(classes) + 0.25 if weight else None
    kwargs = {"weight": w, "label_smoothing": label_smoothing}
    if ignore_index is not None:
        kwargs["ignore_index"] = ignore_index
    loss = F.cross_entropy(logits, targets, **kwargs)
    r = torch.rand(()) + 0.5
    (loss * r).backward()
    return {
        "op": "crossEntropy", "name": name,
        "weight": arr(w) if weight else None,
        "ignore_index": ignore_index if ignore_index is not None else -100,
        "label_smoothing": label_smoothing,
        "logits": arr(logits), "targets": arr(targets.to(torch.int32)),
        "output": f32_decimal(loss.item()), "r": f32_decimal(r.item()),
        "grad_logits": arr(logits.grad),
    }


def linear_case(name, in_shape, out_features, bias):
    x = leaf(torch.randn(*in_shape))
    w = leaf(torch.randn(out_features, in_shape[-1]) * 0.4)
    b = leaf(torch.randn(out_features)) if bias else None
    y = F.linear(x, w, b)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    return {
        "op": "linear", "name": name,
        "input": arr(x), "weight": arr(w), "bias": arr(b) if bias else None,
        "output": arr(y), "r": arr(r),
        "grad_input": arr(x.grad), "grad_weight": arr(w.grad),
        "grad_bias": arr(b.grad) if bias else None,
    }


def log_softmax_case(name, shape, scale, offset):
    x = leaf(torch.randn(*shape) * scale + offset)
    y = F.log_softmax(x, dim=-1)
    r = torch.randn(y.shape)
    (y * r).sum().backward()
    return {
        "op": "logSoftmax", "name": name, "dim": -1,
        "input": arr(x), "output": arr(y), "r": arr(r), "grad_input": arr(x.grad),
    }


OPTIM_STEPS = 6


def optim_case(name, kind, options):
    """Parameters p_i, loss = sum_i sum(a_i * p_i * p_i + b_i * p_i), so grad_i = 2 a_i p_i + b_i
    depends on the parameters and a wrong update shows up in the following steps."""
    shapes = [(3, 4), (5,)]
    params = [leaf(torch.randn(*s)) for s in shapes]
    a = [torch.rand(*s) + 0.1 for s in shapes]
    b = [torch.randn(*s) for s in shapes]
    initial = [arr(p) for p in params]
    if kind == "sgd":
        opt = torch.optim.SGD(params, **options)
    elif kind == "adam":
        opt = torch.optim.Adam(params, **options)
    else:
        raise ValueError(kind)
    trajectory, losses, grads = [], [], []
    for _ in range(OPTIM_STEPS):
        opt.zero_grad()
        loss = sum((ai * p * p + bi * p).sum() for ai, bi, p in zip(a, b, params))
        loss.backward()
        grads.append([arr(p.grad) for p in params])
        opt.step()
        losses.append(f32_decimal(loss.item()))
        trajectory.append([arr(p) for p in params])
    return {
        "op": kind, "name": name, "options": options, "steps": OPTIM_STEPS,
        "a": [arr(t) for t in a], "b": [arr(t) for t in b],
        "initial": initial, "losses": losses, "grads": grads, "params_after_step": trajectory,
    }


def gen_ops():
    torch.manual_seed(1)
    cases = [
        conv_case("stride 2, padding 2, non-square input", (2, 3, 7, 10), 4, (3, 5), (2, 2), (2, 2), (1, 1), 1, True),
        conv_case("dilation 2, groups 2", (2, 4, 9, 8), 6, (3, 3), (1, 1), (1, 1), (2, 2), 2, True),
        conv_case("asymmetric stride (2,1), padding (2,0), dilation (1,2), groups 2, no bias",
                  (1, 4, 8, 11), 4, (2, 3), (2, 1), (2, 0), (1, 2), 2, False),
        conv_case("stride 3, padding 1, 1x1 kernel, non-square", (3, 2, 5, 7), 3, (1, 1), (3, 3), (1, 1), (1, 1), 1, True),
        maxpool_case("kernel 3, stride 2, padding 1", (2, 3, 9, 7), (3, 3), (2, 2), (1, 1)),
        maxpool_case("kernel (3,2), stride (1,2), padding (1,0)", (1, 2, 6, 9), (3, 2), (1, 2), (1, 0)),
        maxpool_case("kernel 2, stride 1 (overlapping windows)", (2, 2, 5, 6), (2, 2), (1, 1), (0, 0)),
        cross_entropy_case("plain", 6, 5, False, None, 0.0, []),
        cross_entropy_case("label smoothing 0.1", 6, 5, False, None, 0.1, []),
        cross_entropy_case("class weights", 6, 5, True, None, 0.0, []),
        cross_entropy_case("ignore_index -100", 7, 5, False, -100, 0.0, [1, 4]),
        cross_entropy_case("ignore_index 3 (a class index)", 7, 5, False, 3, 0.0, [0, 5]),
        cross_entropy_case("weights + ignore_index + label smoothing 0.2", 8, 6, True, 2, 0.2, [2, 3, 6]),
        linear_case("linear with bias", (5, 7), 3, True),
        linear_case("linear without bias", (4, 6), 5, False),
        log_softmax_case("log_softmax", (4, 6), 2.0, 0.0),
        log_softmax_case("log_softmax, large logits (stability)", (3, 5), 10.0, 80.0),
        optim_case("SGD nesterov", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        optim_case("SGD weight decay + dampening", "sgd",
                   {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
        optim_case("SGD nesterov + weight decay", "sgd",
                   {"lr": 0.03, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
        optim_case("SGD no momentum, weight decay", "sgd", {"lr": 0.1, "weight_decay": 0.05}),
        optim_case("Adam", "adam", {"lr": 0.01}),
        optim_case("Adam betas (0.8, 0.99), eps 1e-6, weight decay 0.1", "adam",
                   {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
        # Appended after the cases above so that their random draws stay the same.
        maxpool_case("ties (integer-valued input), kernel 3, stride 2, padding 1", (2, 2, 7, 6), (3, 3), (2, 2), (1, 1),
                     integer_valued=True),
        maxpool_case("ties (integer-valued input), kernel 2, stride 2", (1, 3, 6, 8), (2, 2), (2, 2), (0, 0),
                     integer_valued=True),
        relu_case("relu with exact zeros", (3, 4, 5)),
    ]
    write("ops.json", {
        "description": "Single ops with unusual settings (PyTorch " + torch.__version__ + "). Gradients "
                       "are of sum(output * r) (loss * r for losses).",
        "torch_version": torch.__version__,
        "cases": cases,
    })


if __name__ == "__main__":
    torch.set_num_threads(1)  # one summation order, so reruns are bit-identical
    gen_net()
    gen_ops()
