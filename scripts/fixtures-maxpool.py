#!/usr/bin/python3
"""PyTorch 1.13's max_pool2d over random geometries, for test/maxpool.test.ts.

Run with Debian's interpreter, which has python3-torch:

    /usr/bin/python3 scripts/fixtures-maxpool.py

It writes test/fixtures/maxpool/maxpool2d.json (seeded: a rerun writes the same file):

    cases   random shapes, kernel sizes, strides, paddings, dilations and ceil_mode, batched
            and unbatched, with uniform, tied (small integers) or special (NaN, +-inf, -0)
            inputs. Each holds the input, torch's output and indices (flat h * W + w per
            plane) from float32, a gradient of the output, and the input's gradient (the
            backward run in float64 on the same values, so it is the exact sum).
    sizes   output sizes along one axis, [input, kernel, stride, pad, dilation, ceil_mode,
            output], over a dense grid; output is 0 where torch says "Output size is too small".
    errors  arguments torch refuses, with its message.

Float arrays are base64 of little-endian float32 (exact, and NaN/inf survive); indices are
plain integers.

A window whose taps all fall outside the input (possible with dilation) gives -inf and an
index past its first tap, which may lie outside the plane; torch's backward then writes out of
bounds (it corrupts the heap), so for such a case the script does not run torch's backward and
stores the gradient its rule gives inside the plane (scatter-add of the in-plane indices).
"""

import base64
import json
import os
import random

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "maxpool", "maxpool2d.json")


def b64(t):
    a = t.detach().cpu().numpy().astype("<f4")
    return {"shape": list(a.shape), "dtype": "f32", "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def ints(t):
    return {"shape": list(t.shape), "dtype": "i32", "values": [int(v) for v in t.reshape(-1).tolist()]}


def make_input(rng, shape, values):
    x = torch.empty(shape)
    if values == "ties":
        return x.copy_(torch.randint(-1, 2, shape).float())
    x.uniform_(-1, 1)
    if values == "special":
        specials = [float("nan"), float("-inf"), float("inf"), -0.0, 0.0]
        flat = x.view(-1)
        for i in range(flat.numel()):
            if rng.random() < 0.15:
                flat[i] = rng.choice(specials)
    return x


def grad_input_of(x, y_shape, go, kernel, stride, padding, dilation, ceil_mode, indices):
    plane = x.shape[-1] * x.shape[-2]
    if int(indices.max()) < plane if indices.numel() > 0 else True:
        xd = x.double().requires_grad_(True)
        yd, idx = F.max_pool2d(xd, kernel, stride, padding, dilation, ceil_mode, return_indices=True)
        assert torch.equal(idx, indices), "float64 indices differ from float32's"
        yd.backward(go.double())
        return xd.grad, True
    # Out-of-plane indices: torch's backward would write out of bounds.
    planes = x.numel() // plane
    idx = indices.reshape(planes, -1)
    g = go.double().reshape(planes, -1)
    keep = idx < plane
    gi = torch.zeros(planes, plane, dtype=torch.float64)
    gi.scatter_add_(1, torch.where(keep, idx, torch.zeros_like(idx)), torch.where(keep, g, torch.zeros_like(g)))
    return gi.reshape(x.shape), False


def random_case(rng, i):
    while True:
        k = (rng.randint(1, 4), rng.randint(1, 4))
        stride = (rng.randint(1, 3), rng.randint(1, 3))
        padding = (rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2))
        dilation = (rng.randint(1, 3), rng.randint(1, 3))
        ceil_mode = rng.random() < 0.5
        h, w = rng.randint(1, 12), rng.randint(1, 24)
        batched = rng.random() < 0.8
        shape = (rng.randint(1, 3), rng.randint(1, 3), h, w) if batched else (rng.randint(1, 3), h, w)
        try:
            F.max_pool2d(torch.zeros(shape), k, stride, padding, dilation, ceil_mode)
        except RuntimeError:
            continue  # output too small
        break
    values = ["uniform", "ties", "special"][i % 3]
    x = make_input(rng, shape, values)
    return shape, k, stride, padding, dilation, ceil_mode, values, x


