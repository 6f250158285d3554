/**
 * pytorch/examples word_language_model (main.py, generate.py), ported line for line in
 * scripts/examples/word_language_model*.ts, against the same programs run by PyTorch 1.13
 * (scripts/examples/py/word_language_model.py runs the originals, kept unchanged beside it, and
 * writes test/fixtures/examples/word_language_model.json) on a tiny corpus (24 words, a few
 * hundred tokens; the texts are in the fixture): LSTM (2 layers, dropout 0.2), GRU with --tied
 * over 3 epochs at lr 10 (the validation loss rises, so the lr is annealed and the best model
 * is the one saved after epoch 1), RNN_TANH (1 layer, dropout 0.5, another seed and lr) and RNN_RELU with
 * --dry-run. Each run starts from the program's own manualSeed(args.seed): the initial
 * weights, every dropout mask and generate.py's randint/multinomial draws are torch's.
 * Compared, on both backends:
 * - every printed line: the text exactly (timings masked), the losses and perplexities in value;
 * - the final weights (the best model as reloaded from --save) at 16 spread positions, and their
 *   sums; the state dict's keys (with --tied, decoder.weight is encoder.weight);
 * - generate.py's 30 words sampled at temperature 0.8 with seed 3, and its printed lines, exactly.
 *
 * Tolerances: the printed values have two decimals, and one may round the other way (0.01
 * apart). The final weights, measured on both backends against PyTorch's in full: within 7e-7
 * of each tensor's largest value for LSTM and RNN_RELU, 3.1e-6 for GRU-tied and RNN_TANH (72
 * and 48 SGD steps at lr 10 and 5 through clipped gradients; at GRU's default lr 20, float32
 * rounding grows to 1e-3 within an epoch, which is why GRU-tied runs at lr 10). Asserted: 5e-5
 * of the largest sample, the sums of |w| within 1e-5 relative.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { setBackend, getBackend, io, Tensor } from '../src';
import type { BackendName } from '../src';
import { main, parseWordLanguageModelArgs, HELP, ORIGINAL } from '../scripts/examples/word_language_model';
import { main as generate, parseGenerateArgs } from '../scripts/examples/word_language_model_generate';
import { RNNModel, TRANSFORMER_UNSUPPORTED } from '../scripts/examples/word_language_model/model';
import { Corpus } from '../scripts/examples/word_language_model/data';
import { samples } from './helpers/example-data';
import { ensureBuilt, repoRoot } from './helpers/dist';

interface Samples { index: number[]; values: number[]; sum: number; absSum: number }
interface Run {
  argv: string[]; printed: string[]; final: Record<string, Samples>; stateDictKeys: string[];
  generatePrinted: string[]; generated: string;
}
interface Fixture { texts: Record<string, string>; generateArgv: string[]; runs: Record<string, Run> }

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'examples', 'word_language_model.json'), 'utf8')) as Fixture;

const NUMBER = /-?\d+\.\d+/g;
/** The timings, which differ between any two runs. */
const TIMING = /(ms\/batch|time:) +\d+\.\d+/g;

function expectLine(actual: string, expected: string): void {
  const masked = (s: string) => s.replace(TIMING, '$1 #').replace(NUMBER, '#');
  expect(masked(actual)).toBe(masked(expected));
  const values = (s: string) => (s.replace(TIMING, '$1 #').match(NUMBER) ?? []).map(Number);
  const a = values(actual);
  const e = values(expected);
  a.forEach((v, i) => {
    if (!(Math.abs(v - e[i]) <= 0.01 + 1e-6 * Math.abs(e[i]))) throw new Error(`'${actual}' vs PyTorch's '${expected}': ${v} vs ${e[i]}`);
  });
}

