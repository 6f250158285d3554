#!/usr/bin/python3
"""Writes test/fixtures/creation/creation.json: torch.linspace/logspace/eye outputs (PyTorch 1.13).

Run with Debian's interpreter (python3-torch): /usr/bin/python3 scripts/gen-fixtures-creation.py
"""
import json
import os
import random

import torch

random.seed(0)
cases = []
for _ in range(40):
    start = round(random.uniform(-10, 10), 3)
    end = round(random.uniform(-10, 10), 3)
    steps = random.choice([0, 1, 2, 3, 5, 7, 10, 33, 100])
    cases.append({'op': 'linspace', 'args': [start, end, steps],
                  'values': [repr(v) for v in torch.linspace(start, end, steps).tolist()]})
for _ in range(20):
    start = round(random.uniform(-3, 3), 2)
    end = round(random.uniform(-3, 3), 2)
    steps = random.choice([1, 2, 5, 9])
    base = random.choice([10.0, 2.0, 2.718281828459045])
    cases.append({'op': 'logspace', 'args': [start, end, steps, base],
                  'values': [repr(v) for v in torch.logspace(start, end, steps, base).tolist()]})
for n, m in [(0, 0), (1, 1), (3, 3), (2, 5), (4, 2)]:
    cases.append({'op': 'eye', 'args': [n, m], 'values': [repr(v) for v in torch.eye(n, m).reshape(-1).tolist()]})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'creation', 'creation.json')
with open(out + '.tmp', 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f, indent=0)
    f.write('\n')
os.replace(out + '.tmp', out)
print(f'wrote {len(cases)} cases')
