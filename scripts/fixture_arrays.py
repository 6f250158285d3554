"""Array encoding shared by the fixture scripts of the nn layers (scripts/fixtures-*.py).

Float arrays are base64 of little-endian float32 (exact; NaN and infinities survive), integer
arrays plain lists; test/helpers/fixtures.ts decodes both. `write` stores a fixture as compact
JSON under test/fixtures/layers/ and prints its size.
"""

import base64
import json
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS_DIR = os.path.join(ROOT, "test", "fixtures", "layers")


def f32(t):
    a = t.detach().cpu().float().contiguous().numpy().astype("<f4")
    return {"shape": list(a.shape), "dtype": "f32", "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def i32(t):
    return {"shape": list(t.shape), "dtype": "i32", "values": [int(v) for v in t.reshape(-1).tolist()]}


def with_specials(rng, x, share=0.15):
    """x with about `share` of its elements replaced by NaN, +-inf or -0."""
    flat = x.reshape(-1)
    for i in range(flat.numel()):
        if rng.random() < share:
            flat[i] = rng.choice([float("nan"), float("-inf"), float("inf"), -0.0])
    return x


def error_of(fn):
    """torch's message for a call it refuses; fails if torch accepts it."""
    try:
        fn()
    except (RuntimeError, ValueError, IndexError, TypeError, AssertionError) as e:
        return str(e)
    raise AssertionError("torch accepted a call expected to fail")


def write(name, script, data):
    data = {"generator": f"scripts/{script}", "torch": torch.__version__, **data}
    os.makedirs(LAYERS_DIR, exist_ok=True)
    path = os.path.join(LAYERS_DIR, name)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1024:.0f} KiB)")
