#!/usr/bin/python3
"""Writes test/fixtures/parity/optim-more.json: optim.Adadelta, Adagrad, RMSprop and AdamW
trajectories from PyTorch over two param groups with their own options, read by
test/optim.more.test.ts. Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-optim-fixtures-more.py

Seeded, so a rerun writes an identical file. The encoding and the loss,
sum_i sum(a_i * p_i * p_i + b_i * p_i), are gen-optim-fixtures.py's; for maximize cases a_i < 0.
Each case's `defaults` are the constructor's options and its `groups` list the param groups: parameter indices and options under torchlet's
(camelCase) names.
"""

import importlib

import torch

fixtures = importlib.import_module("gen-fixtures")  # arr, f32_decimal, leaf, write
base = importlib.import_module("gen-optim-fixtures")  # torch_name, SHAPES
arr, f32_decimal, leaf, write = fixtures.arr, fixtures.f32_decimal, fixtures.leaf, fixtures.write

STEPS = 8
KINDS = {"adadelta": torch.optim.Adadelta, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
         "adamw": torch.optim.AdamW}


def run(kind, groups, initial, a, b, defaults):
    params = [leaf(p) for p in initial]
    torch_groups = [dict({base.torch_name(k): v for k, v in options.items()}, params=[params[i] for i in indices])
                    for indices, options in groups]
    opt = KINDS[kind](torch_groups, **{base.torch_name(k): v for k, v in defaults.items()})
    trajectory, losses, grads = [], [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = sum((ai * p * p + bi * p).sum() for ai, bi, p in zip(a, b, params))
        loss.backward()
        grads.append([p.grad.clone() for p in params])
        opt.step()
        losses.append(loss.item())
        trajectory.append([p.detach().clone() for p in params])
    return losses, grads, trajectory


def optim_case(name, kind, groups, concave=False, defaults={}):
    initial = [torch.randn(*s) for s in base.SHAPES]
    sign = -1.0 if concave else 1.0
    a = [sign * (torch.rand(*s) + 0.1) for s in base.SHAPES]
    b = [torch.randn(*s) for s in base.SHAPES]
    losses, grads, trajectory = run(kind, groups, initial, a, b, defaults)
    # Self-check: dropping any option of any group (back to PyTorch's default) must change the
    # trajectory clearly, or the case could not catch an optimizer that ignores the option.
    for g, (indices, options) in enumerate(groups):
        for option in options:
            changed = [(i, {k: v for k, v in o.items() if k != option} if j == g else o) for j, (i, o) in enumerate(groups)]
            other = run(kind, changed, initial, a, b, defaults)[2][-1]
            diff = max((x - y).abs().max().item() for x, y in zip(trajectory[-1], other))
            scale = max(x.abs().max().item() for x in trajectory[-1])
            if diff < 1e-3 * scale:
                raise SystemExit(f"{name}: dropping {option} of group {g} changes the final parameters by only {diff:g}")
    return {
        "op": kind, "name": name, "steps": STEPS,
        "defaults": defaults,
        "groups": [{"params": indices, "options": options} for indices, options in groups],
        "a": [arr(t) for t in a], "b": [arr(t) for t in b],
        "initial": [arr(p) for p in initial], "losses": [f32_decimal(x) for x in losses],
        "grads": [[arr(g) for g in step] for step in grads],
        "params_after_step": [[arr(p) for p in step] for step in trajectory],
    }


def main():
    torch.manual_seed(11)
    torch.set_num_threads(1)
    cases = [
        optim_case("Adadelta: rho and eps / lr and weight decay", "adadelta",
                   [([0], {"lr": 0.5, "rho": 0.7, "eps": 1e-4}), ([1], {"lr": 2.0, "weightDecay": 3.0})]),
        optim_case("Adadelta: maximize / maximize, weight decay", "adadelta",
                   [([0], {"lr": 0.8, "maximize": True}), ([1], {"maximize": True, "weightDecay": 0.2, "rho": 0.5})],
                   concave=True),
        optim_case("Adagrad: lrDecay, initialAccumulatorValue / weight decay, eps", "adagrad",
                   [([0], {"lr": 0.3, "lrDecay": 0.2}), ([1], {"lr": 0.1, "weightDecay": 0.5, "eps": 0.3})],
                   defaults={"initialAccumulatorValue": 0.5}),
        optim_case("Adagrad: maximize / maximize, lrDecay", "adagrad",
                   [([0], {"lr": 0.2, "maximize": True}), ([1], {"lr": 0.1, "maximize": True, "lrDecay": 0.5})],
                   concave=True),
        optim_case("RMSprop: centered, momentum / alpha, weight decay, eps", "rmsprop",
                   [([0], {"lr": 0.005, "centered": True, "momentum": 0.9}),
                    ([1], {"lr": 0.02, "alpha": 0.8, "weightDecay": 0.3, "eps": 0.1})]),
        optim_case("RMSprop: momentum / centered", "rmsprop",
                   [([0], {"lr": 0.03, "momentum": 0.5}), ([1], {"lr": 0.05, "centered": True, "alpha": 0.9})]),
        optim_case("RMSprop: maximize, momentum / maximize, centered", "rmsprop",
                   [([0], {"lr": 0.02, "maximize": True, "momentum": 0.7}),
                    ([1], {"lr": 0.04, "maximize": True, "centered": True})], concave=True),
        optim_case("AdamW: weight decay, betas / amsgrad, eps", "adamw",
                   [([0], {"lr": 0.1, "weightDecay": 0.5, "betas": [0.8, 0.9]}),
                    ([1], {"lr": 0.1, "amsgrad": True, "betas": [0.9, 0.6], "eps": 0.1})]),
        optim_case("AdamW: maximize / maximize, amsgrad", "adamw",
                   [([0], {"lr": 0.05, "maximize": True, "weightDecay": 0.3}),
                    ([1], {"lr": 0.1, "maximize": True, "amsgrad": True, "betas": [0.9, 0.6]})], concave=True),
    ]
    write("optim-more.json", {
        "description": "optim.Adadelta / Adagrad / RMSprop / AdamW trajectories over two param groups (PyTorch "
                       + torch.__version__ + "); loss = sum(a*p*p + b*p)",
        "torch_version": torch.__version__,
        "cases": cases,
    })


if __name__ == "__main__":
    main()
