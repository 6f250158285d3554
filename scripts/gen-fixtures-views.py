#!/usr/bin/python3
"""Writes the PyTorch fixtures for views, in-place ops and version counters under
test/fixtures/views/ (committed; tests never run Python).

Run with Debian's interpreter, which has python3-torch (PyTorch 1.13, CPU):

    /usr/bin/python3 scripts/gen-fixtures-views.py

Everything is drawn from one seeded random.Random and torch.manual_seed, so a rerun writes
identical files. Arrays use the encoding of scripts/gen-fixtures.py (decoded by
test/helpers/fixtures.ts).

Files:
    views.json    One view op (view, reshape, transpose, permute, t, unsqueeze, squeeze, expand,
                  narrow, select, flatten, unflatten, Python indexing, detach, contiguous) on a
                  random input, often made non-contiguous first by "prep" views, with random
                  (sometimes invalid) arguments. Each case holds the base x, the steps, and
                  either PyTorch's error or the result's shape, strides, storage offset,
                  is_contiguous, _is_view, whether it shares x's storage, grad_fn name, values,
                  and the gradient of (result * r).sum() with respect to x.
    inplace.json  Small programs ("scenarios") over named tensors, replayed statement by
                  statement by test/inplace.test.ts: writes through views into the base and into
                  parameters (under no_grad, through .data, through detach()), leaf and
                  view-of-leaf errors, tensors saved for backward and modified in place, in-place
                  chains on non-leaves, views whose base is modified in place, and memory overlap.
                  After every statement: PyTorch's error (if any) and the _version of every named
                  tensor (and after an in-place op, the target's grad_fn name); at the end the
                  values of every tensor and the gradients of the leaves.

Statements (the "s" field) of a scenario:
    tensor   name = random values (value), requiresGrad, dtype f32/i32
    view     name = of.<op>(*args)   one view step (as in views.json), or op "data" / "detach"
    inplace  target.<op>(*args)      add_ sub_ mul_ div_ neg_ relu_ clamp_ fill_ zero_ copy_
    op       name = <op>(*args)      mul add sub div sigmoid exp tanh relu pow sum clone
    backward of.backward()           of is a 0-d tensor
    grad     name = of.grad
Arguments are numbers or {"ref": name}. A statement with "noGrad": true runs under
torch.no_grad(). A scenario stops at its first error. Statements that torchlet refuses on
purpose carry "torchletRefuses": <why>: in-place ops on a view that takes part in autograd,
which PyTorch supports through CopySlices and torchlet does not, and indices with two
ellipses, which PyTorch 1.13 accepts and torchlet (as NumPy) refuses. views.json cases carry it
too.

grad_fn names are PyTorch 1.13's; where PyTorch 2.x renamed one the test maps it
(ReshapeAliasBackward0 became ViewBackward0 when reshape stopped calling _reshape_alias).
"""

import base64
import importlib.util
import math
import os
import random

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "views")

_spec = importlib.util.spec_from_file_location("gen_fixtures", os.path.join(ROOT, "scripts", "gen-fixtures.py"))
_gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_gen)
_gen.OUT = OUT  # its write() then writes here
arr, write = _gen.arr, _gen.write  # the shared array encoding and JSON layout

rng = random.Random(9)


def error_of(e):
    # The message's start is enough for a loose match; tracebacks hints vary between versions.
    return {"type": type(e).__name__, "message": str(e)[:160]}


def decode(a):
    """The tensor an arr() encoding holds."""
    if "b64" in a:
        values = torch.from_numpy(np.frombuffer(base64.b64decode(a["b64"]), dtype="<f4").copy())
    else:
        values = torch.tensor(a["values"], dtype=torch.float32 if a["dtype"] == "f32" else torch.int32)
    return canonical(values, a["shape"])


def canonical(values, shape):
    """A fresh tensor of `shape` with PyTorch's contiguous strides (torch.empty's), as a
    TypeScript `new Tensor(data, shape)` has: results of ops may carry other strides on
    size-0 and size-1 dims."""
    # (clone in contiguous_format allocates like torch.empty; copy_ would bump _version)
    return values.reshape(shape).clone(memory_format=torch.contiguous_format)


def rand_values(shape):
    # Values of two decimals: exact sums and products stay small and comparable across backends.
    return canonical(torch.randint(-300, 300, shape).float() / 100, shape)


# ----------------------------------------------------------------------------------------------
# Random shapes and arguments


def rand_shape(max_nd=4, zero=0.06):
    nd = rng.choice([d for d in [0, 1, 1, 2, 2, 2, 3, 3, 3, 4] if d <= max_nd])
    out = []
    for _ in range(nd):
        r = rng.random()
        out.append(0 if r < zero else 1 if r < 0.25 else rng.randint(2, 5))
    return out


def prime_factors(n):
    f, p = [], 2
    while n > 1:
        while n % p == 0:
            f.append(p)
            n //= p
        p += 1
    return f


