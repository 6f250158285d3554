"""What the fixture scripts of the ported pytorch/examples MNIST programs share (mnist_main.py,
mnist_rnn.py): the small MNIST-format set and flags they run on, the stand-in for the program's
print, and the runs recorded into test/fixtures/examples/<name>.json.

A program script holds the original's main.py as published, with `print = Printer()`, a global
`RECORD` that its train and test fill (losses, test results, the model), and `argv` passed to
parse_args; `write_fixture(program_module, ...)` runs it and writes the fixture.
"""
import builtins
import json
import os
import tempfile

import torch
from example_data import mnist_files, digest, samples

TRAIN_COUNT = 32
TEST_COUNT = 16
# Four batches of 8 per epoch, two epochs, a log line per batch; the dry run stops each epoch
# after its first batch.
ARGV = ['--batch-size', '8', '--epochs', '2', '--log-interval', '1', '--seed', '1']
DRY_ARGV = ARGV + ['--dry-run']


class Printer:
    """Stands in for the program's print: prints, and keeps each line as print would write it."""

    def __init__(self):
        self.lines = []

    def __call__(self, *args, **kwargs):
        builtins.print(*args, **kwargs)
        self.lines.append(' '.join(str(a) for a in args))


def run(program, workdir, run_argv):
    """The program's main() with run_argv in workdir: what it printed, its losses, test results and final weights."""
    program.argv = run_argv
    program.print.lines = []
    program.RECORD = {'trainLosses': [], 'test': []}
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        program.main()
    finally:
        os.chdir(cwd)
    record = program.RECORD
    return {
        'printed': program.print.lines,
        'trainLosses': record['trainLosses'],
        'test': record['test'],
        'final': {name: samples(p) for name, p in record['model'].named_parameters()},
    }


def start_forward(program, root):
    """Eval-mode log-probabilities of the first 8 test images under torch.manual_seed(1); Net()."""
    from torchvision import datasets as ds, transforms as tf
    transform = tf.Compose([tf.ToTensor(), tf.Normalize((0.1307,), (0.3081,))])
    images = torch.stack([ds.MNIST(root, train=False, transform=transform)[i][0] for i in range(8)])
    torch.manual_seed(1)
    model = program.Net()
    model.eval()
    with torch.no_grad():
        return [float(v) for v in model(images).reshape(-1)]


def write_fixture(program, name, source):
    """Runs the program on the small set (the test's flags, then with --dry-run) and writes test/fixtures/examples/<name>.json."""
    files = mnist_files(TRAIN_COUNT, TEST_COUNT)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, 'data', 'MNIST', 'raw')
        os.makedirs(raw)
        for file_name, data in files.items():
            with open(os.path.join(raw, file_name), 'wb') as f:
                f.write(data)
        work = os.path.join(tmp, 'work')
        os.makedirs(work)
        fixture = {
            'source': source,
            'argv': ARGV, 'dryArgv': DRY_ARGV, 'trainCount': TRAIN_COUNT, 'testCount': TEST_COUNT,
            'dataSha256': digest(files[k] for k in sorted(files)),
            'startForward': start_forward(program, os.path.join(tmp, 'data')),
            'run': run(program, work, ARGV),
            'dryRun': run(program, work, DRY_ARGV),
            'torchVersion': torch.__version__,
        }
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'test', 'fixtures', 'examples')
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name + '.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    builtins.print('wrote', os.path.normpath(path))
