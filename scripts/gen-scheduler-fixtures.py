#!/usr/bin/python3
"""Writes test/fixtures/parity/lr-schedulers.json: the lr (and, for OneCycleLR, the momentum or
beta1) of every param group after construction and after each step of PyTorch's
MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, OneCycleLR and ReduceLROnPlateau,
read by test/optim.lrSchedulers.test.ts. Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-scheduler-fixtures.py

Options are under torchlet's (camelCase) names. LambdaLR's functions are named (see LAMBDAS;
the test defines the same ones). ReduceLROnPlateau's cases list the metric of each step.
Numbers are doubles (the lr is a Python float), written with repr's round-trip precision.
"""

import importlib
import math

import torch

base = importlib.import_module("gen-optim-fixtures")  # torch_name
write = importlib.import_module("gen-fixtures").write
S = torch.optim.lr_scheduler

LAMBDAS = {
    "0.95^e": lambda e: 0.95 ** e,
    "1/(1+e)": lambda e: 1 / (1 + e),
    "warmup 5 then 0.9^(e-5)": lambda e: (e + 1) / 5 if e < 5 else 0.9 ** (e - 5),
}
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adagrad": torch.optim.Adagrad}


def torch_options(options):
    out = {}
    for k, v in options.items():
        name = {"tMax": "T_max"}.get(k, base.torch_name(k))
        if k == "lrLambda":
            v = [LAMBDAS[n] for n in v] if isinstance(v, list) else LAMBDAS[v]
        out[name] = v
    return out


def case(name, optimizer, groups, scheduler, options, steps=0, metrics=None):
    params = [torch.zeros(2, requires_grad=True) for _ in groups]
    opt = OPTIMIZERS[optimizer]([dict({base.torch_name(k): v for k, v in g.items()}, params=[p])
                                 for g, p in zip(groups, params)])
    sched = getattr(S, scheduler)(opt, **torch_options(options))
    momentum_key = "betas" if "betas" in opt.defaults else "momentum"

    def momenta():
        return [g[momentum_key][0] if momentum_key == "betas" else g.get("momentum") for g in opt.param_groups]

    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [momenta()]
    for i in range(len(metrics) if metrics is not None else steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(momenta())
        if metrics is None:
            assert sched.get_last_lr() == lrs[-1]
    out = {"name": name, "optimizer": optimizer, "groups": groups, "scheduler": scheduler, "options": options, "lrs": lrs}
    if scheduler == "OneCycleLR":
        out["momenta"] = moms
    if metrics is not None:
        out["metrics"] = metrics
    return out


def main():
    two = [{"lr": 0.1}, {"lr": 0.02}]
    g = torch.Generator().manual_seed(5)
    noisy = [1.0 / (1 + 0.3 * i) + 0.2 * torch.rand(1, generator=g).item() for i in range(40)]
    cases = [
        case("MultiStepLR milestones [3, 7, 7, 12], gamma 0.5", "sgd", two, "MultiStepLR",
             {"milestones": [12, 3, 7, 7], "gamma": 0.5}, steps=20),
        case("MultiStepLR default gamma", "sgd", two, "MultiStepLR", {"milestones": [2, 5]}, steps=8),
        case("ExponentialLR gamma 0.9", "sgd", two, "ExponentialLR", {"gamma": 0.9}, steps=40),
        case("CosineAnnealingLR tMax 10, etaMin 0.001, four periods", "sgd", two, "CosineAnnealingLR",
             {"tMax": 10, "etaMin": 0.001}, steps=45),
        case("CosineAnnealingLR tMax 7", "adam", two, "CosineAnnealingLR", {"tMax": 7}, steps=30),
        case("LambdaLR one function", "sgd", two, "LambdaLR", {"lrLambda": "0.95^e"}, steps=25),
        case("LambdaLR one function per group", "adam", two, "LambdaLR",
             {"lrLambda": ["1/(1+e)", "warmup 5 then 0.9^(e-5)"]}, steps=25),
        case("OneCycleLR cos, SGD momentum", "sgd", [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.5}],
             "OneCycleLR", {"maxLr": [1.0, 0.3], "totalSteps": 30}, steps=30),
        case("OneCycleLR linear, three phases, Adam betas, epochs x stepsPerEpoch", "adam", two, "OneCycleLR",
             {"maxLr": 0.5, "epochs": 4, "stepsPerEpoch": 6, "annealStrategy": "linear", "threePhase": True,
              "pctStart": 0.25, "divFactor": 10.0, "finalDivFactor": 100.0, "baseMomentum": [0.8, 0.7],
              "maxMomentum": 0.9}, steps=24),
        case("OneCycleLR cos, three phases, no momentum cycling (Adagrad)", "adagrad", two, "OneCycleLR",
             {"maxLr": 0.2, "totalSteps": 17, "threePhase": True, "cycleMomentum": False}, steps=17),
        case("ReduceLROnPlateau min rel, patience 2, cooldown 1, per-group minLr", "sgd", two, "ReduceLROnPlateau",
             {"patience": 2, "cooldown": 1, "minLr": [0.001, 0.0015], "factor": 0.5}, metrics=noisy),
        case("ReduceLROnPlateau max abs, threshold 0.05, eps 1e-3", "sgd", two, "ReduceLROnPlateau",
             {"mode": "max", "thresholdMode": "abs", "threshold": 0.05, "patience": 1, "factor": 0.3, "eps": 1e-3},
             metrics=[1 - x for x in noisy]),
        case("ReduceLROnPlateau defaults over a flat metric", "sgd", two, "ReduceLROnPlateau", {},
             metrics=[1.0] * 40),
    ]
    write("lr-schedulers.json", {
        "description": "lr (and momentum) sequences of torch.optim.lr_scheduler (PyTorch " + torch.__version__ + ")",
        "torch_version": torch.__version__,
        "cases": cases,
    })


if __name__ == "__main__":
    main()