def rand_reshape(shape):
    """A target shape for view/reshape: merges/splits of adjacent dims or a random factorisation,
    sometimes with -1, sometimes invalid."""
    n = math.prod(shape)
    kind = rng.random()
    if kind < 0.45 and len(shape) >= 1:
        out = list(shape)
        if rng.random() < 0.5 and len(out) >= 2:  # merge two adjacent dims
            i = rng.randrange(len(out) - 1)
            out[i:i + 2] = [out[i] * out[i + 1]]
        else:  # split a dim, or add a size-1 dim
            i = rng.randrange(len(out))
            f = prime_factors(out[i]) if out[i] > 0 else []
            if len(f) >= 2:
                k = rng.randrange(1, len(f))
                out[i:i + 1] = [math.prod(f[:k]), math.prod(f[k:])]
            else:
                out.insert(i + rng.randint(0, 1), 1)
    elif n == 0:
        out = [rng.choice([0, 1, 2, 3]) for _ in range(rng.randint(1, 3))]
        if 0 not in out:
            out[rng.randrange(len(out))] = 0
    else:
        f = prime_factors(n)
        rng.shuffle(f)
        k = rng.randint(0 if n == 1 else 1, min(4, max(1, len(f))))
        out = [1] * k
        for p in f:
            out[rng.randrange(k)] *= p if k > 0 else 1
        if k == 0:
            out = []
        if rng.random() < 0.2:
            out.insert(rng.randint(0, len(out)), 1)
    if out and rng.random() < 0.3:
        out[rng.randrange(len(out))] = -1
    if rng.random() < 0.08:
        if out:
            i = rng.randrange(len(out))
            out[i] = out[i] + 1 if out[i] != -1 else 2
            if rng.random() < 0.5:
                out.append(-1)  # two -1, or a -1 that cannot be inferred
        else:
            out = [2]
    return out


def rand_dim(nd, extra=0, bad=0.08):
    """A dim in [-nd-extra, nd+extra), sometimes just outside it."""
    n = max(nd + extra, 1)
    if rng.random() < bad:
        return rng.choice([n, -n - 1])
    return rng.randrange(-n, n)


def rand_slice_text(size):
    def bound():
        r = rng.random()
        if r < 0.3:
            return ""
        return str(rng.randint(-size - 2, size + 2))

    start, stop = bound(), bound()
    r = rng.random()
    if r < 0.55:
        return f"{start}:{stop}"
    step = rng.choice(["", "1", "2", "2", "3"])
    if rng.random() < 0.03:
        step = rng.choice(["0", "-1"])
    return f"{start}:{stop}:{step}"


def rand_index_expr(shape):
    """A Python index expression over `shape` as text: ints, slices, '...' and None."""
    nd = len(shape)
    k = rng.randint(0, nd)
    if rng.random() < 0.05:
        k = nd + 1  # too many indices
    items = []
    ellipsis_at = rng.randint(0, k) if rng.random() < 0.3 else None
    dim = 0
    for i in range(k):
        if ellipsis_at == i:
            items.append("...")
        size = shape[dim] if dim < nd else 2
        if rng.random() < 0.35:
            if rng.random() < 0.06 or size == 0:
                v = rng.choice([size, -size - 1])
            else:
                v = rng.randint(-size, size - 1)
            items.append(str(v))
        else:
            items.append(rand_slice_text(size))
        dim += 1
    if ellipsis_at == k:
        items.append("...")
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        items.insert(rng.randint(0, len(items)), "None")
    if not items:
        items = [rng.choice(["...", "None", ":"])]
    if ellipsis_at is not None and rng.random() < 0.03:
        items.append("...")  # two ellipses
    return ", ".join(items)


