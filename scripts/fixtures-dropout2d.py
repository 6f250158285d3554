#!/usr/bin/python3
"""PyTorch 1.13's F.dropout2d and nn.Unflatten behaviour, for test/dropout2d.test.ts (the masks
under torch.manual_seed, and what does not depend on them):

    /usr/bin/python3 scripts/fixtures-dropout2d.py

writes test/fixtures/layers/dropout2d.json: per input rank, the warnings torch prints, the
shape of the mask it draws (one value per (dim 0, dim 1) feature), the grad_fn name, or its
error; and nn.Unflatten's output shapes and errors.
"""

import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_arrays import error_of, write


def ranks():
    out = []
    for shape in [(), (6,), (3, 4), (2, 3, 5), (2, 3, 4, 5), (2, 3, 2, 2, 2)]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x = torch.ones(shape, requires_grad=True)
            try:
                y = F.dropout2d(x, 0.5, True)
                # Values within one feature are all kept or all dropped.
                features = y.reshape(shape[0], shape[1], -1) if len(shape) >= 2 else None
                per_feature = bool(features is None or (features == features[..., :1]).all())
                row = {"shape": list(shape), "gradFn": type(y.grad_fn).__name__, "perFeature": per_feature}
            except RuntimeError as e:
                row = {"shape": list(shape), "error": str(e)}
        row["warnings"] = [str(w.message) for w in caught]
        out.append(row)
    return out


def unflatten():
    cases = []
    for shape, dim, sizes in [((2, 12), 1, (3, 4)), ((2, 12, 5), -2, (2, -1, 3)), ((6,), 0, (6,)), ((2, 12), 1, (5, 3))]:
        x = torch.zeros(shape)
        try:
            cases.append({"shape": list(shape), "dim": dim, "sizes": list(sizes), "out": list(nn.Unflatten(dim, sizes)(x).shape)})
        except RuntimeError as e:
            cases.append({"shape": list(shape), "dim": dim, "sizes": list(sizes), "error": str(e)})
    return cases


def masks():
    """The factors torch's F.dropout2d multiplies each (n, c) feature by, after torch.manual_seed(seed)
    (torchlet's generator is torch's, so the same seed must give the same masks)."""
    out = []
    for seed, shape, p in [(0, (2, 3, 2, 2), 0.4), (1, (4, 5, 3), 0.3), (42, (3, 7, 1, 4), 0.5), (7, (1, 16, 2, 2), 0.9)]:
        torch.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = F.dropout2d(torch.ones(shape), p, True)
        factors = y.reshape(shape[0] * shape[1], -1)[:, 0]
        out.append({"seed": seed, "shape": list(shape), "p": p, "factors": [float(v) for v in factors], "next": torch.rand(2).tolist()})
    return out


def main():
    write("dropout2d.json", "fixtures-dropout2d.py", {
        "masks": masks(),
        "ranks": ranks(), "unflatten": unflatten(), "probability": error_of(lambda: F.dropout2d(torch.ones(2, 2), 1.5)),
        "unflattenRepr": repr(nn.Unflatten(1, (2, 3))),
    })


if __name__ == "__main__":
    main()
