#!/usr/bin/python3
"""Writes test/fixtures/parity/data-collate.json (default_collate of nested samples) and
test/fixtures/parity/data-splits.json: the split sizes torch.utils.data.random_split
gives for lengths and fractions (the remainder handed out round-robin), and the (dataset,
sample) index ConcatDataset maps each index to (negative ones included), read by
test/data-datasets.test.ts. Committed; tests never run Python.

    /usr/bin/python3 scripts/gen-data-fixtures.py
"""

import importlib
import warnings

import torch
from torch.utils.data import ConcatDataset, random_split
from torch.utils.data._utils.collate import default_collate

write = importlib.import_module("gen-fixtures").write


class Tagged(torch.utils.data.Dataset):
    """Element i of dataset k is [k, i]."""

    def __init__(self, k, n):
        self.k, self.n = k, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i >= self.n:
            raise IndexError(i)
        return [self.k, i]


# Samples as JSON can write them: numbers (ints or floats), booleans, strings, lists, objects.
COLLATE_CASES = [
    ("tuples of (float, int)", [[0.5, 1], [1.5, 2], [-2.25, 0]]),
    ("objects with nested lists and strings", [
        {"x": [1.5, 2.5], "y": 3, "name": "a", "pair": [1, [2, 3]], "flag": True},
        {"x": [0.25, -1.0], "y": 4, "name": "b", "pair": [5, [6, 7]], "flag": False},
    ]),
    ("lists of objects", [[{"a": 1, "b": 0.5}, {"a": 2, "b": 1.5}], [{"a": 3, "b": 2.5}, {"a": 4, "b": 3.5}]]),
]


def encode(x):
    if isinstance(x, torch.Tensor):
        dtype = {torch.float64: "float32", torch.float32: "float32", torch.int64: "int32", torch.bool: "bool"}[x.dtype]
        return {"values": x.reshape(-1).tolist(), "shape": list(x.shape), "dtype": dtype}
    if isinstance(x, dict):
        return {"object": {k: encode(v) for k, v in x.items()}}
    if isinstance(x, (list, tuple)):
        return {"list": [encode(v) for v in x]}
    return {"value": x}


def main():
    splits = []
    for n, lengths in [(10, [3, 7]), (10, [0.3, 0.7]), (30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.2, 0.2, 0.2, 0.2, 0.2]),
                       (101, [0.8, 0.1, 0.1]), (5, [0.1, 0.9]), (3, [0.25, 0.25, 0.25, 0.25]), (1000, [1 / 3, 1 / 3, 1 / 3])]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
        sizes = [len(p) for p in parts]
        assert sorted(i for p in parts for i in p) == list(range(n))
        splits.append({"n": n, "lengths": lengths, "sizes": sizes})
    sizes = [3, 0, 5, 1]
    concat = ConcatDataset([Tagged(k, s) for k, s in enumerate(sizes)])
    total = len(concat)
    indices = list(range(-total, total))
    write("data-collate.json", {
        "description": "torch.utils.data.default_collate of nested samples (PyTorch " + torch.__version__ + "); "
                       "tensors as {values, shape, dtype}",
        "cases": [{"name": name, "samples": samples, "collated": encode(default_collate(samples))}
                  for name, samples in COLLATE_CASES],
    })
    write("data-splits.json", {
        "description": "random_split sizes and ConcatDataset index mapping (PyTorch " + torch.__version__ + ")",
        "splits": splits,
        "concat": {"sizes": sizes, "cumulative_sizes": concat.cumulative_sizes, "indices": indices,
                   "items": [concat[i] for i in indices]},
    })


if __name__ == "__main__":
    main()