def rand_view_step(shape):
    """One view op with random (usually valid) arguments for an input of `shape`."""
    nd = len(shape)
    op = rng.choice(["view", "view", "reshape", "reshape", "transpose", "permute", "t", "unsqueeze", "squeeze",
                     "expand", "narrow", "select", "flatten", "unflatten", "index", "index", "index",
                     "detach", "contiguous"])
    if op in ("view", "reshape"):
        return {"op": op, "args": [rand_reshape(shape)]}
    if op == "transpose":
        return {"op": op, "args": [rand_dim(nd), rand_dim(nd)]}
    if op == "permute":
        perm = list(range(nd))
        rng.shuffle(perm)
        perm = [p - nd if rng.random() < 0.3 else p for p in perm]
        r = rng.random()
        if r < 0.04 and nd >= 2:
            perm[0] = perm[1]
        elif r < 0.07:
            perm = perm + [0]
        return {"op": op, "args": [perm]}
    if op == "t":
        return {"op": op, "args": []}
    if op == "unsqueeze":
        return {"op": op, "args": [rand_dim(nd, 1)]}
    if op == "squeeze":
        return {"op": op, "args": [] if rng.random() < 0.4 else [rand_dim(nd)]}
    if op == "expand":
        sizes = []
        for d in shape:
            if d == 1 and rng.random() < 0.7:
                sizes.append(rng.choice([0, 2, 3, 4]))
            else:
                sizes.append(-1 if rng.random() < 0.3 else d)
        lead = [rng.randint(1, 3) for _ in range(rng.choice([0, 0, 1, 2]))]
        if rng.random() < 0.06 and sizes:
            i = rng.randrange(len(sizes))
            sizes[i] = shape[i] + 1
        if rng.random() < 0.03:
            lead = [-1] + lead
        return {"op": op, "args": [lead + sizes]}
    if op == "narrow":
        if nd == 0:
            return {"op": op, "args": [0, 0, 1]}
        d = rand_dim(nd, bad=0.03)
        size = shape[d] if -nd <= d < nd else 1
        start = rng.randint(-size, size)
        s = start + size if start < 0 else start
        length = rng.randint(0, max(0, size - s))
        if rng.random() < 0.08:
            length += rng.randint(1, 2)
        return {"op": op, "args": [d, start, length]}
    if op == "select":
        if nd == 0:
            return {"op": op, "args": [0, 0]}
        d = rand_dim(nd, bad=0.03)
        size = shape[d] if -nd <= d < nd else 1
        i = rng.randint(-size, size - 1) if size > 0 and rng.random() > 0.06 else rng.choice([size, -size - 1])
        return {"op": op, "args": [d, i]}
    if op == "flatten":
        return {"op": op, "args": [] if rng.random() < 0.3 else [rand_dim(nd, bad=0.03), rand_dim(nd, bad=0.03)]}
    if op == "unflatten":
        if nd == 0:
            return {"op": op, "args": [0, [1]]}
        d = rand_dim(nd, bad=0.03)
        size = shape[d] if -nd <= d < nd else 1
        f = prime_factors(size) if size > 0 else [0]
        rng.shuffle(f)
        k = rng.randint(1, max(1, min(3, len(f))))
        sizes = [1] * k
        for p in f:
            sizes[rng.randrange(k)] *= p
        if rng.random() < 0.3:
            sizes.insert(rng.randint(0, len(sizes)), 1)
        if rng.random() < 0.3 and size > 0:
            sizes[rng.randrange(len(sizes))] = -1
        if rng.random() < 0.06:
            sizes[0] += 1
        return {"op": op, "args": [d, sizes]}
    if op == "index":
        return {"op": op, "args": [rand_index_expr(shape)]}
    return {"op": op, "args": []}  # detach, contiguous


def apply_step(t, step):
    op, args = step["op"], step["args"]
    if op in ("view", "reshape", "permute", "expand"):
        return getattr(t, op)(tuple(args[0]))
    if op == "unflatten":
        return t.unflatten(args[0], tuple(args[1]))
    if op == "index":
        return eval(f"t[{args[0]}]", {"t": t})
    if op == "data":
        return t.data
    return getattr(t, op)(*args)


# PyTorch 1.13 accepts t[..., ...] (each ellipsis skips the same dims); torchlet refuses it, as
# NumPy does.
TWO_ELLIPSES = "two ellipses in one index (torchlet refuses them as NumPy does)"


def refused_index(step):
    return TWO_ELLIPSES if step["op"] == "index" and step["args"][0].count("...") > 1 else None


def shares_storage(a, b):
    return a.storage().data_ptr() == b.storage().data_ptr()


# A prep step makes the input of the op under test non-contiguous, offset or expanded.
PREP_OPS = ["transpose", "permute", "t", "index", "index", "narrow", "select", "expand", "unsqueeze"]


def rand_prep(shape):
    for _ in range(50):
        step = rand_view_step(shape)
        if step["op"] in PREP_OPS:
            return step
    return {"op": "t", "args": []}


def view_case(i):
    for _ in range(1000):
        shape = rand_shape()
        x = rand_values(shape)
        steps, cur = [], x
        ok = True
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            step = rand_prep(list(cur.shape))
            try:
                cur = apply_step(cur, step)
            except Exception:
                ok = False
                break
            steps.append(step)
        if not ok:
            continue
        steps.append(rand_view_step(list(cur.shape)))
        break
    xg = x.clone().requires_grad_(True)
    assert xg.stride() == torch.empty(shape).stride() and xg._version == 0
    case = {"id": f"{steps[-1]['op']}#{i}", "x": arr(x), "steps": steps}
    refused = [r for r in map(refused_index, steps) if r]
    if refused:
        case["torchletRefuses"] = refused[0]
    cur = xg
    try:
        for step in steps:
            cur = apply_step(cur, step)
    except Exception as e:
        case["error"] = error_of(e)
        return case
    r = rand_values(list(cur.shape))
    grad = None
    if cur.requires_grad:
        (cur * r).sum().backward()
        grad = arr(xg.grad if xg.grad is not None else torch.zeros_like(x))
    case.update({
        "shape": list(cur.shape), "stride": list(cur.stride()), "offset": cur.storage_offset(),
        "contiguous": cur.is_contiguous(), "isView": cur._is_view(), "sharesStorage": shares_storage(cur, xg),
        "gradFn": type(cur.grad_fn).__name__ if cur.grad_fn is not None else None,
        "values": arr(cur), "r": arr(r), "grad": grad,
    })
    return case


