"""Fixture for scripts/examples/time_sequence_prediction.ts: pytorch/examples
time_sequence_prediction (commit 00ef8a7), generate_sine_wave.py then train.py, as published
but shortened (RUNS): the sine waves are `length` samples long instead of 1000 (the same rows:
the random offsets are drawn before L matters, so the data is the first `length` columns of the
original's), train.py runs `steps` LBFGS steps, predicts `future` values instead of 1000, and
saves no plots. The data stays in memory instead of going through traindata.pt.

train.py runs in float64 (seq.double()); torchlet has no float64 modules, so the port runs in
float32. The program is run twice: as published (float64), and once more with every double
made float32 (the like-for-like run the port's numbers are held to tightly).

Records what each run prints, its prediction y after each step, and numpy's random offsets and data (generate_sine_wave.py's
x and sin(x / T) at full length), which the port reproduces from np.random.seed(2).

Writes test/fixtures/examples/time_sequence_prediction.json. Run with Debian's PyTorch 1.13:
    /usr/bin/python3 scripts/examples/py/time_sequence_prediction.py
"""
import builtins
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

# (length, steps, future): the port's test runs the first on the wasm backend, the second on the
# (slower) JS reference backend.
RUNS = [(20, 2, 10), (10, 1, 5)]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'test', 'fixtures', 'examples',
                   'time_sequence_prediction.json')

printed = []


def print(*args, **kwargs):  # noqa: A001 -- stands in for the program's print
    builtins.print(*args, **kwargs)
    printed.append(' '.join(str(a) for a in args))


# ------------------------------------------------- generate_sine_wave.py, as published (L=length)
def generate_sine_wave(L):
    np.random.seed(2)

    T = 20
    # L = 1000
    N = 100

    x = np.empty((N, L), 'int64')
    x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype('float64')
    return x, data  # torch.save(data, open('traindata.pt', 'wb'))


# ------------------------------------------------------------------ train.py, as published
# (DTYPE is torch.double there; STEPS, FUTURE and the data are the shortened run's)
DTYPE = torch.double
STEPS = FUTURE = None
predictions = []


class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, input, future = 0):
        outputs = []
        h_t = torch.zeros(input.size(0), 51, dtype=DTYPE)
        c_t = torch.zeros(input.size(0), 51, dtype=DTYPE)
        h_t2 = torch.zeros(input.size(0), 51, dtype=DTYPE)
        c_t2 = torch.zeros(input.size(0), 51, dtype=DTYPE)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):# if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


def train(data):
    # set random seed to 0
    np.random.seed(0)
    torch.manual_seed(0)
    # load data and make training set
    data = data.astype('float64' if DTYPE == torch.double else 'float32')  # data = torch.load('traindata.pt')
    input = torch.from_numpy(data[3:, :-1])
    target = torch.from_numpy(data[3:, 1:])
    test_input = torch.from_numpy(data[:3, :-1])
    test_target = torch.from_numpy(data[:3, 1:])
    # build the model
    seq = Sequence()
    seq.to(DTYPE)  # seq.double()
    criterion = nn.MSELoss()
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    #begin to train
    for i in range(STEPS):
        print('STEP: ', i)
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print('loss:', loss.item())
            loss.backward()
            return loss
        optimizer.step(closure)
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            future = FUTURE
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print('test loss:', loss.item())
            y = pred.detach().numpy()
        predictions.append([[float(v) for v in row] for row in y])
        # (the plot, predict%d.pdf, is left out)


def main():
    global DTYPE, STEPS, FUTURE
    torch.set_num_threads(1)
    x_full, data_full = generate_sine_wave(1000)
    runs = []
    for length, STEPS, FUTURE in RUNS:
        x, data = generate_sine_wave(length)
        assert (x == x_full[:, :length]).all() and (data == data_full[:, :length]).all()
        run = {'length': length, 'steps': STEPS, 'future': FUTURE}
        for name, dtype in (('float64', torch.double), ('float32', torch.float32)):
            DTYPE = dtype
            printed.clear()
            predictions.clear()
            train(data)
            run[name] = {'printed': list(printed), 'predictions': list(predictions)}
        runs.append(run)
    fixture = {
        'offsets': [int(v) for v in x_full[:, 0]],
        # the data at full length, as float32 (what the port's tensors hold) at spread positions
        'dataSamples': [[i, j, float(np.float32(data_full[i, j]))] for i in range(0, 100, 7) for j in range(0, 1000, 97)],
        'runs': runs,
    }
    with open(OUT, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    builtins.print(f'wrote {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
