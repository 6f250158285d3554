/**
 * nn.RNNCell / LSTMCell / GRUCell and nn.RNN / LSTM / GRU against PyTorch 1.13
 * (test/fixtures/layers/rnn.json, written by scripts/fixtures-rnn.py), on both backends:
 * - each module built right after manualSeed(seed) has PyTorch's parameter names, shapes,
 *   order and initial values under that seed, and loads PyTorch's state dict strictly;
 * - the forward outputs (output, h_n, c_n; a cell's h', c') over random sizes and options
 *   (1-2 layers, batchFirst, bidirectional, bias, initial state or none, unbatched input,
 *   relu/tanh, dropout between layers with the masks drawn after manualSeed as PyTorch draws
 *   them, train and eval mode);
 * - the gradients of every parameter, the input and the initial state of sum(out * g);
 * - a state dict that torch.save wrote (test/fixtures/layers/rnn-lstm.pt) loads strictly and
 *   gives PyTorch's outputs;
 * - PyTorch's errors, and the options refused.
 */
import * as path from 'path';
import { nn, io, setBackend, manualSeed, noGrad, randn, Tensor } from '../src';
import type { ArrayJson } from './helpers/fixtures';
import { expectMatches, readLayersFixture, toTensor } from './helpers/layers';

interface Recorded {
  name: string;
  kind: string;
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  nonlinearity: 'tanh' | 'relu' | null;
  seed: number;
  params: Record<string, ArrayJson>;
  input: ArrayJson;
  state: ArrayJson[] | null;
  outputs: ArrayJson[];
  gradOutputs: ArrayJson[];
  gradParams: Record<string, ArrayJson>;
  gradInput: ArrayJson;
  gradState: ArrayJson[] | null;
}

interface LayerCase extends Recorded {
  numLayers: number;
  batchFirst: boolean;
  dropout: number;
  bidirectional: boolean;
  training: boolean;
  dropoutSeed: number;
}

interface ErrorCase { name: string; module: string; args: number[]; input: number[]; state: number[][] | null; message: string }

interface Saved { file: string; input: ArrayJson; outputs: ArrayJson[] }

const fixture = readLayersFixture<{ torch: string; cells: Recorded[]; layers: LayerCase[]; errors: ErrorCase[]; saved: Saved }>('rnn.json');

/** Float32 sums over a few dozen products, carried through up to 8 steps: 1e-5 of the largest value. */
const TOL = 1e-5;

function buildCell(c: Recorded): nn.Module {
  const bias = { bias: c.bias };
  if (c.kind === 'RNNCell') return new nn.RNNCell(c.inputSize, c.hiddenSize, { ...bias, nonlinearity: c.nonlinearity ?? 'tanh' });
  if (c.kind === 'LSTMCell') return new nn.LSTMCell(c.inputSize, c.hiddenSize, bias);
  return new nn.GRUCell(c.inputSize, c.hiddenSize, bias);
}

function buildLayer(c: LayerCase): nn.RNNBase {
  const options = { numLayers: c.numLayers, bias: c.bias, batchFirst: c.batchFirst, dropout: c.dropout, bidirectional: c.bidirectional };
  if (c.kind === 'RNN') return new nn.RNN(c.inputSize, c.hiddenSize, { ...options, nonlinearity: c.nonlinearity ?? 'tanh' });
  if (c.kind === 'LSTM') return new nn.LSTM(c.inputSize, c.hiddenSize, options);
  return new nn.GRU(c.inputSize, c.hiddenSize, options);
}

/** The module's forward with the recorded state, its outputs flattened: [h'] / [h', c'] / [output, h_n] / [output, h_n, c_n]. */
function outputsOf(module: nn.Module, input: Tensor, state: Tensor[] | null, lstm: boolean): Tensor[] {
  const hx = state === null ? null : lstm ? [state[0], state[1]] : state[0];
  const out = module.call(input, hx as never) as Tensor | Tensor[] | [Tensor, Tensor | Tensor[]];
  return [out].flat(2) as Tensor[];
}

/** Init, state-dict loading, outputs and every gradient against the fixture. */
function check(module: nn.Module, c: Recorded, run: (input: Tensor, state: Tensor[] | null) => Tensor[]): void {
  expect(Object.keys(module.stateDict())).toEqual(Object.keys(c.params));
  for (const [name, p] of module.namedParameters()) expectMatches(`initial ${name}`, p, c.params[name], 0);
  const params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, toTensor(v)]));
  expect(module.loadStateDict(params)).toEqual({ missingKeys: [], unexpectedKeys: [] });

  const input = toTensor(c.input).requiresGrad_();
  const state = c.state?.map((s) => toTensor(s).requiresGrad_()) ?? null;
  const outputs = run(input, state);
  expect(outputs.length).toBe(c.outputs.length);
  outputs.forEach((o, i) => expectMatches(`output ${i}`, o, c.outputs[i], TOL));
  outputs.map((o, i) => o.mul(toTensor(c.gradOutputs[i])).sum()).reduce((a, b) => a.add(b)).backward();
  for (const [name, p] of module.namedParameters()) expectMatches(`grad of ${name}`, p.grad!, c.gradParams[name], TOL);
  expectMatches('grad of the input', input.grad!, c.gradInput, TOL);
  state?.forEach((s, i) => expectMatches(`grad of state ${i}`, s.grad!, c.gradState![i], TOL));
}