def gen_views():
    cases = [view_case(i) for i in range(700)]
    raised = sum(1 for c in cases if "error" in c)
    print(f"views: {len(cases)} cases, {raised} raise in PyTorch")
    write("views.json", {
        "description": "View ops on random inputs against PyTorch " + torch.__version__ +
                       ": layout, values, gradient of (result * r).sum() w.r.t. x, or the error.",
        "torch_version": torch.__version__,
        "cases": cases,
    })


# ----------------------------------------------------------------------------------------------
# In-place scenarios


class Scenario:
    """Runs statements in PyTorch as they are added, recording what the test must reproduce."""

    def __init__(self, name):
        self.name = name
        self.env = {}
        self.statements = []
        self.stopped = False
        self.broken = False

    def _resolve(self, a):
        return self.env[a["ref"]] if isinstance(a, dict) else a

    def _run(self, st):
        s = st["s"]
        args = [self._resolve(a) for a in st.get("args", [])]
        if s == "tensor":
            t = decode(st["value"]).requires_grad_(st.get("requiresGrad", False))
            assert t._version == 0 and t.stride() == torch.empty(t.shape).stride()
            self.env[st["name"]] = t
        elif s == "view":
            self.env[st["name"]] = apply_step(self.env[st["of"]], {"op": st["op"], "args": st["args"]})
        elif s == "inplace":
            getattr(self.env[st["target"]], st["op"])(*args)
        elif s == "op":
            op = st["op"]
            if op in ("mul", "add", "sub", "div"):
                out = getattr(torch, op)(args[0], args[1])
            elif op == "pow":
                out = args[0].pow(args[1])
            else:
                out = getattr(args[0], op)()
            self.env[st["name"]] = out
        elif s == "backward":
            self.env[st["of"]].backward()
        elif s == "grad":
            g = self.env[st["of"]].grad
            if g is None:
                raise AssertionError(f"{self.name}: {st['of']}.grad is None")
            self.env[st["name"]] = g
        else:
            raise ValueError(s)

    def add(self, st, no_grad=False):
        """Adds and runs one statement; returns False once the scenario has stopped."""
        if self.stopped:
            return False
        if no_grad:
            st["noGrad"] = True
        refuses = self._torchlet_refuses(st, no_grad)
        try:
            if no_grad:
                with torch.no_grad():
                    self._run(st)
            else:
                self._run(st)
            st["error"] = None
            if refuses:
                st["torchletRefuses"] = refuses
                self.stopped = True
        except Exception as e:
            st["error"] = error_of(e)
            self.stopped = True
            # PyTorch 1.13 trips its own assertion on a view of a view made under no_grad,
            # modified in grad mode: nothing to compare with.
            self.broken = self.broken or "INTERNAL ASSERT" in str(e)
        st["versions"] = {n: t._version for n, t in self.env.items()}
        if st["s"] == "inplace" and st["error"] is None:
            fn = self.env[st["target"]].grad_fn
            st["gradFn"] = type(fn).__name__ if fn is not None else None
        self.statements.append(st)
        return not self.stopped

    def _torchlet_refuses(self, st, no_grad):
        if st["s"] == "view":
            return refused_index(st)
        if st["s"] != "inplace" or no_grad:
            return None
        target = self.env[st["target"]]
        if not target._is_view() or target._base is None:
            return None
        args = [self._resolve(a) for a in st.get("args", [])]
        if target.requires_grad or any(isinstance(a, torch.Tensor) and a.requires_grad for a in args):
            return "in-place on a view that takes part in autograd (PyTorch's CopySlices)"
        return None

    def leaf_grads(self):
        out = {}
        for n, t in self.env.items():
            if t.is_leaf and t.requires_grad:
                out[n] = arr(t.grad) if t.grad is not None else None
        return out

    def result(self):
        return {
            "name": self.name,
            "statements": self.statements,
            "values": {n: arr(t) for n, t in self.env.items()},
            "grads": self.leaf_grads(),
        }


def small_shape(max_nd=4, zero=0.03):
    """A random shape of at most 64 elements (scenarios keep their fixtures small)."""
    while True:
        shape = rand_shape(max_nd, zero)
        if math.prod(shape) <= 64:
            return shape


def tensor_st(name, shape, requires_grad=False, dtype="f32"):
    v = rand_values(shape)
    if dtype == "i32":
        v = (v * 10).int()
        v = canonical(v.float(), shape).int()
    return {"s": "tensor", "name": name, "value": arr(v), "requiresGrad": requires_grad}


def ref(name):
    return {"ref": name}


def scalar():
    return rng.choice([-2, -1.5, -0.5, 0.25, 0.5, 2, 3])


def broadcast_shape_for(shape):
    """A shape that broadcasts to `shape`: a suffix, with some dims set to 1."""
    k = rng.randint(0, len(shape))
    suffix = list(shape[len(shape) - k:])
    return [1 if (d != 0 and rng.random() < 0.3) else d for d in suffix]


INPLACE_BINARY = ["add_", "sub_", "mul_", "div_"]
INPLACE_ALL = INPLACE_BINARY + ["neg_", "relu_", "clamp_", "fill_", "zero_", "copy_"]


