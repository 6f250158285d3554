#!/usr/bin/python3
"""Writes test/fixtures/pt/: files saved by PyTorch 1.13's torch.save (its default zip format),
the values they hold (expected.json), and malformed files io.load must refuse; then checks that
PyTorch reads what torchlet's io.save writes.

Run with Debian's interpreter (python3-torch), after `npm run build`:

    npm run build && /usr/bin/python3 scripts/gen-fixtures-pt.py

Seeded: a rerun writes the same values (zip timestamps aside). The last step runs node on
dist/ (io.load each fixture, io.save it again to a temporary folder) and torch.loads the result,
comparing every tensor, its dtype, strides, offset and storage sharing with the original; it
prints "torchlet-written files read back by torch.load: OK" or fails.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import OrderedDict

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_net import Net  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'pt')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)


def enc(t):
    """A tensor as JSON: dtype, shape, stride, offset and its values in C order."""
    vals = t.detach().reshape(-1).tolist()
    if t.dtype == torch.float32 and t.numel() > 64:
        # Long float32 arrays as base64 little-endian bytes (exact, a quarter of the decimals' size).
        b64 = base64.b64encode(t.detach().contiguous().numpy().astype('<f4').tobytes()).decode()
        return {'dtype': 'float32', 'shape': list(t.shape), 'stride': list(t.stride()), 'offset': t.storage_offset(), 'b64': b64}
    if t.dtype.is_floating_point:
        vals = [repr(float(v)) for v in vals]
    elif t.dtype == torch.bool:
        vals = [bool(v) for v in vals]
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'stride': list(t.stride()),
            'offset': t.storage_offset(), 'values': vals}


def path(name):
    return os.path.join(OUT, name)


expected = {}

# 1. The seed Net's state_dict, and its logits on a fixed input.
net = Net()
torch.save(net.state_dict(), path('net.pt'))
x = torch.randn(2, 3, 32, 32)
with torch.no_grad():
    logits = net(x)
expected['net'] = {'input': enc(x), 'logits': enc(logits), 'keys': list(net.state_dict().keys())}

# 2. SGD with momentum, after one step.
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
torch.nn.functional.cross_entropy(net(x), torch.tensor([1, 7])).backward()
opt.step()
sd = opt.state_dict()
torch.save(sd, path('sgd.pt'))
expected['sgd'] = {
    'state': {str(k): {'momentum_buffer': enc(v['momentum_buffer'])} for k, v in sd['state'].items()},
    'param_groups': sd['param_groups'],
}

# 3. Dtypes this library converts, views sharing one storage, and nested Python values.
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
mixed = {
    'i64': torch.tensor([[-3, 0, 2**31 - 1], [-2**31, 5, 7]], dtype=torch.int64),
    'i32': torch.tensor([1, -2, 3], dtype=torch.int32),
    'u8': torch.tensor([0, 200, 255], dtype=torch.uint8),
    'b': torch.tensor([True, False, True, True]),
    'f64': torch.tensor([0.5, -1.25, 3.0, 1e-3 * 0.0], dtype=torch.float64),
    'f16': torch.tensor([0.5, -2.0, 65504.0, 1e-4], dtype=torch.float16),
    'base': base,
    't': base.t(),
    'slice': base[1:, ::2],
    'row': base[2],
    'scalar': torch.tensor(3.5),
    'empty': torch.zeros(0, 3),
    'param': torch.nn.Parameter(torch.tensor([1.5, -2.0])),
    'nested': {'list': [1, 2.5, 'three', None, True, False], 'tuple': (1, (2, 3)), 'big': 2**40, 'neg': -7,
               'inf': float('inf'), 'int_keys': {0: 'a', 10: 'b'}},
}
torch.save(mixed, path('mixed.pt'))
expected['mixed'] = {k: enc(v) for k, v in mixed.items() if isinstance(v, torch.Tensor)}
expected['mixed']['nested'] = {'list': [1, 2.5, 'three', None, True, False], 'tuple': [1, [2, 3]], 'big': 2**40,
                               'neg': -7, 'int_keys': {'0': 'a', '10': 'b'}}

# 4. Files to refuse.
torch.save({'w': torch.tensor([2**31], dtype=torch.int64)}, path('int64-out-of-range.pt'))
torch.save({'w': torch.tensor([0.1], dtype=torch.float64)}, path('float64-inexact.pt'))


def rezip(src, dst, replace=None, compression=zipfile.ZIP_STORED):
    """Copies the zip src to dst, replacing entries (by their name after the folder)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', compression) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            tail = info.filename.split('/', 1)[1]
            if replace and tail in replace:
                data = replace[tail]
            zout.writestr(info.filename, data)


