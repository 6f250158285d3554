/**
 * torch.nn.RNNCell, LSTMCell and GRUCell (PyTorch 1.13), and the one-step recurrences that
 * nn.RNN, nn.LSTM and nn.GRU (rnn.ts) run over a sequence. Each step is made of differentiable
 * ops (linear, sigmoid, tanh, relu, add, mul, chunk), so autograd needs nothing of its own.
 *
 * As PyTorch's CPU path (aten/src/ATen/native/RNN.cpp), a step takes the input's contribution
 * to the gates already computed (`gi = x W_ih^T + b_ih`; the layers compute it for the whole
 * sequence in one matmul) and adds `h W_hh^T + b_hh`.
 */
import { Tensor } from '../tensor';
import { Generator, defaultGenerator } from '../random';
import { allocFloat32 } from '../storage';
import { linear, sigmoid, tanh, relu, add, mul, sub, chunk } from '../ops';
import { zeros } from '../creation';
import { checkOptions, describeValue, optionNames } from '../options';
import { Module } from './module';
import { Parameter } from './parameter';
import { uniform_ } from './init';
import { DEVICE_DTYPE_UNSUPPORTED } from './layers';

export type RnnNonlinearity = 'tanh' | 'relu';
/** The hidden state a step carries: [h] for RNN and GRU, [h, c] for LSTM. */
export type RecurrentState = Tensor[];
/** One time step: the input's gate contribution gi [B, G] and the state in, the state out. */
export type RecurrentStep = (gi: Tensor, state: RecurrentState, wHh: Tensor, bHh: Tensor | null) => RecurrentState;

/** h' = act(gi + h W_hh^T + b_hh). */
export function rnnStep(nonlinearity: RnnNonlinearity): RecurrentStep {
  const act = nonlinearity === 'tanh' ? tanh : relu;
  return (gi, [h], wHh, bHh) => [act(add(linear(h, wHh, bHh), gi))];
}

/** i, f, g, o = chunks of gi + h W_hh^T + b_hh; c' = f c + i g; h' = o tanh(c'). */
export const lstmStep: RecurrentStep = (gi, [h, c], wHh, bHh) => {
  const [i, f, g, o] = chunk(add(linear(h, wHh, bHh), gi), 4, 1);
  const cy = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
  return [mul(sigmoid(o), tanh(cy)), cy];
};

/** r, z from both sides' gates; n = tanh(gi_n + r (h W_hn^T + b_hn)); h' = n + z (h - n). */
export const gruStep: RecurrentStep = (gi, [h], wHh, bHh) => {
  const [iR, iZ, iN] = chunk(gi, 3, 1);
  const [hR, hZ, hN] = chunk(linear(h, wHh, bHh), 3, 1);
  const r = sigmoid(add(hR, iR));
  const z = sigmoid(add(hZ, iZ));
  const n = tanh(add(iN, mul(hN, r)));
  return [add(mul(sub(h, n), z), n)];
};

/** A float32 parameter of the given shape, its values drawn later by resetParameters. */
export function uninitializedParameter(shape: number[]): Parameter {
  return new Parameter(new Tensor(allocFloat32(shape.reduce((p, d) => p * d, 1), true), shape));
}

/** PyTorch's reset_parameters of every recurrent module: U(-1/sqrt(hidden), 1/sqrt(hidden)) for each parameter, in order. */
export function resetRecurrentParameters(params: Parameter[], hiddenSize: number, generator: Generator = defaultGenerator): void {
  const stdv = hiddenSize > 0 ? 1 / Math.sqrt(hiddenSize) : 0;
  for (const p of params) uniform_(p, -stdv, stdv, generator);
}

/** The checks of a size argument shared by the cells and the layers. */
export function checkSize(where: string, name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new TypeError(`${where}: ${name} must be an integer >= ${min}, got ${describeValue(v)}`);
  }
}

export function checkBoolean(where: string, name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`${where}: ${name} must be a boolean, got ${describeValue(v)}`);
}

