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
    "sin": lambda x, y: x.sin(),
    "cos": lambda x, y: x.cos(),
    "tan": lambda x, y: x.tan(),
    "expm1": lambda x, y: x.expm1(),
    "log1p": lambda x, y: x.log1p(),
    "log2": lambda x, y: x.log2(),
    "rsqrt": lambda x, y: x.rsqrt(),
    "reciprocal": lambda x, y: x.reciprocal(),
    "abs": lambda x, y: x.abs(),
    "sign": lambda x, y: x.sign(),
    "floor": lambda x, y: x.floor(),
    "ceil": lambda x, y: x.ceil(),
    "round": lambda x, y: x.round(),
    "roundDecimals": lambda x, y: x.round(decimals=1),
    "powTensor": lambda x, y: x.pow(y),
    "powBase": lambda x, y: torch.pow(2, x),
    "maximum": lambda x, y: torch.maximum(x, y),
    "minimum": lambda x, y: torch.minimum(x, y),
    "lerp": lambda x, y: torch.lerp(x, y, 0.3),
    "lerpTensor": lambda x, y: torch.lerp(x, y, y),
    "where": lambda x, y: torch.where(x > 0.5, x, y),
    "maskedFill": lambda x, y: x.masked_fill(x > 0.5, 0.0),
    "maskedSelect": lambda x, y: x.masked_select(x > 0.5),
    "sumDims": lambda x, y: x.sum([0, 1]),
    "meanDims": lambda x, y: x.mean([0, 1]),
    "prod": lambda x, y: x.prod(),
    "prodDim": lambda x, y: x.prod(1),
    "var": lambda x, y: x.var(),
    "varDim": lambda x, y: x.var(1),
    "std": lambda x, y: x.std(),
    "norm": lambda x, y: x.norm(),
    "normDim": lambda x, y: x.norm(1, 1),
    "logsumexp": lambda x, y: x.logsumexp(1),
    "amax": lambda x, y: x.amax(1),
    "amin": lambda x, y: x.amin(),
    "cumsum": lambda x, y: x.cumsum(1),
    "topk": lambda x, y: x.topk(2).values,
    "mseLoss": lambda x, y: F.mse_loss(x, y),
    "mseLossNone": lambda x, y: F.mse_loss(x, y, reduction="none"),
    "l1Loss": lambda x, y: F.l1_loss(x, y),
    "l1LossSum": lambda x, y: F.l1_loss(x, y, reduction="sum"),
    "l1LossNone": lambda x, y: F.l1_loss(x, y, reduction="none"),
    "smoothL1Loss": lambda x, y: F.smooth_l1_loss(x, y, beta=0.5),
    "huberLoss": lambda x, y: F.huber_loss(x, y, reduction="sum", delta=0.5),
    "bceLoss": lambda x, y: F.binary_cross_entropy(x * 0.5, y * 0.5),
    "bceWithLogitsLoss": lambda x, y: F.binary_cross_entropy_with_logits(x, y * 0.5, pos_weight=torch.ones(4)),
    "klDiv": lambda x, y: F.kl_div(x, y),
    "klDivSum": lambda x, y: F.kl_div(x, y, reduction="sum"),
    "klDivNone": lambda x, y: F.kl_div(x, y, reduction="none"),
    "klDivLogTargetNone": lambda x, y: F.kl_div(x, y, reduction="none", log_target=True),
    "klDivBatchmean": lambda x, y: F.kl_div(x, y, reduction="batchmean"),
    "crossEntropySum": lambda x, y: F.cross_entropy(x, TARGETS, reduction="sum"),
    "crossEntropyNone": lambda x, y: F.cross_entropy(x, TARGETS, reduction="none"),
    "crossEntropyProbabilities": lambda x, y: F.cross_entropy(x, y),
    "crossEntropyProbabilitiesNone": lambda x, y: F.cross_entropy(x, y, reduction="none"),
    "crossEntropyKDim": lambda x, y: F.cross_entropy(x.view(1, 3, 4), torch.tensor([[0, 0, 1, 1]])),
    "leakyRelu": lambda x, y: F.leaky_relu(x - 0.5, 0.2),
    "elu": lambda x, y: F.elu(x - 0.5),
    "gelu": lambda x, y: F.gelu(x),
    "geluTanh": lambda x, y: F.gelu(x, approximate="tanh"),
    "silu": lambda x, y: F.silu(x),
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
