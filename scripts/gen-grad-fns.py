#!/usr/bin/python3
"""Writes test/fixtures/parity/grad-fns.json: PyTorch's grad_fn name for each op case, and
whether a second backward through it (without retain_graph) raises "Trying to backward through
the graph a second time" (it does when the node saved tensors). Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-grad-fns.py

test/grad-fns.test.ts builds the same cases, by the same keys, with this library.
"""

import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "parity", "grad-fns.json")

# Each case: x and y are leaves [3, 4] that require grad (positive, so log and sqrt are finite).
TARGETS = torch.tensor([0, 3, 1])
CASES = {
    "add": lambda x, y: x + y,
    "addScalar": lambda x, y: x + 2,
    "addAlpha": lambda x, y: torch.add(x, y, alpha=2),
    "addAlphaMinusOne": lambda x, y: torch.add(x, y, alpha=-1),
    "sub": lambda x, y: x - y,
    "subAlphaMinusOne": lambda x, y: torch.sub(x, y, alpha=-1),
    "mul": lambda x, y: x * y,
    "mulScalar": lambda x, y: x * 2,
    "div": lambda x, y: x / y,
    "divScalar": lambda x, y: x / 2,
    "neg": lambda x, y: -x,
    "exp": lambda x, y: x.exp(),
    "log": lambda x, y: x.log(),
    "sqrt": lambda x, y: x.sqrt(),
    "pow2": lambda x, y: x.pow(2),
    "pow3": lambda x, y: x.pow(3),
    "pow0": lambda x, y: x.pow(0),
    "sigmoid": lambda x, y: x.sigmoid(),
    "tanh": lambda x, y: x.tanh(),
    "clamp": lambda x, y: x.clamp(0.2, 0.8),
    "relu": lambda x, y: F.relu(x),
    "sum": lambda x, y: x.sum(),
    "sumDim": lambda x, y: x.sum(1),
    "mean": lambda x, y: x.mean(),
    "meanDim": lambda x, y: x.mean(1),
    "max": lambda x, y: x.max(),
    "maxDim": lambda x, y: x.max(1).values,
    "min": lambda x, y: x.min(),
    "minDim": lambda x, y: x.min(1).values,
    "logSoftmax": lambda x, y: F.log_softmax(x, 1),
    "softmax": lambda x, y: F.softmax(x, 1),
    "nllLoss": lambda x, y: F.nll_loss(x, TARGETS),
    "nllLossSum": lambda x, y: F.nll_loss(x, TARGETS, reduction="sum"),
    "nllLossNone": lambda x, y: F.nll_loss(x, TARGETS, reduction="none"),
    "crossEntropy": lambda x, y: F.cross_entropy(x, TARGETS),
    "crossEntropyLabelSmoothing": lambda x, y: F.cross_entropy(x, TARGETS, label_smoothing=0.1),
    "dropout": lambda x, y: F.dropout(x, 0.5),
}


def main():
    torch.manual_seed(0)
    result = {}
    for key, f in CASES.items():
        x = (torch.rand(3, 4) + 0.1).requires_grad_()
        y = (torch.rand(3, 4) + 0.1).requires_grad_()
        out = f(x, y)
        out.backward(torch.ones_like(out))
        try:
            out.backward(torch.ones_like(out))
            raises = False
        except RuntimeError as e:
            assert "backward through the graph a second time" in str(e), e
            raises = True
        result[key] = {"gradFn": out.grad_fn.name(), "secondBackwardRaises": raises}
    with open(OUT, "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": result}, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