export interface RNNCellOptions {
  bias?: boolean;
  /** RNNCell only: 'tanh' (default) or 'relu'. */
  nonlinearity?: RnnNonlinearity;
  /** Draws the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

const CELL_OPTIONS = optionNames<Omit<RNNCellOptions, 'nonlinearity'>>({ bias: true, generator: true });

/**
 * PyTorch's check_rnn_cell_forward_hidden: hx [B, hidden] beside input [B, in]. (LSTMCell's c
 * is checked with the same words, "hidden0", as in PyTorch.)
 */
function checkCellHidden(input: Tensor, hx: Tensor, hiddenSize: number): void {
  const name = 'hidden0';
  if (hx.shape[0] !== input.shape[0]) {
    throw new Error(`Input batch size ${input.shape[0]} doesn't match ${name} batch size ${hx.shape[0]}`);
  }
  if (hx.shape[1] !== hiddenSize) throw new Error(`${name} has inconsistent hidden_size: got ${hx.shape[1]}, expected ${hiddenSize}`);
}

/**
 * RNNCellBase: weight_ih [chunks * hidden, in], weight_hh [chunks * hidden, hidden], bias_ih and
 * bias_hh [chunks * hidden] (PyTorch's names, so that its state dicts load as they are).
 */
abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;
  protected abstract readonly step: RecurrentStep;

  constructor(inputSize: number, hiddenSize: number, numChunks: number, options: RNNCellOptions, accepted: readonly string[]) {
    super();
    const where = this.constructor.name;
    checkOptions(where, options, accepted, DEVICE_DTYPE_UNSUPPORTED);
    checkSize(where, 'inputSize', inputSize, 0);
    checkSize(where, 'hiddenSize', hiddenSize, 0);
    checkBoolean(where, 'bias', options.bias);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = options.bias ?? true;
    this.weight_ih = uninitializedParameter([numChunks * hiddenSize, inputSize]);
    this.weight_hh = uninitializedParameter([numChunks * hiddenSize, hiddenSize]);
    this.bias_ih = this.bias ? uninitializedParameter([numChunks * hiddenSize]) : null;
    this.bias_hh = this.bias ? uninitializedParameter([numChunks * hiddenSize]) : null;
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    resetRecurrentParameters(this.parameters(), this.hiddenSize, generator);
  }

  /**
   * One step over input [B, in] (or unbatched [in]) from the given state (zeros when absent):
   * PyTorch's forward of the three cells, with its checks.
   */
  protected run(input: Tensor, hx: RecurrentState | null, stateSize: number): RecurrentState {
    if (input.shape.length !== 1 && input.shape.length !== 2) {
      throw new Error(`${this.constructor.name}: Expected input to be 1-D or 2-D but received ${input.shape.length}-D tensor`);
    }
    const batched = input.shape.length === 2;
    const x = batched ? input : input.unsqueeze(0);
    const state = hx === null
      ? Array.from({ length: stateSize }, () => zeros(x.shape[0], this.hiddenSize))
      : hx.map((h) => (batched ? h : h.unsqueeze(0)));
    if (x.shape[1] !== this.inputSize) throw new Error(`input has inconsistent input_size: got ${x.shape[1]} expected ${this.inputSize}`);
    state.forEach((h) => checkCellHidden(x, h, this.hiddenSize));
    const out = this.step(linear(x, this.weight_ih, this.bias_ih), state, this.weight_hh, this.bias_hh);
    return batched ? out : out.map((h) => h.squeeze(0));
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/** torch.nn.RNNCell: h' = tanh (or relu)(x W_ih^T + b_ih + h W_hh^T + b_hh). */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: RnnNonlinearity;
  protected readonly step: RecurrentStep;

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super(inputSize, hiddenSize, 1, options, [...CELL_OPTIONS, 'nonlinearity']);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    // PyTorch raises this at the first forward; here, where the mistake is made.
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new Error(`Unknown nonlinearity: ${nonlinearity}`);
    this.nonlinearity = nonlinearity;
    this.step = rnnStep(nonlinearity);
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.run(input, hx === null ? null : [hx], 1)[0];
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'tanh' ? '' : `, nonlinearity=${this.nonlinearity}`);
  }
}

/** torch.nn.LSTMCell: returns [h', c']; hx is [h, c] (zeros when absent). */
export class LSTMCell extends RNNCellBase {
  protected readonly step = lstmStep;

  constructor(inputSize: number, hiddenSize: number, options: Omit<RNNCellOptions, 'nonlinearity'> = {}) {
    super(inputSize, hiddenSize, 4, options, CELL_OPTIONS);
  }

  override forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const [h, c] = this.run(input, hx, 2);
    return [h, c];
  }
}

/** torch.nn.GRUCell. */
export class GRUCell extends RNNCellBase {
  protected readonly step = gruStep;

  constructor(inputSize: number, hiddenSize: number, options: Omit<RNNCellOptions, 'nonlinearity'> = {}) {
    super(inputSize, hiddenSize, 3, options, CELL_OPTIONS);
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.run(input, hx === null ? null : [hx], 1)[0];
  }
}
