#!/usr/bin/python3
"""PyTorch 1.13's recurrent modules, for test/rnn.test.ts.

    /usr/bin/python3 scripts/fixtures-rnn.py

writes test/fixtures/layers/rnn.json (seeded):

    cells    RNNCell (tanh, relu), LSTMCell, GRUCell over random sizes, batched or unbatched,
             with or without bias and initial state. Each module is built right after
             torch.manual_seed(seed), so its state dict is PyTorch's default init under that
             seed; then the input, the state, the outputs, gradients of the outputs, and the
             gradients of every parameter, the input and the state.
    layers   RNN (tanh, relu), LSTM, GRU with 1-2 layers, batch_first, bidirectional, bias,
             initial state or none, unbatched input, and dropout between layers (the forward
             runs right after torch.manual_seed(dropoutSeed), so the masks are reproducible),
             in train or eval mode; the same records.
    errors   calls torch refuses, with its message.
    saved    an LSTM(3, 4, 2, batch_first, bidirectional) whose state dict torch.save wrote to
             test/fixtures/layers/rnn-lstm.pt, an input and its eval-mode outputs.
"""

import os
import random
import warnings

import torch
import torch.nn as nn

from fixture_arrays import LAYERS_DIR, error_of, f32, write

CELLS = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}
LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


def backward(outputs):
    """sum(out * g) over the outputs, each g uniform(-1, 1); returns the g's."""
    grads = [torch.empty(o.shape).uniform_(-1, 1) for o in outputs]
    sum((o * g).sum() for o, g in zip(outputs, grads)).backward()
    return grads


def record(module, seed, x, state, outputs, grads):
    return {
        "seed": seed,
        "params": {name: f32(p) for name, p in module.state_dict().items()},
        "input": f32(x),
        "state": None if state is None else [f32(s) for s in state],
        "outputs": [f32(o) for o in outputs],
        "gradOutputs": [f32(g) for g in grads],
        "gradParams": {name: f32(p.grad) for name, p in module.named_parameters()},
        "gradInput": f32(x.grad),
        "gradState": None if state is None else [f32(s.grad) for s in state],
    }


def cell_case(rng, i):
    kind = ["RNNCell", "LSTMCell", "GRUCell"][i % 3]
    nonlinearity = rng.choice(["tanh", "relu"]) if kind == "RNNCell" else None
    inp, hid, batch = rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 3)
    batched, bias, with_state = rng.random() < 0.7, rng.random() < 0.7, rng.random() < 0.6
    seed = 1000 + i
    torch.manual_seed(seed)
    kwargs = {"bias": bias}
    if nonlinearity:
        kwargs["nonlinearity"] = nonlinearity
    cell = CELLS[kind](inp, hid, **kwargs)
    lead = [batch] if batched else []
    x = torch.randn(*lead, inp).requires_grad_(True)
    state = None
    if with_state:
        state = [torch.randn(*lead, hid).requires_grad_(True) for _ in range(2 if kind == "LSTMCell" else 1)]
    arg = None if state is None else (tuple(state) if kind == "LSTMCell" else state[0])
    out = cell(x, arg)
    outputs = list(out) if kind == "LSTMCell" else [out]
    grads = backward(outputs)
    name = (f"{kind}({inp}, {hid}{'' if bias else ', bias=False'}{f', {nonlinearity}' if nonlinearity else ''}) "
            f"input {list(x.shape)}{' with state' if with_state else ''}")
    return {"name": name, "kind": kind, "inputSize": inp, "hiddenSize": hid, "bias": bias,
            "nonlinearity": nonlinearity, **record(cell, seed, x, state, outputs, grads)}