let tmp: string;
let dataDir: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-wlm-'));
  dataDir = path.join(tmp, 'data', 'tiny');
  fs.mkdirSync(dataDir, { recursive: true });
  for (const [name, text] of Object.entries(fixture.texts)) fs.writeFileSync(path.join(dataDir, name), text);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("Corpus and Dictionary as data.py: Python's whitespace and universal newlines, '<eos>' per line", () => {
  const dir = path.join(tmp, 'corpus');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'train.txt'), ' a b\ta \r\nc\x1cd\u00a0a\r\n\n');
  fs.writeFileSync(path.join(dir, 'valid.txt'), 'e a\rb');
  fs.writeFileSync(path.join(dir, 'test.txt'), 'f\n');
  const corpus = new Corpus(dir);
  expect(corpus.dictionary.idx2word).toEqual(['a', 'b', '<eos>', 'c', 'd', 'e', 'f']);
  expect(corpus.dictionary.length).toBe(7);
  expect(Array.from(corpus.train.dataSync())).toEqual([0, 1, 0, 2, 3, 4, 0, 2, 2]);
  expect(corpus.train.dtype).toBe('int32');
  expect(Array.from(corpus.valid.dataSync())).toEqual([5, 0, 2, 1, 2]);
  expect(Array.from(corpus.test.dataSync())).toEqual([6, 2]);
  expect(() => new Corpus(path.join(tmp, 'nowhere'))).toThrow(/assert os.path.exists/);
  fs.writeFileSync(path.join(dir, 'test.txt'), ''); // no lines: torch.cat([]) fails in PyTorch too
  expect(() => new Corpus(dir)).toThrow(/expected a non-empty list of Tensors/);
});

