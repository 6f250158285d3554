#!/usr/bin/python3
"""PyTorch 1.13's adaptive_avg_pool2d and adaptive_max_pool2d, for test/pool-adaptive.test.ts.

    /usr/bin/python3 scripts/fixtures-pool-adaptive.py

writes test/fixtures/layers/pool-adaptive.json (seeded: a rerun writes the same file):

    avg, max   random shapes (batched, unbatched, empty batches), output sizes given as an
               int, a pair or a pair with None (null), smaller or larger than the input, and
               1 (the global pool); inputs uniform or with NaN/inf. Each case holds the input,
               torch's output (and indices), a gradient of the output, the input's gradient
               and the grad_fn's name.
    errors     calls torch refuses, with its message.
"""

import random

import torch
import torch.nn.functional as F

from fixture_arrays import error_of, f32, i32, with_specials, write


def random_size(rng, h, w):
    kind = rng.choice(["int", "pair", "none", "one"])
    if kind == "one":
        return 1 if rng.random() < 0.5 else [1, 1]
    if kind == "int":
        return rng.randint(1, max(h, w) + 2)
    pair = [rng.randint(1, h + 2), rng.randint(1, w + 2)]
    if kind == "none":
        pair[rng.randint(0, 1)] = None
    return pair


def cases(kind, rng, count):
    out = []
    for i in range(count):
        h, w = rng.randint(1, 9), rng.randint(1, 11)
        r = rng.random()
        if r < 0.15:
            shape = (rng.randint(1, 3), h, w)
        elif r < 0.25:
            shape = (0, rng.randint(1, 3), h, w)
        else:
            shape = (rng.randint(1, 3), rng.randint(1, 3), h, w)
        size = random_size(rng, h, w)
        x = torch.empty(shape).uniform_(-1, 1)
        special = i % 4 == 3
        if special:
            with_specials(rng, x)
        if kind == "max" and not special and i % 4 == 2:
            x.copy_(torch.randint(-1, 2, shape).float())  # ties: the first maximum wins
        xg = x.clone().requires_grad_(True)
        arg = tuple(size) if isinstance(size, list) else size
        if kind == "avg":
            y = F.adaptive_avg_pool2d(xg, arg)
        else:
            y, idx = F.adaptive_max_pool2d(xg, arg, return_indices=True)
        go = torch.empty(y.shape).uniform_(-1, 1)
        y.backward(go)
        case = {
            "name": f"{'special' if special else 'uniform'} {list(shape)} -> {size}",
            "outputSize": size, "input": f32(x), "output": f32(y), "gradOutput": f32(go),
            "gradInput": f32(xg.grad), "gradFn": type(y.grad_fn).__name__,
        }
        if kind == "max":
            case["indices"] = i32(idx)
        out.append(case)
    return out


def errors():
    specs = [
        ("avg", (2, 3), 2), ("avg", (1, 2, 3, 4), [2, 3, 4]), ("avg", (1, 2, 3, 4), -1),
        ("max", (2, 3), 2), ("max", (1, 2, 3, 4), [2, 3, 4]), ("max", (2, 0, 3, 3), 2),
        ("max", (2, 3, 0), 2), ("max", (1, 2, 3, 4), -1),
    ]
    out = []
    for kind, shape, size in specs:
        fn = F.adaptive_avg_pool2d if kind == "avg" else F.adaptive_max_pool2d
        arg = tuple(size) if isinstance(size, list) else size
        out.append({"kind": kind, "shape": list(shape), "outputSize": size,
                    "message": error_of(lambda: fn(torch.zeros(shape), arg))})
    return out


def main():
    rng = random.Random(11)
    torch.manual_seed(11)
    write("pool-adaptive.json", "fixtures-pool-adaptive.py",
          {"avg": cases("avg", rng, 40), "max": cases("max", rng, 40), "errors": errors()})


if __name__ == "__main__":
    main()
