#!/usr/bin/python3
"""PyTorch 1.13's F.pad and conv2d's padding options, for test/conv-padding.test.ts.

    /usr/bin/python3 scripts/fixtures-conv-padding.py

writes test/fixtures/layers/conv-padding.json (seeded):

    pad       F.pad over random ranks, modes (constant with a value, reflect, replicate,
              circular) and pad lists, negative entries (cropping) included, some inputs
              with NaN/inf: input, output, gradients, grad_fn name.
    padErrors calls F.pad refuses, with torch's message.
    conv      F.conv2d with padding='same' (odd and even kernels, dilations: PyTorch's extra
              bottom/right padding) or 'valid', groups, bias, batched, unbatched and empty
              batches: input, weight, bias, output and the three gradients.
    modules   nn.Conv2d with padding_mode zeros/reflect/replicate/circular and int, pair,
              'same' or 'valid' padding: its weight and bias, input, output and gradients.
    errors    what torch refuses, with its message (functional and module).
"""

import random

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_arrays import error_of, f32, with_specials, write


def grads(x, params, y):
    go = torch.empty(y.shape).uniform_(-1, 1)
    y.backward(go)
    return go, [None if p is None or p.grad is None else f32(p.grad) for p in [x, *params]]


def pad_cases(rng):
    out = []
    while len(out) < 60:
        mode = ["constant", "reflect", "replicate", "circular"][len(out) % 4]
        k = rng.randint(1, 3)
        if mode == "constant":
            ndim = rng.randint(1, 5)
            k = rng.randint(1, ndim)
        elif mode == "circular":
            ndim = k + 2
        else:
            ndim = k + rng.randint(1, 2)
        shape = [rng.randint(1, 2) for _ in range(ndim - k)] + [rng.randint(1, 6 if k < 3 else 4) for _ in range(k)]
        if rng.random() < 0.1:
            shape[0] = 0 if mode in ("constant", "circular") or ndim == k + 2 else shape[0]
        pad = [rng.randint(-2 if rng.random() < 0.25 else 0, 4 if k < 3 else 2) for _ in range(2 * k)]
        value = rng.choice([None, 0.5, -2.0]) if mode == "constant" else None
        x = torch.empty(shape).uniform_(-1, 1)
        if rng.random() < 0.25:
            with_specials(rng, x)
        xg = x.clone().requires_grad_(True)
        try:
            y = F.pad(xg, pad, mode) if value is None else F.pad(xg, pad, mode, value)
            go, (gx,) = grads(xg, [], y)
        except (RuntimeError, NotImplementedError, IndexError):
            continue  # refused (an error case), or torch's backward fails on a cropped-away output
        out.append({"name": f"{mode} {shape} pad {pad}{'' if value is None else f' value {value}'}",
                    "mode": mode, "pad": pad, "value": value, "input": f32(x), "output": f32(y),
                    "gradOutput": f32(go), "gradInput": gx, "gradFn": type(y.grad_fn).__name__ if y.grad_fn else None})
    return out


def pad_errors():
    specs = [
        ([2, 3, 4, 5], [1, 2, 3], "constant", None), ([2, 3], [1, 1, 1, 1, 1, 1], "constant", None),
        ([2, 3, 4, 5], [1, 1], "reflect", 2.0), ([2, 3, 4, 5], [1, 1], "reflect", None),
        ([2, 3, 4, 5, 6, 7], [1, 1], "replicate", None), ([3, 4, 5], [5, 0], "reflect", None),
        ([2, 3, 4, 5], [0, 0, 4, 0], "reflect", None), ([2, 3, 4, 5], [0, 5, 0, 0], "reflect", None),
        ([3, 4, 5], [1, 1, 1, 1], "circular", None), ([2, 3, 4], [5, 0], "circular", None),
        ([2, 3, 0], [1, 1], "replicate", None), ([2, 5], [-3, -3], "constant", None),
    ]
    out = []
    for shape, pad, mode, value in specs:
        fn = (lambda: F.pad(torch.zeros(shape), pad, mode)) if value is None else (lambda: F.pad(torch.zeros(shape), pad, mode, value))
        try:
            fn()
        except (RuntimeError, NotImplementedError) as e:
            out.append({"shape": shape, "pad": pad, "mode": mode, "value": value, "message": str(e)})
            continue
        raise AssertionError(f"torch accepted {shape} {pad} {mode}")
    return out