test("--tied: one parameter, under both names in the state dict, and loadStateDict expects both (as PyTorch's)", () => {
  const model = new RNNModel('LSTM', 10, 8, 8, 1, 0, true);
  expect(model.decoder.weight).toBe(model.encoder.weight);
  const names = model.namedParameters().map(([n]) => n);
  expect(names).not.toContain('decoder.weight');
  const state = model.stateDict();
  expect(Object.keys(state)).toContain('decoder.weight');
  expect(state['decoder.weight']._storage).toBe(state['encoder.weight']._storage);
  const other = new RNNModel('LSTM', 10, 8, 8, 1, 0, true);
  expect(other.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
  expect(Array.from(other.decoder.weight.dataSync())).toEqual(Array.from(model.encoder.weight.dataSync()));
  const { ['decoder.weight']: _dropped, ...without } = state;
  expect(() => other.loadStateDict(without)).toThrow('Missing key(s) in stateDict: "decoder.weight".');
});

test('the flags parse as argparse does, and what torchlet cannot run is refused', () => {
  expect(parseWordLanguageModelArgs([])).toEqual(ORIGINAL);
  expect(parseWordLanguageModelArgs(['--help'])).toBeNull();
  expect(parseWordLanguageModelArgs(fixture.runs['GRU-tied'].argv)).toMatchObject({ model: 'GRU', tied: true, epochs: 3, batchSize: 4, logInterval: 5 });
  expect(parseWordLanguageModelArgs(['--mps'])).toMatchObject({ mps: true }); // the CPU, as without MPS
  expect(() => parseWordLanguageModelArgs(['--model', 'Transformer'])).toThrow(TRANSFORMER_UNSUPPORTED);
  expect(() => parseWordLanguageModelArgs(['--cuda'])).toThrow(/Torch not compiled with CUDA enabled/);
  expect(() => parseWordLanguageModelArgs(['--onnx-export', 'm.onnx'])).toThrow(/no ONNX exporter/);
  expect(() => parseWordLanguageModelArgs(['--batch-size', '3'])).toThrow(/Unknown option '--batch-size'/); // it is --batch_size
  expect(() => parseGenerateArgs(['--temperature', '0.0001'])).toThrow('--temperature has to be greater or equal 1e-3.');
  expect(() => new RNNModel('LSTM', 10, 8, 16, 1, 0, true)).toThrow('When using the tied flag, nhid must be equal to emsize');
  expect(() => new RNNModel('RNN', 10, 8, 8, 1)).toThrow(/An invalid option for `--model` was supplied/);
  return expect(main({ model: 'Transformer', data: dataDir })).rejects.toThrow(TRANSFORMER_UNSUPPORTED);
});

test('node dist/scripts/examples/word_language_model.js: --help (also through run.js), a refusal, a dry run and generate', () => {
  ensureBuilt();
  const dir = path.join(repoRoot, 'dist', 'scripts', 'examples');
  const run = (file: string, args: string[]) => spawnSync(process.execPath, [path.join(dir, file), ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
  expect(run('word_language_model.js', ['--help'])).toMatchObject({ status: 0, stdout: HELP + '\n' });
  expect(run('run.js', ['word_language_model', '--help'])).toMatchObject({ status: 0, stdout: HELP + '\n' });
  const refused = run('word_language_model.js', ['--model', 'Transformer']);
  expect(refused.status).toBe(2);
  expect(refused.stderr).toContain(`word_language_model: error: ${TRANSFORMER_UNSUPPORTED}`);
  const dry = run('run.js', ['word_language_model', '--data', 'data/tiny', '--dry-run', '--epochs', '1', '--emsize', '8', '--nhid', '8']);
  expect(dry.stderr).toBe('');
  expect(dry.status).toBe(0);
  expect(dry.stdout).toMatch(/\| End of training \| test loss +\d+\.\d\d \| test ppl +\d+\.\d\d\n/);
  expect(fs.existsSync(path.join(tmp, 'model.pt'))).toBe(true); // --save's default, in the working directory
  const gen = run('run.js', ['word_language_model_generate', '--data', 'data/tiny', '--words', '25', '--log-interval', '20']);
  expect(gen.stderr).toBe('');
  expect(gen.stdout).toBe('| Generated 0/25 words\n| Generated 20/25 words\n');
  expect(fs.readFileSync(path.join(tmp, 'generated.txt'), 'utf8').split(/\s+/).filter((w) => w !== '')).toHaveLength(25);
});

describe.each(['js', 'wasm'] as BackendName[])('word_language_model against PyTorch (%s backend)', (backend) => {
  let previous: BackendName;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend(backend);
  });
  afterAll(() => setBackend(previous));

  test.each(Object.keys(fixture.runs))('%s: printed lines, final weights, the saved model and generated words', async (name) => {
    const want = fixture.runs[name];
    const save = path.join(tmp, `${name}-${backend}.pt`);
    const args = parseWordLanguageModelArgs([...want.argv, '--data', dataDir, '--save', save])!;
    const printed: string[] = [];
    const model = await main({ ...args, log: (...a) => printed.push(a.join(' ')) });
    expect(printed.length).toBe(want.printed.length);
    printed.forEach((line, i) => expectLine(line, want.printed[i]));

    expect(Object.keys(model.stateDict())).toEqual(want.stateDictKeys);
    const named = Object.fromEntries(model.namedParameters());
    expect(Object.keys(named)).toEqual(Object.keys(want.final));
    for (const [key, s] of Object.entries(want.final)) {
      const got = samples(named[key]);
      const scale = Math.max(...s.values.map(Math.abs), 1e-3);
      got.values.forEach((v, i) => {
        if (!(Math.abs(v - s.values[i]) <= 5e-5 * scale)) throw new Error(`${key}[${s.index[i]}]: ${v} vs PyTorch's ${s.values[i]}`);
      });
      expect(Math.abs(got.absSum - s.absSum)).toBeLessThanOrEqual(1e-5 * s.absSum);
    }
    if (args.tied) {
      expect(model.decoder.weight).toBe(model.encoder.weight);
      expect(model.parameters().length).toBe(Object.keys(want.final).length);
      // the saved state dict holds both names on one storage, as torch.save writes a tied model's
      const saved = io.load(save) as { state_dict: Record<string, Tensor>; tie_weights: boolean };
      expect(saved.tie_weights).toBe(true);
      expect(saved.state_dict['decoder.weight']._storage).toBe(saved.state_dict['encoder.weight']._storage);
    }

    const genPrinted: string[] = [];
    const outf = path.join(tmp, `${name}-${backend}.txt`);
    const gArgs = parseGenerateArgs([...fixture.generateArgv, '--data', dataDir, '--checkpoint', save, '--outf', outf])!;
    await generate({ ...gArgs, log: (...a) => genPrinted.push(a.join(' ')) });
    expect(genPrinted).toEqual(want.generatePrinted);
    expect(fs.readFileSync(outf, 'utf8')).toBe(want.generated);
  });
});
