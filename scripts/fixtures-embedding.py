#!/usr/bin/python3
"""PyTorch 1.13's F.embedding, for test/embedding.test.ts.

    /usr/bin/python3 scripts/fixtures-embedding.py

writes test/fixtures/layers/embedding.json (seeded):

    cases    random weights [num, dim], index tensors of random shapes (0-d, empty, 1- to 3-d;
             long or int), padding_idx (positive, negative, None), max_norm with norm_type
             1, 2, 3 or inf (which rescales the weight in place), scale_grad_by_freq; some
             weights hold NaN. Each holds the weight before, the indices, torch's output,
             the weight after the forward, a gradient of the output and the weight's gradient.
    errors   calls torch refuses, with its message.
"""

import random

import torch
import torch.nn.functional as F

from fixture_arrays import error_of, f32, i32, with_specials, write


def cases(rng):
    out = []
    for i in range(40):
        num, dim = rng.randint(1, 8), rng.randint(1, 6)
        ndim = rng.choice([0, 1, 1, 2, 2, 3])
        shape = [rng.randint(0 if rng.random() < 0.15 else 1, 5) for _ in range(ndim)]
        dtype = torch.long if i % 2 == 0 else torch.int32
        idx = torch.randint(0, num, shape, dtype=dtype)
        padding_idx = rng.choice([None, None, rng.randint(0, num - 1), rng.randint(-num, -1)])
        max_norm = rng.choice([None, None, 0.5, 1.0, 2.0])
        norm_type = rng.choice([1.0, 2.0, 2.0, 3.0, float("inf")])
        scale = rng.random() < 0.3
        w = torch.randn(num, dim)
        special = max_norm is None and i % 5 == 4
        if special:
            with_specials(rng, w)
        wg = w.clone().requires_grad_(True)
        y = F.embedding(idx, wg, padding_idx, max_norm, norm_type, scale)
        go = torch.empty(y.shape).uniform_(-1, 1)
        after = wg.detach().clone()
        y.backward(go)
        out.append({
            "name": f"{'special ' if special else ''}weight [{num}, {dim}] indices {shape} {str(dtype)[6:]}"
                    f"{'' if padding_idx is None else f' paddingIdx {padding_idx}'}"
                    f"{'' if max_norm is None else f' maxNorm {max_norm} normType {norm_type}'}"
                    f"{' scaleGradByFreq' if scale else ''}",
            "paddingIdx": padding_idx, "maxNorm": max_norm, "normType": "inf" if norm_type == float("inf") else norm_type,
            "scaleGradByFreq": scale, "weight": f32(w), "indices": i32(idx), "output": f32(y),
            "weightAfter": f32(after), "gradOutput": f32(go), "gradWeight": f32(wg.grad),
        })
    return out


def errors():
    w = torch.randn(5, 3)
    specs = [
        ("float indices", lambda: F.embedding(torch.tensor([1.0, 2.0]), w), {"indices": [1.0, 2.0], "float": True}),
        ("index past the end", lambda: F.embedding(torch.tensor([1, 5]), w), {"indices": [1, 5]}),
        ("negative index", lambda: F.embedding(torch.tensor([1, -1]), w), {"indices": [1, -1]}),
        ("paddingIdx past the end", lambda: F.embedding(torch.tensor([1]), w, 5), {"indices": [1], "paddingIdx": 5}),
        ("paddingIdx below -num", lambda: F.embedding(torch.tensor([1]), w, -6), {"indices": [1], "paddingIdx": -6}),
        ("1-d weight", lambda: F.embedding(torch.tensor([1]), torch.randn(5)), {"indices": [1], "weightShape": [5]}),
    ]
    return [{"name": name, "message": error_of(fn), **args} for name, fn, args in specs]


def main():
    rng = random.Random(13)
    torch.manual_seed(13)
    write("embedding.json", "fixtures-embedding.py", {"cases": cases(rng), "errors": errors()})


if __name__ == "__main__":
    main()