def layer_case(rng, i):
    kind = ["RNN", "LSTM", "GRU"][i % 3]
    nonlinearity = rng.choice(["tanh", "relu"]) if kind == "RNN" else None
    inp, hid = rng.randint(1, 4), rng.randint(1, 4)
    steps, batch = rng.randint(1, 4), rng.randint(1, 3)
    layers = rng.choice([1, 2])
    batch_first, bidirectional = rng.random() < 0.4, rng.random() < 0.5
    bias, with_state, batched = rng.random() < 0.75, rng.random() < 0.5, rng.random() < 0.75
    dropout = rng.choice([0.0, 0.0, 0.5]) if layers == 2 else 0.0
    training = rng.random() < 0.8
    seed = 2000 + i
    torch.manual_seed(seed)
    kwargs = dict(num_layers=layers, bias=bias, batch_first=batch_first, dropout=dropout, bidirectional=bidirectional)
    if nonlinearity:
        kwargs["nonlinearity"] = nonlinearity
    module = LAYERS[kind](inp, hid, **kwargs)
    module.train(training)
    shape = ([batch, steps] if batch_first else [steps, batch]) if batched else [steps]
    x = torch.randn(*shape, inp).requires_grad_(True)
    dirs = 2 if bidirectional else 1
    state = None
    if with_state:
        lead = [layers * dirs] + ([batch] if batched else [])
        state = [torch.randn(*lead, hid).requires_grad_(True) for _ in range(2 if kind == "LSTM" else 1)]
    arg = None if state is None else (tuple(state) if kind == "LSTM" else state[0])
    dropout_seed = 3000 + i
    torch.manual_seed(dropout_seed)
    out, hidden = module(x, arg)
    outputs = [out] + (list(hidden) if kind == "LSTM" else [hidden])
    grads = backward(outputs)
    opts = ", ".join(f"{k}={v}" for k, v in kwargs.items() if (k, v) not in [("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0.0),
                                    ("bidirectional", False), ("nonlinearity", "tanh")])
    name = (f"{kind}({inp}, {hid}{', ' + opts if opts else ''}) input {list(x.shape)}"
            f"{' with state' if with_state else ''}{'' if training else ' eval'}")
    return {"name": name, "kind": kind, "inputSize": inp, "hiddenSize": hid, "numLayers": layers, "bias": bias,
            "batchFirst": batch_first, "dropout": dropout, "bidirectional": bidirectional, "nonlinearity": nonlinearity,
            "training": training, "dropoutSeed": dropout_seed, **record(module, seed, x, state, outputs, grads)}


def errors():
    """[name, module, constructor args, input shape, state shapes or None, message]."""
    r = torch.randn
    specs = [
        ("cell input size", "RNNCell", [4, 3], [2, 5], None, lambda: nn.RNNCell(4, 3)(r(2, 5))),
        ("cell batch size", "RNNCell", [4, 3], [2, 4], [[3, 3]], lambda: nn.RNNCell(4, 3)(r(2, 4), r(3, 3))),
        ("cell hidden size", "GRUCell", [4, 3], [2, 4], [[2, 4]], lambda: nn.GRUCell(4, 3)(r(2, 4), r(2, 4))),
        ("cell c size", "LSTMCell", [4, 3], [2, 4], [[2, 3], [2, 2]],
         lambda: nn.LSTMCell(4, 3)(r(2, 4), (r(2, 3), r(2, 2)))),
        ("unbatched cell with a batched state", "GRUCell", [4, 3], [4], [[2, 3]], lambda: nn.GRUCell(4, 3)(r(4), r(2, 3))),
        ("layer input size", "LSTM", [28, 64, 2], [5, 2, 27], None, lambda: nn.LSTM(28, 64, 2)(r(5, 2, 27))),
        ("1-d layer input", "GRU", [4, 3], [5], None, lambda: nn.GRU(4, 3)(r(5))),
        ("4-d layer input", "RNN", [4, 3], [5, 2, 3, 4], None, lambda: nn.RNN(4, 3)(r(5, 2, 3, 4))),
        ("batched input with a 2-d state", "RNN", [4, 3], [5, 2, 4], [[2, 3]], lambda: nn.RNN(4, 3)(r(5, 2, 4), r(2, 3))),
        ("unbatched input with a 3-d state", "GRU", [4, 3], [5, 4], [[1, 1, 3]], lambda: nn.GRU(4, 3)(r(5, 4), r(1, 1, 3))),
        ("LSTM with a 2-d cx", "LSTM", [4, 3, 2], [5, 2, 4], [[2, 2, 3], [2, 3]],
         lambda: nn.LSTM(4, 3, 2)(r(5, 2, 4), (r(2, 2, 3), r(2, 3)))),
        ("unbatched LSTM with 3-d states", "LSTM", [4, 3], [5, 4], [[1, 1, 3], [1, 1, 3]],
         lambda: nn.LSTM(4, 3)(r(5, 4), (r(1, 1, 3), r(1, 1, 3)))),
        ("hidden size", "GRU", [4, 3], [5, 2, 4], [[2, 2, 3]], lambda: nn.GRU(4, 3)(r(5, 2, 4), r(2, 2, 3))),
        ("LSTM h size", "LSTM", [4, 3, 2], [5, 2, 4], [[1, 2, 3], [2, 2, 3]],
         lambda: nn.LSTM(4, 3, 2)(r(5, 2, 4), (r(1, 2, 3), r(2, 2, 3)))),
        ("LSTM c size", "LSTM", [4, 3, 2], [5, 2, 4], [[2, 2, 3], [2, 2, 2]],
         lambda: nn.LSTM(4, 3, 2)(r(5, 2, 4), (r(2, 2, 3), r(2, 2, 2)))),
        ("empty sequence", "LSTM", [4, 3], [0, 2, 4], None, lambda: nn.LSTM(4, 3)(r(0, 2, 4))),
    ]
    out = []
    for name, module, args, input_shape, state_shapes, fn in specs:
        out.append({"name": name, "module": module, "args": args, "input": input_shape, "state": state_shapes,
                    "message": error_of(fn)})
    return out


def saved():
    """A state dict in PyTorch's own file format, and what the module computes with it."""
    torch.manual_seed(77)
    module = nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True).eval()
    torch.save(module.state_dict(), os.path.join(LAYERS_DIR, "rnn-lstm.pt"))
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        out, (h, c) = module(x)
    return {"file": "rnn-lstm.pt", "input": f32(x), "outputs": [f32(out), f32(h), f32(c)]}


def main():
    warnings.simplefilter("ignore")
    rng = random.Random(29)
    write("rnn.json", "fixtures-rnn.py", {
        "cells": [cell_case(rng, i) for i in range(18)],
        "layers": [layer_case(rng, i) for i in range(36)],
        "errors": errors(),
        "saved": saved(),
    })


if __name__ == "__main__":
    main()