def cases():
    rng = random.Random(2024)
    torch.manual_seed(2024)
    out = []
    specs = [random_case(rng, i) for i in range(72)]
    # Windows with no tap inside the input: one whose index stays inside the plane (a later
    # row), and one whose index lies past the plane.
    specs.append(((1, 1, 3, 1), (1, 2), (1, 1), (0, 1), (1, 2), False, "uniform", torch.tensor([[[[1.0], [2.0], [3.0]]]])))
    specs.append(((1, 2, 1, 5), (2, 3), (1, 2), (1, 1), (2, 1), True, "uniform", torch.rand(1, 2, 1, 5)))
    for shape, k, stride, padding, dilation, ceil_mode, values, x in specs:
        y, idx = F.max_pool2d(x, k, stride, padding, dilation, ceil_mode, return_indices=True)
        go = torch.empty(y.shape).uniform_(-1, 1)
        gi, by_torch = grad_input_of(x, y.shape, go, k, stride, padding, dilation, ceil_mode, idx)
        out.append({
            "name": f"{values} {list(shape)} k{list(k)} s{list(stride)} p{list(padding)} d{list(dilation)}"
                    f"{' ceil' if ceil_mode else ''}",
            "kernelSize": list(k), "stride": list(stride), "padding": list(padding),
            "dilation": list(dilation), "ceilMode": ceil_mode,
            "input": b64(x), "output": b64(y), "indices": ints(idx),
            "gradOutput": b64(go), "gradInput": b64(gi), "gradInputByTorch": by_torch,
        })
    return out


def sizes():
    rows = []
    for size in range(1, 13):
        for k in range(1, 5):
            for s in range(1, 4):
                for p in range(0, k // 2 + 1):
                    for d in range(1, 4):
                        for ceil_mode in (False, True):
                            try:
                                o = F.max_pool2d(torch.zeros(1, 1, size, 1), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode).shape[2]
                            except RuntimeError as e:
                                assert "Output size is too small" in str(e), str(e)
                                o = 0
                            rows.append([size, k, s, p, d, int(ceil_mode), o])
    return rows


def errors():
    specs = [
        # input shape, kernel, stride, padding, dilation, ceil_mode
        ((1, 2, 3, 4), 2, None, 2, 1, False),
        ((1, 2, 3, 4), 3, None, 2, 3, False),
        ((1, 2, 3, 4), (2, 3), None, (1, 2), 1, False),
        ((1, 2, 3, 4), (3, 1), None, (1, 1), 1, False),
        ((1, 2, 3, 4), 5, 1, 0, 1, False),
        ((1, 2, 3, 4), 3, 1, 0, 2, False),
        ((1, 2, 3, 4), 3, 1, 0, 2, True),
        ((1, 2, 3, 4), 0, None, 0, 1, False),
        ((1, 2, 3, 4), 0, 1, 0, 1, False),
        ((1, 2, 3, 4), -1, 1, 0, 1, False),
        ((1, 2, 3, 4), 2, 0, 0, 1, False),
        ((1, 2, 3, 4), 2, -1, 0, 1, False),
        ((1, 2, 3, 4), 2, (1, 0), 0, 1, False),
        ((1, 2, 3, 4), 2, None, 0, 0, False),
        ((1, 2, 3, 4), 2, None, 0, (1, -1), False),
        ((1, 2, 3, 4), 2, None, -1, 1, False),
        ((2, 3), 2, None, 0, 1, False),
        ((1, 0, 4, 4), 2, None, 0, 1, False),
        ((2, 0, 4), 2, None, 0, 1, False),
    ]
    out = []
    for shape, k, stride, padding, dilation, ceil_mode in specs:
        try:
            F.max_pool2d(torch.zeros(shape), k, stride, padding, dilation, ceil_mode)
        except RuntimeError as e:
            out.append({"shape": list(shape), "kernelSize": k, "stride": stride, "padding": padding,
                        "dilation": dilation, "ceilMode": ceil_mode, "message": str(e)})
            continue
        raise AssertionError(f"torch accepted {shape} {k} {stride} {padding} {dilation} {ceil_mode}")
    return out


def main():
    data = {"generator": "scripts/fixtures-maxpool.py", "torch": torch.__version__,
            "cases": cases(), "sizes": sizes(), "errors": errors()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT) / 1024:.0f} KiB, "
          f"{len(data['cases'])} cases, {len(data['sizes'])} sizes, {len(data['errors'])} errors)")


if __name__ == "__main__":
    main()