def conv_cases(rng):
    out = []
    for i in range(30):
        groups = rng.choice([1, 1, 2])
        cin, cout = groups * rng.randint(1, 2), groups * rng.randint(1, 3)
        k = (rng.randint(1, 4), rng.randint(1, 4))
        dilation = (rng.randint(1, 2), rng.randint(1, 2))
        padding = "same" if i % 3 else "valid"
        h, w = rng.randint(1, 7) + dilation[0] * (k[0] - 1), rng.randint(1, 7) + dilation[1] * (k[1] - 1)
        r = rng.random()
        shape = [cin, h, w] if r < 0.15 else [0, cin, h, w] if r < 0.25 else [rng.randint(1, 2), cin, h, w]
        x = torch.empty(shape).uniform_(-1, 1).requires_grad_(True)
        wt = torch.empty(cout, cin // groups, *k).uniform_(-1, 1).requires_grad_(True)
        b = torch.empty(cout).uniform_(-1, 1).requires_grad_(True) if rng.random() < 0.7 else None
        y = F.conv2d(x, wt, b, 1, padding, dilation, groups)
        go, (gx, gw, gb) = grads(x, [wt, b], y)
        out.append({"name": f"{padding} {shape} weight {list(wt.shape)} d{list(dilation)} g{groups}{'' if b is None else ' bias'}",
                    "padding": padding, "dilation": list(dilation), "groups": groups,
                    "input": f32(x), "weight": f32(wt), "bias": None if b is None else f32(b), "output": f32(y),
                    "gradOutput": f32(go), "gradInput": gx, "gradWeight": gw, "gradBias": gb})
    return out


def module_cases(rng):
    out = []
    for i in range(32):
        mode = ["zeros", "reflect", "replicate", "circular"][i % 4]
        k = (rng.randint(1, 4), rng.randint(1, 4))
        padding = rng.choice(["same", "valid", 1, [rng.randint(0, k[0] - 1), rng.randint(0, k[1] - 1)]])
        stride = (1, 1) if padding == "same" else (rng.randint(1, 2), rng.randint(1, 2))
        dilation = (rng.randint(1, 2), rng.randint(1, 2))
        cin, cout = rng.randint(1, 3), rng.randint(1, 3)
        h, w = rng.randint(1, 5) + dilation[0] * (k[0] - 1) + 1, rng.randint(1, 5) + dilation[1] * (k[1] - 1) + 1
        shape = [rng.randint(1, 2), cin, h, w]
        arg = tuple(padding) if isinstance(padding, list) else padding
        m = nn.Conv2d(cin, cout, k, stride, arg, dilation, padding_mode=mode)
        x = torch.empty(shape).uniform_(-1, 1).requires_grad_(True)
        try:
            y = m(x)
        except RuntimeError:
            continue
        go, (gx, gw, gb) = grads(x, [m.weight, m.bias], y)
        out.append({"name": f"{mode} padding {padding} {shape} k{list(k)} s{list(stride)} d{list(dilation)}",
                    "paddingMode": mode, "padding": padding, "kernelSize": list(k), "stride": list(stride),
                    "dilation": list(dilation), "inChannels": cin, "outChannels": cout,
                    "weight": f32(m.weight), "bias": f32(m.bias), "input": f32(x), "output": f32(y),
                    "gradOutput": f32(go), "gradInput": gx, "gradWeight": gw, "gradBias": gb})
    return out


def errors():
    x, w = torch.zeros(1, 3, 6, 6), torch.zeros(4, 3, 3, 3)
    return {
        "conv2d": [
            {"padding": "same", "stride": 2, "message": error_of(lambda: F.conv2d(x, w, None, 2, "same"))},
            {"padding": "foo", "stride": 1, "message": error_of(lambda: F.conv2d(x, w, None, 1, "foo"))},
        ],
        "module": [
            {"options": {"padding": "same", "stride": 2}, "message": error_of(lambda: nn.Conv2d(3, 4, 3, 2, "same"))},
            {"options": {"padding": "foo"}, "message": error_of(lambda: nn.Conv2d(3, 4, 3, padding="foo"))},
            {"options": {"paddingMode": "foo"}, "message": error_of(lambda: nn.Conv2d(3, 4, 3, padding_mode="foo"))},
        ],
    }


def main():
    rng = random.Random(14)
    torch.manual_seed(14)
    write("conv-padding.json", "fixtures-conv-padding.py", {
        "pad": pad_cases(rng), "padErrors": pad_errors(), "conv": conv_cases(rng), "modules": module_cases(rng),
        "errors": errors(),
    })


if __name__ == "__main__":
    main()