def inplace_args(sc, op, shape, src_name, src_requires_grad=False, allow_tensor=True):
    """Arguments for `op` on a target of `shape`, adding a source tensor statement when needed."""
    if op in ("neg_", "relu_", "zero_"):
        return []
    if op == "clamp_":
        lo = rng.choice([-1.5, -0.5, 0])
        return [lo, lo + rng.choice([0.5, 1, 2])]
    if op == "fill_":
        return [scalar()]
    if op == "copy_" or (allow_tensor and rng.random() < 0.5):
        src_shape = broadcast_shape_for(shape)
        if rng.random() < 0.05:
            src_shape = list(shape) + [2]  # cannot broadcast
        sc.add(tensor_st(src_name, src_shape, src_requires_grad))
        if op == "div_":
            sc.add({"s": "op", "name": src_name + "nz", "op": "add", "args": [ref(src_name), 4]})
            return [ref(src_name + "nz")]
        return [ref(src_name)]
    return [scalar()]


def rand_view_chain(sc, of, name, steps=None, exclude=()):
    """Adds 1-2 valid view statements on `of`; returns the last view's name or None."""
    cur = of
    for k in range(steps or rng.randint(1, 2)):
        for _ in range(100):
            step = rand_view_step(list(sc.env[cur].shape))
            if step["op"] in ("detach", "contiguous") + tuple(exclude):
                continue
            try:
                apply_step(sc.env[cur], step)
            except Exception:
                continue
            break
        else:
            return None
        nm = f"{name}{k}"
        if not sc.add({"s": "view", "name": nm, "of": cur, "op": step["op"], "args": step["args"]}):
            return None
        cur = nm
    return cur


def sum_backward(sc, z, loss="loss"):
    """loss = z.sum(); loss.backward()"""
    sc.add({"s": "op", "name": loss, "op": "sum", "args": [ref(z)]})
    sc.add({"s": "backward", "of": loss})


def backward_of_square(sc, y):
    """(y * y).sum().backward(), the loss of the non-leaf scenarios."""
    sc.add({"s": "op", "name": "yy", "op": "mul", "args": [ref(y), ref(y)]})
    sum_backward(sc, "yy")
    return sc


def sc_view_write(i):
    """Writes through a view into its base (w[:, 0].fill_, x.t().add_, x[1:3].mul_, copy_ with
    broadcasting); sometimes the base requires grad (errors unless under no_grad), sometimes the
    view is expanded (internal overlap), sometimes the source overlaps the target."""
    sc = Scenario(f"view-write#{i}")
    shape = small_shape(zero=0.03)
    while len(shape) == 0 and rng.random() < 0.7:
        shape = small_shape(zero=0.03)
    w_grad = rng.random() < 0.25
    sc.add(tensor_st("w", shape, w_grad))
    no_grad = w_grad and rng.random() < 0.5
    v = rand_view_chain(sc, "w", "v")
    if v is None:
        return sc
    op = rng.choice(INPLACE_ALL)
    vshape = list(sc.env[v].shape)
    if op in INPLACE_BINARY + ["copy_"] and rng.random() < 0.15:
        # the source is another view of w: full, partial or no overlap
        other = rand_view_chain(sc, "w", "o", steps=1, exclude=("expand",))
        if other is not None:
            args = [ref(other)]
            sc.add({"s": "inplace", "target": v, "op": op, "args": args}, no_grad)
            return sc
    args = inplace_args(sc, op, vshape, "src")
    sc.add({"s": "inplace", "target": v, "op": op, "args": args}, no_grad)
    if rng.random() < 0.4:  # then the base itself
        op2 = rng.choice(["add_", "mul_", "fill_"])
        sc.add({"s": "inplace", "target": "w", "op": op2, "args": [scalar()]}, no_grad)
    return sc


def sc_param_update(i):
    """A parameter after backward: updated under no_grad, through .data, through detach(), or
    (an error) in grad mode; then a second backward accumulates into .grad."""
    sc = Scenario(f"param-update#{i}")
    shape = small_shape(zero=0.0)
    while len(shape) == 0 and rng.random() < 0.5:
        shape = small_shape(zero=0.0)
    sc.add(tensor_st("p", shape, True))
    sc.add(tensor_st("r", shape))
    sc.add({"s": "op", "name": "pr", "op": "mul", "args": [ref("p"), ref("r")]})
    sum_backward(sc, "pr")
    sc.add({"s": "grad", "name": "g", "of": "p"})
    lr = rng.choice([0.1, 0.01, 0.5])
    how = rng.choice(["noGrad", "noGrad", "data", "data", "detach", "gradMode", "viewNoGrad", "zeroGrad"])
    if how in ("noGrad", "gradMode"):
        sc.add({"s": "op", "name": "step", "op": "mul", "args": [ref("g"), lr]}, no_grad=how == "noGrad")
        sc.add({"s": "inplace", "target": "p", "op": "sub_", "args": [ref("step")]}, no_grad=how == "noGrad")
    elif how in ("data", "detach"):
        sc.add({"s": "view", "name": "pd", "of": "p", "op": how, "args": []})
        sc.add({"s": "op", "name": "step", "op": "mul", "args": [ref("g"), lr]})
        sc.add({"s": "inplace", "target": "pd", "op": "sub_", "args": [ref("step")]})
    elif how == "viewNoGrad":
        v = rand_view_chain(sc, "p", "pv", exclude=("expand",))
        if v is None:
            return sc
        op = rng.choice(["fill_", "mul_", "zero_", "add_"])
        sc.add({"s": "inplace", "target": v, "op": op, "args": inplace_args(sc, op, list(sc.env[v].shape), "src",
                                                                             allow_tensor=False)},
               no_grad=rng.random() < 0.8)
    else:
        sc.add({"s": "inplace", "target": "g", "op": "zero_", "args": []})
    sc.add({"s": "op", "name": "pr2", "op": "mul", "args": [ref("p"), ref("p")]})
    sum_backward(sc, "pr2", "loss2")
    return sc


