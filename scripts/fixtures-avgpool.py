#!/usr/bin/python3
"""PyTorch 1.13's avg_pool2d over random geometries, for test/avgpool.test.ts.

    /usr/bin/python3 scripts/fixtures-avgpool.py

writes test/fixtures/layers/avgpool.json (seeded):

    cases    random shapes (batched, unbatched, empty batches), kernel sizes, strides,
             paddings, ceil_mode, count_include_pad and divisor_override; inputs uniform or
             with NaN/inf. Each holds the input, torch's output, a gradient of the output and
             the input's gradient.
    errors   calls torch refuses, with its message.
"""

import random

import torch
import torch.nn.functional as F

from fixture_arrays import error_of, f32, with_specials, write


def random_case(rng):
    while True:
        k = (rng.randint(1, 4), rng.randint(1, 4))
        stride = (rng.randint(1, 3), rng.randint(1, 3)) if rng.random() < 0.7 else None
        padding = (rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2))
        ceil_mode = rng.random() < 0.5
        include = rng.random() < 0.5
        divisor = rng.choice([None, None, None, rng.randint(1, 5), -2])
        h, w = rng.randint(1, 10), rng.randint(1, 12)
        r = rng.random()
        shape = (rng.randint(1, 3), h, w) if r < 0.15 else (0, 2, h, w) if r < 0.25 else \
            (rng.randint(1, 3), rng.randint(1, 3), h, w)
        try:
            F.avg_pool2d(torch.zeros(shape), k, stride, padding, ceil_mode, include, divisor)
        except RuntimeError:
            continue
        return shape, k, stride, padding, ceil_mode, include, divisor


def cases(rng):
    out = []
    for i in range(60):
        shape, k, stride, padding, ceil_mode, include, divisor = random_case(rng)
        x = torch.empty(shape).uniform_(-1, 1)
        special = i % 4 == 3
        if special:
            with_specials(rng, x)
        xg = x.clone().requires_grad_(True)
        y = F.avg_pool2d(xg, k, stride, padding, ceil_mode, include, divisor)
        go = torch.empty(y.shape).uniform_(-1, 1)
        y.backward(go)
        out.append({
            "name": f"{'special' if special else 'uniform'} {list(shape)} k{list(k)} s{stride and list(stride)} "
                    f"p{list(padding)}{' ceil' if ceil_mode else ''}{'' if include else ' excludePad'}"
                    f"{'' if divisor is None else f' divisor {divisor}'}",
            "kernelSize": list(k), "stride": stride and list(stride), "padding": list(padding),
            "ceilMode": ceil_mode, "countIncludePad": include, "divisorOverride": divisor,
            "input": f32(x), "output": f32(y), "gradOutput": f32(go), "gradInput": f32(xg.grad),
        })
    return out


def errors():
    specs = [
        # shape, kernel, stride, padding, ceil_mode, divisor
        ((1, 2, 5, 6), 2, None, 0, False, 0),
        ((1, 2, 5, 6), 2, None, 2, False, None),
        ((1, 2, 5, 6), 0, None, 0, False, None),
        ((1, 2, 5, 6), 0, 1, 0, False, None),
        ((1, 2, 5, 6), 7, None, 0, False, None),
        ((1, 2, 5, 6), 2, 0, 0, False, None),
        ((1, 2, 5, 6), 2, None, -1, False, None),
        ((1, 2, 5, 6), [2, 2, 2], None, 0, False, None),
        ((1, 2, 5, 6), 2, [1, 1, 1], 0, False, None),
        ((1, 2, 5, 6), 2, None, [1, 1, 1], False, None),
        ((2, 3), 2, None, 0, False, None),
        ((2, 0, 3, 3), 2, None, 0, False, None),
        ((2, 3, 0), 2, None, 0, False, None),
    ]
    out = []
    for shape, k, stride, padding, ceil_mode, divisor in specs:
        t = lambda v: tuple(v) if isinstance(v, list) else v
        message = error_of(lambda: F.avg_pool2d(torch.zeros(shape), t(k), t(stride), t(padding), ceil_mode, True, divisor))
        out.append({"shape": list(shape), "kernelSize": k, "stride": stride, "padding": padding, "ceilMode": ceil_mode,
                    "divisorOverride": divisor, "message": message})
    return out


def main():
    rng = random.Random(12)
    torch.manual_seed(12)
    write("avgpool.json", "fixtures-avgpool.py", {"cases": cases(rng), "errors": errors()})


if __name__ == "__main__":
    main()
