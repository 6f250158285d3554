#!/usr/bin/python3
"""Writes test/fixtures/parity/optim.json: optim.SGD and optim.Adam trajectories from PyTorch
for the options that gen-fixtures.py's optimizer cases leave out (maximize, amsgrad, several
param groups with their own options), read by test/optim.maximize.test.ts. Committed; tests
never run Python.

Run with Debian's interpreter, which has python3-torch (PyTorch 1.13, CPU):

    /usr/bin/python3 scripts/gen-optim-fixtures.py

Seeded, so a rerun writes an identical file. Arrays are encoded as in gen-fixtures.py.

Each case: parameters p_i with loss = sum_i sum(a_i * p_i * p_i + b_i * p_i), so the gradient
2 a_i p_i + b_i depends on the parameters and a wrong update shows in the following steps. For
the maximize cases a_i < 0 (a concave objective, so maximizing it converges). `groups` lists the
param groups: the indices of their parameters and their options under torchlet's (camelCase)
names, as the test passes them to the optimizer; `torch_groups` is what PyTorch was given.
"""

import importlib
import os
import re

import torch

fixtures = importlib.import_module("gen-fixtures")  # arr, f32_decimal, leaf, write
arr, f32_decimal, leaf, write = fixtures.arr, fixtures.f32_decimal, fixtures.leaf, fixtures.write

STEPS = 6
SHAPES = [(3, 4), (5,)]


def torch_name(name):
    """weightDecay -> weight_decay."""
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def run(kind, groups, initial, a, b):
    """The trajectory of STEPS steps from `initial`: (losses, grads, params after each step, torch's groups)."""
    params = [leaf(p) for p in initial]
    torch_groups = [dict({torch_name(k): v for k, v in options.items()}, params=[params[i] for i in indices])
                    for indices, options in groups]
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[kind](torch_groups)
    trajectory, losses, grads = [], [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = sum((ai * p * p + bi * p).sum() for ai, bi, p in zip(a, b, params))
        loss.backward()
        grads.append([p.grad.clone() for p in params])
        opt.step()
        losses.append(loss.item())
        trajectory.append([p.detach().clone() for p in params])
    return losses, grads, trajectory, torch_groups


def optim_case(name, kind, groups, concave=False):
    """groups: list of (parameter indices, torchlet options)."""
    initial = [torch.randn(*s) for s in SHAPES]
    sign = -1.0 if concave else 1.0
    a = [sign * (torch.rand(*s) + 0.1) for s in SHAPES]
    b = [torch.randn(*s) for s in SHAPES]
    losses, grads, trajectory, torch_groups = run(kind, groups, initial, a, b)
    # Self-check: with any of the switches under test turned off the trajectory must differ
    # clearly, or the case could not catch an optimizer that ignores it.
    for indices, options in groups:
        for switch in ("maximize", "amsgrad"):
            if options.get(switch):
                off = [(i, dict(o, **{switch: False}) if i is indices else o) for i, o in groups]
                other = run(kind, off, initial, a, b)[2][-1]
                diff = max((x - y).abs().max().item() for x, y in zip(trajectory[-1], other))
                scale = max(x.abs().max().item() for x in trajectory[-1])
                if diff < 1e-3 * scale:
                    raise SystemExit(f"{name}: turning {switch} off changes the final parameters by only {diff:g}")
    return {
        "op": kind, "name": name, "steps": STEPS,
        "groups": [{"params": indices, "options": options} for indices, options in groups],
        "torch_groups": [{k: v for k, v in g.items() if k != "params"} for g in torch_groups],
        "a": [arr(t) for t in a], "b": [arr(t) for t in b],
        "initial": [arr(p) for p in initial], "losses": [f32_decimal(x) for x in losses],
        "grads": [[arr(g) for g in step] for step in grads],
        "params_after_step": [[arr(p) for p in step] for step in trajectory],
    }


def one_group(options):
    return [([0, 1], options)]


def main():
    torch.manual_seed(2)
    torch.set_num_threads(1)
    cases = [
        optim_case("SGD maximize", "sgd", one_group({"lr": 0.1, "maximize": True}), concave=True),
        optim_case("SGD maximize, momentum, dampening, weight decay", "sgd",
                   one_group({"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weightDecay": 0.05, "maximize": True}),
                   concave=True),
        optim_case("SGD maximize, nesterov, weight decay", "sgd",
                   one_group({"lr": 0.03, "momentum": 0.9, "nesterov": True, "weightDecay": 0.1, "maximize": True}),
                   concave=True),
        optim_case("SGD two groups: one maximizing with momentum, one minimizing plain", "sgd",
                   [([0], {"lr": 0.05, "momentum": 0.9, "maximize": True}), ([1], {"lr": 0.1, "weightDecay": 0.01})]),
        optim_case("Adam maximize", "adam", one_group({"lr": 0.01, "maximize": True}), concave=True),
        optim_case("Adam maximize, weight decay, betas (0.8, 0.99)", "adam",
                   one_group({"lr": 0.02, "betas": [0.8, 0.99], "weightDecay": 0.1, "maximize": True}), concave=True),
        # amsgrad matters once the second moment falls: a short beta2 memory over shrinking gradients.
        optim_case("Adam amsgrad, betas (0.9, 0.6)", "adam", one_group({"lr": 0.1, "betas": [0.9, 0.6], "amsgrad": True})),
        optim_case("Adam amsgrad, maximize, weight decay, eps 1e-6, betas (0.9, 0.6)", "adam",
                   one_group({"lr": 0.1, "betas": [0.9, 0.6], "amsgrad": True, "maximize": True, "weightDecay": 0.05,
                              "eps": 1e-6}),
                   concave=True),
        optim_case("Adam two groups: amsgrad maximizing, plain minimizing", "adam",
                   [([0], {"lr": 0.1, "betas": [0.9, 0.6], "amsgrad": True, "maximize": True}), ([1], {"lr": 0.01})],
                   concave=True),
    ]
    write("optim.json", {
        "description": "optim.SGD / optim.Adam trajectories with maximize, amsgrad and per-group options (PyTorch "
                       + torch.__version__ + "); loss = sum(a*p*p + b*p)",
        "torch_version": torch.__version__,
        "cases": cases,
    })


if __name__ == "__main__":
    main()