UNARY_SAVING = ["sigmoid", "exp", "tanh", "relu"]


def rand_op_on(sc, name, x, x2):
    """name = a random op of x (maybe with x2); returns a description."""
    r = rng.random()
    if r < 0.45:
        op = rng.choice(UNARY_SAVING + ["clone"])
        sc.add({"s": "op", "name": name, "op": op, "args": [ref(x)]})
    elif r < 0.75:
        op = rng.choice(["mul", "add", "sub", "div"])
        sc.add({"s": "op", "name": name, "op": op, "args": [ref(x), scalar()]})
    elif r < 0.85:
        sc.add({"s": "op", "name": name, "op": "pow", "args": [ref(x), 2]})
    else:
        op = rng.choice(["mul", "add", "mul"])
        sc.add({"s": "op", "name": name, "op": op, "args": [ref(x), ref(x2)]})


def sc_saved(i):
    """y = f(x); z = g(y); y (or y.data, y.detach(), a view of y under no_grad) modified in
    place; z.sum().backward(): PyTorch raises exactly when a tensor some node saved changed."""
    sc = Scenario(f"saved#{i}")
    shape = small_shape(max_nd=3, zero=0.0)
    sc.add(tensor_st("x", shape, True))
    sc.add(tensor_st("x2", shape, rng.random() < 0.7))
    rand_op_on(sc, "y", "x", "x2")
    rand_op_on(sc, "z", "y", "x2")
    how = rng.choice(["self", "self", "self", "noGrad", "data", "detach", "none", "viewNoGrad"])
    op = rng.choice(["mul_", "add_", "zero_", "fill_", "relu_"])
    args = inplace_args(sc, op, shape, "src", allow_tensor=False)
    if how in ("self", "noGrad"):
        sc.add({"s": "inplace", "target": "y", "op": op, "args": args}, no_grad=how == "noGrad")
    elif how in ("data", "detach"):
        sc.add({"s": "view", "name": "yd", "of": "y", "op": how, "args": []})
        sc.add({"s": "inplace", "target": "yd", "op": op, "args": args})
    elif how == "viewNoGrad":
        v = rand_view_chain(sc, "y", "yv", steps=1, exclude=("expand",))
        if v is None:
            return sc
        sc.add({"s": "inplace", "target": v, "op": op, "args": args}, no_grad=True)
    sum_backward(sc, "z")
    return sc


def sc_nonleaf_chain(i, fixed=None, shape=None):
    """In-place ops on a non-leaf in grad mode, then (y * y).sum().backward()."""
    sc = Scenario(f"nonleaf-chain#{i}")
    shape = shape or small_shape(max_nd=3, zero=0.0)
    sc.add(tensor_st("x", shape, True))
    sc.add(tensor_st("x2", shape, True))
    sc.add({"s": "op", "name": "y", "op": "mul", "args": [ref("x"), 2]})
    sc.add({"s": "op", "name": "y2", "op": "mul", "args": [ref("x2"), 3]})
    ops = fixed or [rng.choice(INPLACE_ALL) for _ in range(rng.randint(1, 4))]
    for k, op in enumerate(ops):
        if isinstance(op, tuple):
            op, args = op
        elif op in INPLACE_BINARY + ["copy_"] and rng.random() < 0.5:
            args = [ref("y2")] if op != "div_" else [4]
        else:
            args = inplace_args(sc, op, shape, f"s{k}", allow_tensor=False)
        sc.add({"s": "inplace", "target": "y", "op": op, "args": args})
    return backward_of_square(sc, "y")


def sc_leaf(i):
    """In-place on a leaf that requires grad, or on a view of one: errors in grad mode."""
    sc = Scenario(f"leaf#{i}")
    shape = small_shape(zero=0.03)
    sc.add(tensor_st("x", shape, True))
    target = "x"
    how = rng.choice(["self", "view", "view", "data", "detach", "detachView"])
    if how in ("view", "detachView"):
        of = "x"
        if how == "detachView":
            sc.add({"s": "view", "name": "xd", "of": "x", "op": "detach", "args": []})
            of = "xd"
        target = rand_view_chain(sc, of, "v", exclude=("expand",))
        if target is None:
            return sc
    elif how in ("data", "detach"):
        sc.add({"s": "view", "name": "xd", "of": "x", "op": how, "args": []})
        target = "xd"
    op = rng.choice(INPLACE_ALL)
    args = inplace_args(sc, op, list(sc.env[target].shape), "src")
    sc.add({"s": "inplace", "target": target, "op": op, "args": args}, no_grad=rng.random() < 0.3)
    return sc


