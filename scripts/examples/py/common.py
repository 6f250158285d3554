"""Shared by the fixture scripts of the ported examples (scripts/examples/*.ts).

Each script runs the original PyTorch program's logic with the small settings the TypeScript
port's main() uses by default, records what it prints (the arguments of each print call), its
starting values and its final values, and writes test/fixtures/examples/<name>.json.
Run with Debian's PyTorch: /usr/bin/python3 scripts/examples/py/<name>.py
"""
import json
import os
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'examples')


def values(t):
    """A tensor as a flat list of floats (row-major), or a number as is."""
    if isinstance(t, torch.Tensor):
        return [float(v) for v in t.detach().reshape(-1).tolist()]
    return t


def recorded(a):
    """A print argument as the fixture keeps it: a tensor as its values and its printed form, a
    tuple (torch.Size) as a list, a module or graph node as its printed form."""
    if isinstance(a, torch.Tensor):
        return {'tensor': values(a), 'str': str(a)}
    if isinstance(a, tuple):
        return list(a)
    if a is None or isinstance(a, (bool, int, float, str, list)):
        return a
    return str(a)


class Recorder:
    """Stands in for print: keeps each call's arguments (see recorded)."""

    def __init__(self):
        self.printed = []

    def __call__(self, *args):
        print(*args)
        self.printed.append([recorded(a) for a in args])


def named_values(named):
    return {name: values(t) for name, t in named}


def write(name, fixture):
    os.makedirs(OUT_DIR, exist_ok=True)
    fixture = dict(fixture, torch=torch.__version__)
    path = os.path.join(OUT_DIR, name + '.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print('wrote', os.path.relpath(path, ROOT))
