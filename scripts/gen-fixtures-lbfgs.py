#!/usr/bin/python3
"""Writes test/fixtures/parity/optim-lbfgs.json: torch.optim.LBFGS (torch 1.13) runs on small
problems, read by test/optim.lbfgs.test.ts. Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-fixtures-lbfgs.py

Seeded, so a rerun writes an identical file. Each case names a problem, its parameters'
starting values, LBFGS's options under torchlet's (camelCase) names, and after every step the
loss step() returned, the parameters, and the state's counters (funcEvals, nIter). PyTorch's
own state dict halfway through each case is saved by torch.save to
test/fixtures/optim-pt/lbfgs-<n>.pt. Problems:
  quadratic   sum over params of 0.5 * p^T A p - b^T p (A symmetric positive definite, p flat,
              two parameters so the flat view spans both)
  rosenbrock  (1 - x)^2 + 100 (y - x^2)^2 on one parameter [x, y]
  linear      MSE of input @ weight^T + bias against a target (nn.Linear's computation)
"""

import importlib
import os

import torch
import torch.nn.functional as F

fixtures = importlib.import_module("gen-fixtures")  # arr, f32_decimal, leaf, write
arr, f32_decimal, leaf, write = fixtures.arr, fixtures.f32_decimal, fixtures.leaf, fixtures.write

SNAKE = {"lr": "lr", "maxIter": "max_iter", "maxEval": "max_eval", "toleranceGrad": "tolerance_grad",
         "toleranceChange": "tolerance_change", "historySize": "history_size", "lineSearchFn": "line_search_fn"}


def quadratic_problem():
    m = torch.randn(5, 5)
    a = m @ m.t() + 0.5 * torch.eye(5)
    b = torch.randn(5)
    initial = [torch.randn(2), torch.randn(3)]
    data = {"A": arr(a), "b": arr(b)}

    def loss(params):
        p = torch.cat([q.reshape(-1) for q in params])
        return 0.5 * (p @ (a @ p)) - b @ p
    return initial, data, loss


def rosenbrock_problem():
    initial = [torch.tensor([-1.5, 2.0])]

    def loss(params):
        x, y = params[0][0], params[0][1]
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    return initial, {}, loss


def linear_problem():
    inp = torch.randn(8, 3)
    target = torch.randn(8, 2)
    initial = [torch.randn(2, 3) * 0.5, torch.randn(2) * 0.5]
    data = {"input": arr(inp), "target": arr(target)}

    def loss(params):
        return F.mse_loss(F.linear(inp, params[0], params[1]), target)
    return initial, data, loss


STATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "optim-pt")

PROBLEMS = {"quadratic": quadratic_problem, "rosenbrock": rosenbrock_problem, "linear": linear_problem}


def case(name, problem, options, steps, state_file):
    initial, data, loss_fn = PROBLEMS[problem]()
    params = [leaf(p) for p in initial]
    opt = torch.optim.LBFGS(params, **{SNAKE[k]: v for k, v in options.items()})
    losses, after, func_evals, n_iter = [], [], [], []
    for step in range(steps):
        if step == steps // 2:
            # PyTorch's own state dict halfway, for loadStateDict(io.load(...)) to go on from
            torch.save(opt.state_dict(), os.path.join(STATE_DIR, state_file))

        def closure():
            opt.zero_grad()
            loss = loss_fn(params)
            loss.backward()
            return loss
        losses.append(f32_decimal(opt.step(closure).item()))
        after.append([arr(p) for p in params])
        state = opt.state[params[0]]
        func_evals.append(state["func_evals"])
        n_iter.append(state["n_iter"])
    if after[-1] == after[-2]:
        raise SystemExit(f"{name}: the last step did not move the parameters")
    return {"name": name, "problem": problem, "data": data, "initial": [arr(p) for p in initial],
            "options": options, "steps": steps, "losses": losses, "params_after_step": after,
            "func_evals": func_evals, "n_iter": n_iter, "state_file": state_file}


def main():
    torch.manual_seed(5)
    torch.set_num_threads(1)
    cases = [
        case("quadratic, defaults but maxIter 3", "quadratic", {"maxIter": 3}, 4, "lbfgs-1.pt"),
        case("quadratic, strong_wolfe, historySize 2, maxIter 4", "quadratic",
             {"maxIter": 4, "historySize": 2, "lineSearchFn": "strong_wolfe"}, 3, "lbfgs-2.pt"),
        case("rosenbrock, strong_wolfe, maxIter 6", "rosenbrock", {"maxIter": 6, "lineSearchFn": "strong_wolfe"}, 4, "lbfgs-3.pt"),
        case("rosenbrock, lr 0.1, maxIter 5, maxEval 4", "rosenbrock", {"lr": 0.1, "maxIter": 5, "maxEval": 4}, 4, "lbfgs-4.pt"),
        case("linear, lr 0.8, historySize 3, maxIter 2", "linear", {"lr": 0.8, "historySize": 3, "maxIter": 2}, 4, "lbfgs-5.pt"),
        case("linear, strong_wolfe, historySize 4, maxIter 3, toleranceChange 1e-5, toleranceGrad 1e-3", "linear",
             {"lineSearchFn": "strong_wolfe", "historySize": 4, "maxIter": 3, "toleranceChange": 1e-5, "toleranceGrad": 1e-3}, 3, "lbfgs-6.pt"),
    ]
    write("optim-lbfgs.json", {"cases": cases})


if __name__ == "__main__":
    main()