def sc_base_after_view(i):
    """v = a view of y, then y modified in place: v's grad_fn is regenerated from y's new
    history (PyTorch's AsStridedBackward0), so the gradient flows through the in-place op."""
    sc = Scenario(f"base-after-view#{i}")
    shape = small_shape(max_nd=3, zero=0.0)
    while len(shape) == 0:
        shape = small_shape(max_nd=3, zero=0.0)
    sc.add(tensor_st("x", shape, True))
    sc.add({"s": "op", "name": "y", "op": rng.choice(["mul", "add"]), "args": [ref("x"), scalar()]})
    v = rand_view_chain(sc, "y", "v")
    if v is None:
        return sc
    op = rng.choice(["mul_", "add_", "neg_", "clamp_", "fill_", "relu_"])
    sc.add({"s": "inplace", "target": "y", "op": op, "args": inplace_args(sc, op, shape, "src", allow_tensor=False)},
           no_grad=rng.random() < 0.3)
    sc.add(tensor_st("r", list(sc.env[v].shape)))
    sc.add({"s": "op", "name": "vr", "op": "mul", "args": [ref(v), ref("r")]})
    sum_backward(sc, "vr")
    return sc


def sc_view_in_graph(i):
    """In-place ops on views that take part in autograd: PyTorch rebases the base (CopySlices),
    torchlet refuses; and a view made under no_grad modified in grad mode (PyTorch's error)."""
    sc = Scenario(f"view-in-graph#{i}")
    shape = small_shape(max_nd=3, zero=0.0)
    while len(shape) == 0:
        shape = small_shape(max_nd=3, zero=0.0)
    how = rng.choice(["nonleaf", "srcGrad", "noGradView"])
    if how == "srcGrad":
        sc.add(tensor_st("w", shape, False))
        v = rand_view_chain(sc, "w", "v", exclude=("expand",))
        if v is None:
            return sc
        sc.add(tensor_st("s", list(sc.env[v].shape), True))
        sc.add({"s": "inplace", "target": v, "op": rng.choice(["copy_", "add_", "mul_"]), "args": [ref("s")]})
        return sc
    sc.add(tensor_st("x", shape, True))
    sc.add({"s": "op", "name": "y", "op": "mul", "args": [ref("x"), 2]})
    if how == "noGradView":
        sc.add({"s": "view", "name": "v", "of": "y", "op": "index", "args": [rand_index_expr(shape)]}, no_grad=True)
        if sc.stopped:
            return sc
        v = "v"
    else:
        v = rand_view_chain(sc, "y", "v", exclude=("expand",))
        if v is None:
            return sc
    op = rng.choice(["mul_", "add_", "fill_", "zero_"])
    sc.add({"s": "inplace", "target": v, "op": op, "args": inplace_args(sc, op, list(sc.env[v].shape), "src",
                                                                         allow_tensor=False)})
    return backward_of_square(sc, "y")


def sc_int_copy(i):
    """copy_ between dtypes: float into int truncates toward zero."""
    sc = Scenario(f"int-copy#{i}")
    shape = small_shape(max_nd=2, zero=0.0)
    sc.add(tensor_st("a", shape, dtype="i32"))
    sc.add(tensor_st("f", broadcast_shape_for(shape)))
    sc.add({"s": "inplace", "target": "a", "op": "copy_", "args": [ref("f")]})
    if rng.random() < 0.3:
        sc.add({"s": "inplace", "target": "a", "op": "zero_", "args": []})
    else:
        sc.add({"s": "inplace", "target": "a", "op": "fill_", "args": [rng.choice([3, -2])]})
    return sc