# A pickle naming os.system (never executed by io.load; torch.load(weights_only=False) would run it).
evil = b'\x80\x02cos\nsystem\nq\x00X\x0e\x00\x00\x00echo pwned >&2q\x01\x85q\x02Rq\x03.'
rezip(path('int64-out-of-range.pt'), path('evil-os-system.pt'), {'data.pkl': evil})
# The same state dict with every entry deflated (PyTorch writes them stored; both are valid zips).
rezip(path('net.pt'), path('net-deflated.pt'), compression=zipfile.ZIP_DEFLATED)
with open(path('mixed.pt'), 'rb') as f:
    whole = f.read()
with open(path('truncated.pt'), 'wb') as f:
    f.write(whole[:len(whole) // 2])
# A storage entry shorter than its persistent id says.
with zipfile.ZipFile(path('mixed.pt')) as z:
    first = sorted(n for n in z.namelist() if '/data/' in n)[0]
    short = z.read(first)[:-4]
rezip(path('mixed.pt'), path('short-storage.pt'), {first.split('/', 1)[1]: short})

# Sanity: PyTorch itself reads what it wrote, and the deflated copy.
assert torch.equal(torch.load(path('net-deflated.pt'))['fc3.bias'], torch.load(path('net.pt'))['fc3.bias'])

with open(path('expected.json'), 'w') as f:
    json.dump(expected, f)
    f.write('\n')
print('wrote', OUT)

# 5. What torchlet writes, read by torch.load.
tmp = tempfile.mkdtemp()
try:
    script = (
        "const { io } = require(process.argv[1]);"
        "for (const name of ['net', 'sgd', 'mixed']) {"
        "  io.save(io.load(process.argv[2] + '/' + name + '.pt'), process.argv[3] + '/' + name + '.pt');"
        "}"
    )
    subprocess.run(['node', '-e', script, os.path.join(ROOT, 'dist', 'src'), OUT, tmp], check=True)

    def same(a, b, where):
        if isinstance(a, torch.Tensor):
            # io.load turns int64 into int32, float64 and float16 into float32; io.save keeps those.
            conv = {torch.int64: torch.int32, torch.float64: torch.float32, torch.float16: torch.float32,
                    torch.uint8: torch.int32}
            assert isinstance(b, torch.Tensor), where
            assert b.dtype == conv.get(a.dtype, a.dtype), (where, a.dtype, b.dtype)
            assert a.shape == b.shape and a.stride() == b.stride() and a.storage_offset() == b.storage_offset(), where
            assert torch.equal(a.to(b.dtype), b), where
            return
        if isinstance(a, dict):
            assert isinstance(b, dict) and list(map(str, a.keys())) == list(map(str, b.keys())), (where, a.keys(), b.keys())
            for k in a:
                same(a[k], b[k], f'{where}.{k}')
            return
        if isinstance(a, (list, tuple)):
            assert isinstance(b, list) and len(a) == len(b), where
            for i, (u, v) in enumerate(zip(a, b)):
                same(u, v, f'{where}[{i}]')
            return
        assert a == b and type(a) == type(b), (where, a, b)

    for name in ['net', 'sgd', 'mixed']:
        ours = torch.load(os.path.join(tmp, name + '.pt'))
        theirs = torch.load(path(name + '.pt'))
        same(theirs, ours, name)
    m = torch.load(os.path.join(tmp, 'mixed.pt'))
    assert m['t'].storage().data_ptr() == m['base'].storage().data_ptr() == m['slice'].storage().data_ptr()
    n2 = Net()
    n2.load_state_dict(torch.load(os.path.join(tmp, 'net.pt')))
    with torch.no_grad():
        assert torch.equal(n2(x), logits)
    opt2 = torch.optim.SGD(n2.parameters(), lr=0.5)
    opt2.load_state_dict(torch.load(os.path.join(tmp, 'sgd.pt')))
    assert opt2.param_groups[0]['momentum'] == 0.9
    print('torchlet-written files read back by torch.load: OK')
finally:
    shutil.rmtree(tmp)