describe.each(['js', 'wasm'])(`recurrent modules vs PyTorch ${fixture.torch} on the %s backend`, (backend) => {
  beforeAll(() => setBackend(backend));

  test.each(fixture.cells.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    manualSeed(c.seed);
    const cell = buildCell(c);
    check(cell, c, (input, state) => outputsOf(cell, input, state, c.kind === 'LSTMCell'));
  });

  test("torch.save(lstm.state_dict()) loads strictly and gives PyTorch's outputs", () => {
    manualSeed(1); // other weights than the file's
    const lstm = new nn.LSTM(3, 4, 2, { batchFirst: true, bidirectional: true }).eval();
    const state = io.load(path.join(__dirname, 'fixtures', 'layers', fixture.saved.file)) as Record<string, Tensor>;
    expect(lstm.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const outputs = noGrad(() => outputsOf(lstm, toTensor(fixture.saved.input), null, true));
    outputs.forEach((o, i) => expectMatches(`output ${i}`, o, fixture.saved.outputs[i], TOL));
  });

  test.each(fixture.layers.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    manualSeed(c.seed);
    const layer = buildLayer(c);
    layer.train(c.training);
    check(layer, c, (input, state) => {
      manualSeed(c.dropoutSeed);
      return outputsOf(layer, input, state, c.kind === 'LSTM');
    });
  });
});

describe('recurrent modules: errors, options and forms', () => {
  test.each(fixture.errors.map((e) => [e.name, e] as const))('%s', (_name, e) => {
    const [inputSize, hiddenSize, numLayers = 1] = e.args;
    const lstm = e.module.startsWith('LSTM');
    const module = e.module.endsWith('Cell')
      ? (e.module === 'RNNCell' ? new nn.RNNCell(inputSize, hiddenSize) : e.module === 'LSTMCell'
        ? new nn.LSTMCell(inputSize, hiddenSize) : new nn.GRUCell(inputSize, hiddenSize))
      : (e.module === 'RNN' ? new nn.RNN(inputSize, hiddenSize, numLayers) : e.module === 'LSTM'
        ? new nn.LSTM(inputSize, hiddenSize, numLayers) : new nn.GRU(inputSize, hiddenSize, numLayers));
    const state = e.state?.map((s) => randn(...s)) ?? null;
    expect(() => outputsOf(module, randn(...e.input), state, lstm)).toThrow(e.message);
  });

  test("a cell's input must be 1-D or 2-D", () => {
    expect(() => new nn.LSTMCell(4, 3).call(randn(1, 2, 4))).toThrow('LSTMCell: Expected input to be 1-D or 2-D but received 3-D tensor');
  });

  test('refused options: projections, PackedSequence, a bad nonlinearity or dropout, unknown names', () => {
    expect(() => new nn.LSTM(4, 3, { projSize: 2 })).toThrow('LSTM: projSize=2 (LSTM with projections) is not supported');
    expect(() => new nn.LSTM(4, 3, { projSize: 3 })).toThrow('proj_size has to be smaller than hidden_size');
    expect(() => new nn.GRU(4, 3, { projSize: 2 } as never)).toThrow('proj_size argument is only supported for LSTM, not RNN or GRU');
    expect(() => new nn.RNN(4, 3, { nonlinearity: 'gelu' as never })).toThrow("Unknown nonlinearity 'gelu'");
    expect(() => new nn.RNNCell(4, 3, { nonlinearity: 'gelu' as never })).toThrow('Unknown nonlinearity: gelu');
    expect(() => new nn.RNN(4, 3, { dropout: 1.5 })).toThrow('dropout should be a number in range [0, 1]');
    expect(() => new nn.LSTM(4, 3, { batch_first: true } as never)).toThrow("unknown option 'batch_first' (did you mean 'batchFirst'?)");
    expect(() => new nn.GRUCell(4, 3, { dtype: 'float64' } as never)).toThrow("option 'dtype' is not supported");
    expect(() => new nn.LSTM(4, 3).call({ data: randn(3, 4), batchSizes: [2, 1] } as never)).toThrow('PackedSequence inputs are not supported');
  });

  test("PyTorch's constructor forms, repr and allWeights", () => {
    const keyword = new nn.LSTM({ inputSize: 28, hiddenSize: 64, batchFirst: true });
    expect([keyword.inputSize, keyword.hiddenSize, keyword.batchFirst, keyword.numLayers]).toEqual([28, 64, true, 1]);
    const positional = new nn.GRU(10, 20, 2, { bidirectional: true });
    expect(positional.numLayers).toBe(2);
    expect(positional.allWeights.map((ws) => ws.map((w) => w.shape))).toEqual([
      [[60, 10], [60, 20], [60], [60]], [[60, 10], [60, 20], [60], [60]],
      [[60, 40], [60, 20], [60], [60]], [[60, 40], [60, 20], [60], [60]],
    ]);
    expect(Object.keys(positional.stateDict()).slice(0, 8)).toEqual([
      'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
      'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse',
    ]);
    expect(String(new nn.LSTM(4, 3, 2, { bias: false, batchFirst: true, dropout: 0.5, bidirectional: true })))
      .toBe('LSTM(4, 3, numLayers=2, bias=false, batchFirst=true, dropout=0.5, bidirectional=true)');
    expect(String(new nn.RNNCell(2, 3, { nonlinearity: 'relu' }))).toBe('RNNCell(2, 3, nonlinearity=relu)');
    expect(String(new nn.LSTMCell(2, 3, { bias: false }))).toBe('LSTMCell(2, 3, bias=false)');
  });
});