def brief_examples():
    """The exact sequences named in issue 9 and the task, before the random ones."""
    out = []
    sc = Scenario("brief: w[:, 0].fill_(v) writes into w")
    sc.add(tensor_st("w", [3, 4]))
    sc.add({"s": "view", "name": "c", "of": "w", "op": "index", "args": [":, 0"]})
    sc.add({"s": "inplace", "target": "c", "op": "fill_", "args": [1.5]})
    out.append(sc)
    sc = Scenario("brief: x.t().add_(1) and x[1:3].mul_(2)")
    sc.add(tensor_st("x", [4, 3]))
    sc.add({"s": "view", "name": "xt", "of": "x", "op": "t", "args": []})
    sc.add({"s": "inplace", "target": "xt", "op": "add_", "args": [1]})
    sc.add({"s": "view", "name": "rows", "of": "x", "op": "index", "args": ["1:3"]})
    sc.add({"s": "inplace", "target": "rows", "op": "mul_", "args": [2]})
    out.append(sc)
    sc = Scenario("brief: w[:, 0].copy_(v) broadcasting a [1] source")
    sc.add(tensor_st("w", [3, 4]))
    sc.add(tensor_st("v", [1]))
    sc.add({"s": "view", "name": "c", "of": "w", "op": "index", "args": [":, 0"]})
    sc.add({"s": "inplace", "target": "c", "op": "copy_", "args": [ref("v")]})
    out.append(sc)
    sc = Scenario("brief: p.data.sub_(lr * p.grad) leaves p._version alone")
    sc.add(tensor_st("p", [2, 3], True))
    sc.add({"s": "op", "name": "pp", "op": "mul", "args": [ref("p"), ref("p")]})
    sum_backward(sc, "pp")
    sc.add({"s": "grad", "name": "g", "of": "p"})
    sc.add({"s": "op", "name": "step", "op": "mul", "args": [ref("g"), 0.1]})
    sc.add({"s": "view", "name": "pd", "of": "p", "op": "data", "args": []})
    sc.add({"s": "inplace", "target": "pd", "op": "sub_", "args": [ref("step")]})
    out.append(sc)
    sc = Scenario("brief: with no_grad: a -= lr * a.grad")
    sc.add(tensor_st("a", [4], True))
    sc.add({"s": "op", "name": "aa", "op": "mul", "args": [ref("a"), ref("a")]})
    sum_backward(sc, "aa")
    sc.add({"s": "grad", "name": "g", "of": "a"})
    sc.add({"s": "op", "name": "step", "op": "mul", "args": [ref("g"), 0.1]}, no_grad=True)
    sc.add({"s": "inplace", "target": "a", "op": "sub_", "args": [ref("step")]}, no_grad=True)
    out.append(sc)
    sc = Scenario("brief: a -= lr * a.grad outside no_grad raises")
    sc.add(tensor_st("a", [4], True))
    sc.add(tensor_st("g", [4]))
    sc.add({"s": "inplace", "target": "a", "op": "sub_", "args": [ref("g")]})
    out.append(sc)
    sc = Scenario("brief: sigmoid's saved output modified: y.mul_(2) before z.sum().backward()")
    sc.add(tensor_st("x", [3], True))
    sc.add({"s": "op", "name": "y", "op": "sigmoid", "args": [ref("x")]})
    sc.add({"s": "op", "name": "z", "op": "mul", "args": [ref("y"), 2]})
    sc.add({"s": "inplace", "target": "y", "op": "mul_", "args": [2]})
    sum_backward(sc, "z")
    out.append(sc)
    sc = Scenario("brief: an op that saves nothing: y = x * 1; z = y + 2; y.mul_(2) is fine")
    sc.add(tensor_st("x", [3], True))
    sc.add({"s": "op", "name": "y", "op": "mul", "args": [ref("x"), 1]})
    sc.add({"s": "op", "name": "z", "op": "add", "args": [ref("y"), 2]})
    sc.add({"s": "inplace", "target": "y", "op": "mul_", "args": [2]})
    sum_backward(sc, "z")
    out.append(sc)
    sc = Scenario("brief: .data modification is not detected")
    sc.add(tensor_st("x", [3], True))
    sc.add({"s": "op", "name": "y", "op": "sigmoid", "args": [ref("x")]})
    sc.add({"s": "op", "name": "z", "op": "mul", "args": [ref("y"), 2]})
    sc.add({"s": "view", "name": "yd", "of": "y", "op": "data", "args": []})
    sc.add({"s": "inplace", "target": "yd", "op": "mul_", "args": [2]})
    sum_backward(sc, "z")
    out.append(sc)
    out.append(sc_nonleaf_chain("brief: y = x * 2; y.add_(1); y.relu_()", [("add_", [1]), ("relu_", [])], [2, 3]))
    out.append(sc_nonleaf_chain("brief: y.mul_(y2), both requiring grad", [("mul_", [ref("y2")])], [2, 3]))
    out.append(sc_nonleaf_chain("brief: y.clamp_ keeps the gradient mask of the old values", [("clamp_", [-1, 1])], [2, 3]))
    for sc in out[-3:]:
        sc.name = sc.name.replace("nonleaf-chain#brief: ", "brief: ")
    return out


def gen_inplace():
    scenarios = brief_examples()
    makers = [(sc_view_write, 160), (sc_param_update, 60), (sc_saved, 160), (sc_nonleaf_chain, 80),
              (sc_leaf, 60), (sc_base_after_view, 60), (sc_view_in_graph, 50), (sc_int_copy, 10)]
    for make, count in makers:
        for i in range(count):
            scenarios.append(make(i))
    results = [sc.result() for sc in scenarios if not sc.broken]
    raised = sum(1 for r in results if any(st["error"] for st in r["statements"]))
    refused = sum(1 for r in results if any(st.get("torchletRefuses") for st in r["statements"]))
    print(f"inplace: {len(results)} scenarios, {raised} raise in PyTorch, {refused} refused by torchlet")
    write("inplace.json", {
        "description": "In-place scenarios against PyTorch " + torch.__version__ +
                       ": errors and _version after every statement, final values and leaf gradients.",
        "torch_version": torch.__version__,
        "scenarios": results,
    })


if __name__ == "__main__":
    torch.set_num_threads(1)
    torch.manual_seed(9)
    gen_views()
    gen_inplace()
