"""Fixture for scripts/examples/word_language_model.ts and word_language_model_generate.ts:
pytorch/examples word_language_model/main.py and generate.py (commit 00ef8a7, kept unchanged in
word_language_model/ beside this file), run as published -- from torch.manual_seed(args.seed)
alone -- on a tiny corpus this script writes (a few hundred words from a 24-word vocabulary,
in data/tiny/{train,valid,test}.txt), for several configurations (LSTM, GRU with --tied,
RNN_TANH, RNN_RELU with --dry-run). For each: what main.py prints, the final weights (of the
best model, as main.py reloads it; samples), and what generate.py prints and writes with a
fixed seed.

Writes test/fixtures/examples/word_language_model.json. Run with Debian's PyTorch 1.13:
    /usr/bin/python3 scripts/examples/py/word_language_model.py
"""
import json
import os
import re
import runpy
import shutil
import sys
import tempfile

import torch
from example_data import samples

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, 'word_language_model')
OUT = os.path.join(HERE, '..', '..', '..', 'test', 'fixtures', 'examples', 'word_language_model.json')

SMALL = ['--emsize', '16', '--nhid', '16', '--epochs', '2', '--batch_size', '4', '--bptt', '5', '--log-interval', '5']
CONFIGS = {
    'LSTM': ['--model', 'LSTM'] + SMALL,
    # lr 10: the validation loss rises after epoch 1, so the lr is annealed twice and the best model
    # is epoch 1's (at the default lr 20, float32 rounding grows to 1e-3 in a GRU within an epoch)
    'GRU-tied': ['--model', 'GRU', '--tied'] + SMALL + ['--epochs', '3', '--lr', '10'],
    'RNN_TANH': ['--model', 'RNN_TANH', '--nlayers', '1', '--lr', '5', '--dropout', '0.5', '--seed', '7'] + SMALL,
    'RNN_RELU-dry-run': ['--model', 'RNN_RELU', '--dry-run', '--lr', '1'] + SMALL,
}
GENERATE = ['--words', '30', '--log-interval', '10', '--seed', '3', '--temperature', '0.8']

VOCAB = ('the a cat dog sat ran on under mat rug and then it was big small red blue '
         'house tree saw heard quickly slowly').split()


def corpus_text(key, lines):
    """Lines of 3-11 words from VOCAB, from a small LCG (the test writes the same text from the fixture)."""
    state = key
    out = []
    for _ in range(lines):
        state = (state * 1103515245 + 12345) % 2**31
        n = 3 + state % 9
        words = []
        for _ in range(n):
            state = (state * 1103515245 + 12345) % 2**31
            words.append(VOCAB[(state >> 8) % len(VOCAB)])
        out.append(' ' + ' '.join(words) + ' \n')
    return ''.join(out)


TEXTS = {'train.txt': corpus_text(1, 60), 'valid.txt': corpus_text(2, 20), 'test.txt': corpus_text(3, 20)}


TIMING = re.compile(r'(ms/batch|time:)( +)(\d+\.\d+)')


def run(path, argv, printed):
    """Runs one of the original programs as __main__ with argv, its print recorded (the timings
    zeroed, digit for digit, so that the fixture regenerates byte for byte; the test masks them)."""
    def record(*args, **kwargs):
        print(*args, **kwargs)
        line = ' '.join(str(a) for a in args)
        printed.append(TIMING.sub(lambda m: m.group(1) + m.group(2) + re.sub(r'\d', '0', m.group(3)), line))
    sys.argv = [os.path.basename(path)] + argv
    return runpy.run_path(path, init_globals={'print': record}, run_name='__main__')


tmp = tempfile.mkdtemp()
data_dir = os.path.join(tmp, 'data', 'tiny')
os.makedirs(data_dir)
for name, text in TEXTS.items():
    with open(os.path.join(data_dir, name), 'w') as f:
        f.write(text)
sys.path.insert(0, PROGRAM)  # main.py's `import data`, `import model`; torch.load finds model.RNNModel

runs = {}
for name, argv in CONFIGS.items():
    work = os.path.join(tmp, name)
    os.makedirs(work)
    os.chdir(work)
    argv = argv + ['--data', data_dir]
    printed = []
    g = run(os.path.join(PROGRAM, 'main.py'), argv, printed)
    model = g['model']
    generated_printed = []
    run(os.path.join(PROGRAM, 'generate.py'), GENERATE + ['--data', data_dir], generated_printed)
    with open('generated.txt') as f:
        generated = f.read()
    runs[name] = {
        'argv': argv[:-2],  # without --data: the test gives its own folder
        'printed': printed,
        'final': {k: samples(p) for k, p in model.named_parameters()},
        'stateDictKeys': list(model.state_dict().keys()),
        'generatePrinted': generated_printed,
        'generated': generated,
    }

os.chdir(HERE)
shutil.rmtree(tmp)
fixture = {
    'source': 'pytorch/examples word_language_model/{main,generate}.py @ 00ef8a78e47ddbaf12d06e2cb1ae88ff1eba1bb4',
    'texts': TEXTS,
    'generateArgv': GENERATE,
    'runs': runs,
    'torchVersion': torch.__version__,
}
with open(OUT, 'w') as f:
    json.dump(fixture, f, indent=1)
    f.write('\n')
print('wrote', os.path.normpath(OUT))
