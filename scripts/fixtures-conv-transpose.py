#!/usr/bin/python3
"""PyTorch 1.13's conv_transpose2d and nn.ConvTranspose2d, for test/conv-transpose.test.ts.

    /usr/bin/python3 scripts/fixtures-conv-transpose.py

writes test/fixtures/layers/conv-transpose.json (seeded):

    cases    F.conv_transpose2d over random shapes (batched, unbatched, empty batches),
             kernels, strides, paddings, output paddings (also >= stride, below the
             dilation), dilations, groups, with and without bias: input, weight, bias, output,
             a gradient of the output and the gradients of input, weight and bias.
    modules  nn.ConvTranspose2d called with output_size: its parameters, input, output and
             gradients.
    errors   what torch refuses (functional and module), with its message.
"""

import random

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_arrays import error_of, f32, write


def grads(tensors, y):
    go = torch.empty(y.shape).uniform_(-1, 1)
    y.backward(go)
    return go, [None if t is None else f32(t.grad) for t in tensors]


def random_geometry(rng):
    k = (rng.randint(1, 4), rng.randint(1, 4))
    stride = (rng.randint(1, 3), rng.randint(1, 3))
    dilation = (rng.randint(1, 3), rng.randint(1, 3))
    padding = (rng.randint(0, 2), rng.randint(0, 2))
    output_padding = tuple(rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dilation))
    return k, stride, dilation, padding, output_padding


def cases(rng):
    out = []
    while len(out) < 50:
        k, stride, dilation, padding, output_padding = random_geometry(rng)
        groups = rng.choice([1, 1, 2])
        cin, cout = groups * rng.randint(1, 2), groups * rng.randint(1, 2)
        h, w = rng.randint(1, 5), rng.randint(1, 5)
        r = rng.random()
        shape = [cin, h, w] if r < 0.15 else [0, cin, h, w] if r < 0.22 else [rng.randint(1, 2), cin, h, w]
        x = torch.empty(shape).uniform_(-1, 1).requires_grad_(True)
        wt = torch.empty(cin, cout // groups, *k).uniform_(-1, 1).requires_grad_(True)
        b = torch.empty(cout).uniform_(-1, 1).requires_grad_(True) if rng.random() < 0.7 else None
        try:
            y = F.conv_transpose2d(x, wt, b, stride, padding, output_padding, groups, dilation)
        except RuntimeError:
            continue  # output too small
        go, (gx, gw, gb) = grads([x, wt, b], y)
        out.append({
            "name": f"{shape} weight {list(wt.shape)} s{list(stride)} p{list(padding)} op{list(output_padding)} "
                    f"d{list(dilation)} g{groups}{'' if b is None else ' bias'}",
            "stride": list(stride), "padding": list(padding), "outputPadding": list(output_padding),
            "dilation": list(dilation), "groups": groups, "input": f32(x), "weight": f32(wt),
            "bias": None if b is None else f32(b), "output": f32(y), "gradFn": type(y.grad_fn).__name__,
            "gradOutput": f32(go), "gradInput": gx, "gradWeight": gw, "gradBias": gb})
    return out


def modules(rng):
    out = []
    while len(out) < 16:
        k, stride, dilation, padding, _ = random_geometry(rng)
        cin, cout = rng.randint(1, 3), rng.randint(1, 3)
        shape = [rng.randint(1, 2), cin, rng.randint(1, 5), rng.randint(1, 5)]
        m = nn.ConvTranspose2d(cin, cout, k, stride, padding, 0, 1, True, dilation)
        x = torch.empty(shape).uniform_(-1, 1).requires_grad_(True)
        base = [(shape[2 + d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (k[d] - 1) + 1 for d in range(2)]
        size = [b + rng.randint(0, min(s, d) - 1 if min(s, d) > 1 else 0) for b, s, d in zip(base, stride, dilation)]
        if min(size) < 1:
            continue
        output_size = size if rng.random() < 0.5 else shape[:2] + size
        y = m(x, output_size=output_size)
        go, (gx, gw, gb) = grads([x, m.weight, m.bias], y)
        out.append({
            "name": f"{shape} k{list(k)} s{list(stride)} p{list(padding)} d{list(dilation)} outputSize {output_size}",
            "inChannels": cin, "outChannels": cout, "kernelSize": list(k), "stride": list(stride),
            "padding": list(padding), "dilation": list(dilation), "outputSize": output_size,
            "weight": f32(m.weight), "bias": f32(m.bias), "input": f32(x), "output": f32(y),
            "gradOutput": f32(go), "gradInput": gx, "gradWeight": gw, "gradBias": gb})
    return out


def errors():
    x, w = torch.zeros(2, 4, 5, 6), torch.zeros(4, 3, 3, 3)
    functional = [
        ({"stride": 2, "outputPadding": 2}, [2, 4, 5, 6], [4, 3, 3, 3], None, 1,
         lambda: F.conv_transpose2d(x, w, None, 2, 0, 2)),
        ({"padding": 5}, [2, 4, 5, 6], [4, 3, 3, 3], None, 1, lambda: F.conv_transpose2d(x, w, None, 1, 5)),
        ({}, [2, 4, 5, 6], [3, 3, 3, 3], None, 1, lambda: F.conv_transpose2d(x, torch.zeros(3, 3, 3, 3))),
        ({"groups": 3}, [2, 4, 5, 6], [4, 3, 3, 3], None, 3, lambda: F.conv_transpose2d(x, w, groups=3)),
        ({}, [2, 4, 5, 6], [4, 3, 3, 3], [4], 1, lambda: F.conv_transpose2d(x, w, torch.zeros(4))),
        ({}, [2, 3], [4, 3, 3, 3], None, 1, lambda: F.conv_transpose2d(torch.zeros(2, 3), w)),
    ]
    m = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    module = [
        ({"outputSize": [8, 11]}, lambda: m(x, output_size=[8, 11])),
        ({"outputSize": [11, 11]}, lambda: m(x, output_size=[11, 11])),
        ({"outputSize": [10]}, lambda: m(x, output_size=[10])),
    ]
    construct = [
        ({"paddingMode": "reflect"}, lambda: nn.ConvTranspose2d(4, 3, 3, padding_mode="reflect")),
        ({"groups": 3}, lambda: nn.ConvTranspose2d(4, 3, 3, groups=3)),
        ({"groups": 2}, lambda: nn.ConvTranspose2d(4, 3, 3, groups=2)),
        ({"groups": 0}, lambda: nn.ConvTranspose2d(4, 3, 3, groups=0)),
    ]
    return {
        "functional": [{"options": o, "input": s, "weight": ws, "bias": b, "message": error_of(fn)}
                       for o, s, ws, b, _, fn in functional],
        "forward": [{"outputSize": o["outputSize"], "message": error_of(fn)} for o, fn in module],
        "construct": [{"options": o, "message": error_of(fn)} for o, fn in construct],
        "repr": repr(nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 1), padding=1, output_padding=1, groups=2, bias=False, dilation=2)),
    }


def main():
    rng = random.Random(15)
    torch.manual_seed(15)
    write("conv-transpose.json", "fixtures-conv-transpose.py", {"cases": cases(rng), "modules": modules(rng), "errors": errors()})


if __name__ == "__main__":
    main()
