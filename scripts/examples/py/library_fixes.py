"""Fixtures for the library additions the ported examples needed (test/examples.fixes.test.ts):
__setitem__ with basic indexing, .T, adaptive_avg_pool2d forward and backward, and linear's
next_functions. Writes test/fixtures/examples/library_fixes.json."""
import json
import os
import torch
import torch.nn.functional as F
from common import OUT_DIR, values

torch.manual_seed(0)
out = {'torch': torch.__version__}

# x[items] = value, for basic indices; values written are a number or a broadcast tensor.
setitem = []
for shape, index, value in [
    ([4, 4], (slice(None), 1), 0.0),
    ([3, 5], (0,), [1.0, 2.0, 3.0, 4.0, 5.0]),
    ([2, 3, 4], (Ellipsis, -1), 7.0),
    ([5, 6], (slice(1, 4), slice(None, None, 2)), [[1.0], [2.0], [3.0]]),
    ([2, 3, 4], (1, slice(None), slice(1, 3)), [9.0, 8.0]),
]:
    x = torch.randn(shape)
    before = values(x)
    x[index] = value if isinstance(value, float) else torch.tensor(value)
    setitem.append(dict(shape=shape, before=before, value=value, after=values(x)))
out['setitem'] = setitem

# .T reverses all dims.
t_cases = []
for shape in [[3, 4], [2, 3, 4], [5], []]:
    x = torch.randn(shape)
    t_cases.append(dict(shape=shape, x=values(x), T=values(x.T), Tshape=list(x.T.shape)))
out['T'] = t_cases

# adaptive_avg_pool2d over uneven windows, with a gradient.
pools = []
for shape, size in [([1, 2, 5, 7], [3, 2]), ([2, 3, 4, 4], [1, 1]), ([3, 6, 5], [4, 3]), ([1, 1, 3, 3], [5, 4]),
                    ([1, 2, 4, 6], [None, 2])]:
    x = torch.randn(shape, requires_grad=True)
    y = F.adaptive_avg_pool2d(x, size)
    g = torch.randn(y.shape)
    y.backward(g)
    pools.append(dict(shape=shape, size=size, x=values(x), y=values(y), yshape=list(y.shape), g=values(g),
                      grad=values(x.grad), grad_fn=y.grad_fn.name()))
out['adaptive_avg_pool2d'] = pools

# linear's graph: next_functions of its AddmmBackward0.
lin = torch.nn.Linear(3, 2)
y = lin(torch.relu(torch.randn(4, 3, requires_grad=True)))
out['linear_next_functions'] = [f.name() if f is not None else None for f, _ in y.grad_fn.next_functions]

# einsum with an ellipsis: values and gradients.
einsums = []
for eq, shapes in [('...ij->ij', [[2, 3, 4]]), ('...ij', [[2, 3, 4]]), ('i...->...', [[3, 4, 5]]),
                   ('...ij,...jk->...ik', [[5, 1, 2, 3], [4, 3, 6]]), ('b...,b...->b', [[2, 3], [2, 3]]),
                   ('bn...,n...->b...', [[2, 3, 4, 5], [3, 1, 5]]), ('...,...', [[3, 1], [4]]),
                   ('ij...,jk->ik...', [[2, 3], [3, 4]])]:
    xs = [torch.randn(s, requires_grad=True) for s in shapes]
    y = torch.einsum(eq, *xs)
    g = torch.randn(y.shape)
    y.backward(g)
    einsums.append(dict(equation=eq, shapes=shapes, xs=[values(x) for x in xs], y=values(y), yshape=list(y.shape),
                        g=values(g), grads=[values(x.grad) for x in xs]))
out['einsum_ellipsis'] = einsums

with open(os.path.join(OUT_DIR, 'library_fixes.json'), 'w') as f:
    json.dump(out, f)
print('wrote test/fixtures/examples/library_fixes.json')
