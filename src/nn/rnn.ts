/**
 * torch.nn.RNN, LSTM and GRU (PyTorch 1.13's RNNBase): numLayers stacked recurrences, each
 * optionally bidirectional, with dropout between layers in training mode, over input
 * [T, B, in] ([B, T, in] with batchFirst, or unbatched [T, in]).
 *
 * Parameters carry PyTorch's names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, and
 * _reverse for the backward direction), registered and initialised in PyTorch's order, so that
 * a PyTorch state dict loads as it is and manualSeed gives PyTorch's initial weights.
 *
 * The forward runs the steps of rnn-cell.ts over the sequence, as PyTorch's CPU path does: each
 * layer and direction computes x W_ih^T + b_ih for every time step in one matmul, then steps
 * through time; the backward direction walks the sequence from its end and its outputs are put
 * back in time order; the directions' outputs are concatenated on the feature dimension.
 */
import { Tensor } from '../tensor';
import { Generator } from '../random';
import { linear, stack, cat, dropout } from '../ops';
import { warnOnce } from '../ops/dropout';
import { zeros } from '../creation';
import { checkOptions, describeValue, optionNames } from '../options';
import { Module } from './module';
import { Parameter } from './parameter';
import { DEVICE_DTYPE_UNSUPPORTED } from './layers';
import { pythonFloat } from './batchnorm';
import {
  RecurrentState, RecurrentStep, RnnNonlinearity, rnnStep, lstmStep, gruStep, uninitializedParameter,
  resetRecurrentParameters, checkSize, checkBoolean,
} from './rnn-cell';

export interface RNNBaseOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Whether the layers have bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** A second, backward-running recurrence per layer (default false). */
  bidirectional?: boolean;
  /** Draws the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

export interface RNNOptions extends RNNBaseOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: RnnNonlinearity;
}

export interface LSTMOptions extends RNNBaseOptions {
  /** LSTM projections; only 0 (none) is supported. */
  projSize?: number;
}

/** PyTorch's keyword form, `nn.LSTM({ inputSize: 28, hiddenSize: 64, batchFirst: true })`. */
export type Sized<O> = O & { inputSize: number; hiddenSize: number };

const BASE_OPTIONS = optionNames<RNNBaseOptions>({
  numLayers: true, bias: true, batchFirst: true, dropout: true, bidirectional: true, generator: true,
});

type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/**
 * The constructor's arguments in each of PyTorch's forms: (inputSize, hiddenSize, options),
 * (inputSize, hiddenSize, numLayers, options) or ({ inputSize, hiddenSize, ...options }).
 */
function readArgs<O extends RNNBaseOptions>(where: string, args: unknown[]): { inputSize: number; hiddenSize: number; options: O } {
  if (args.length === 1 && args[0] !== null && typeof args[0] === 'object') {
    const { inputSize, hiddenSize, ...options } = args[0] as Sized<O>;
    return { inputSize, hiddenSize, options: options as unknown as O };
  }
  const [inputSize, hiddenSize, third, fourth] = args as [number, number, unknown, unknown];
  if (typeof third === 'number') {
    if (fourth !== undefined && fourth !== null && typeof fourth === 'object' && 'numLayers' in fourth) {
      throw new TypeError(`${where}: numLayers given both positionally and in the options`);
    }
    return { inputSize, hiddenSize, options: { ...(fourth as O ?? {}), numLayers: third } as O };
  }
  if (args.length > 3) throw new TypeError(`${where}: expected (inputSize, hiddenSize, numLayers?, options?), got ${args.length} arguments`);
  return { inputSize, hiddenSize, options: (third ?? {}) as O };
}

/** The common part of RNN, LSTM and GRU (PyTorch's RNNBase). */
export abstract class RNNBase extends Module {
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize = 0;
  /** The parameter names, per layer and direction (PyTorch's _all_weights), in registration order. */
  private readonly allWeightNames: string[][] = [];
  protected abstract readonly step: RecurrentStep;

  constructor(mode: Mode, inputSize: number, hiddenSize: number, options: RNNBaseOptions, accepted: readonly string[]) {
    super();
    const where = this.constructor.name;
    checkOptions(where, options, accepted, DEVICE_DTYPE_UNSUPPORTED);
    checkSize(where, 'inputSize', inputSize, 0);
    checkSize(where, 'hiddenSize', hiddenSize, 0);
    checkSize(where, 'numLayers', options.numLayers ?? 1, 1);
    for (const name of ['bias', 'batchFirst', 'bidirectional'] as const) checkBoolean(where, name, options[name]);
    const p = options.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new Error('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = p;
    this.bidirectional = options.bidirectional ?? false;
    if (p > 0 && this.numLayers === 1) {
      warnOnce('dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers ' +
        `greater than 1, but got dropout=${pythonFloat(p)} and num_layers=${this.numLayers}`);
    }
    const gateSize = GATES[mode] * hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let direction = 0; direction < directions; direction++) {
        const layerInputSize = layer === 0 ? inputSize : hiddenSize * directions;
        const suffix = `l${layer}${direction === 1 ? '_reverse' : ''}`;
        const shapes: Array<[string, number[]]> = [[`weight_ih_${suffix}`, [gateSize, layerInputSize]], [`weight_hh_${suffix}`, [gateSize, hiddenSize]]];
        if (this.bias) shapes.push([`bias_ih_${suffix}`, [gateSize]], [`bias_hh_${suffix}`, [gateSize]]);
        for (const [name, shape] of shapes) this.registerParameter(name, uninitializedParameter(shape));
        this.allWeightNames.push(shapes.map(([name]) => name));
      }
    }
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    resetRecurrentParameters(this.parameters(), this.hiddenSize, generator);
  }

  /** PyTorch's all_weights: the parameters of each layer and direction, [w_ih, w_hh, b_ih?, b_hh?]. */
  get allWeights(): Parameter[][] {
    return this.allWeightNames.map((names) => names.map((name) => (this as unknown as Record<string, Parameter>)[name]));
  }

  /** The number of tensors in the state: 1, or 2 for LSTM. */
  protected abstract readonly stateSize: number;

  /**
   * PyTorch's RNNBase forward for a tensor input (unbatched input made batched and back, hx
   * checked, zeros when absent); hx holds the state tensors [numLayers * directions, B, hidden].
   */
  protected run(input: Tensor, hx: RecurrentState | null): { output: Tensor; state: RecurrentState } {
    if (!(input instanceof Tensor)) {
      throw new TypeError(`${this.constructor.name}: input must be a Tensor, got ${describeValue(input)} ` +
        '(PackedSequence inputs are not supported)');
    }
    const batched = input.shape.length === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    const x = batched ? input : input.unsqueeze(batchDim);
    const dims = hx?.map((h) => `${h.shape.length}-D`);
    const want = batched ? 3 : 2;
    if (hx !== null && hx.some((h) => h.shape.length !== want)) {
      const what = batched ? 'For batched 3-D input' : 'For unbatched 2-D input';
      throw new Error(this.stateSize === 1
        ? `${what}, hx should also be ${want}-D but got ${dims![0]} tensor`
        : `${what}, hx and cx should also be ${want}-D but got (${dims!.join(', ')}) tensors`);
    }
    const state = hx === null ? null : batched ? hx : hx.map((h) => h.unsqueeze(1));
    this.checkInput(x);
    const batch = x.shape[batchDim];
    const expected = [this.numLayers * (this.bidirectional ? 2 : 1), batch, this.hiddenSize];
    state?.forEach((h, i) => {
      if (h.shape.join(',') !== expected.join(',')) {
        throw new Error(`Expected hidden${this.stateSize === 1 ? '' : `[${i}]`} size (${expected.join(', ')}), got [${h.shape.join(', ')}]`);
      }
    });
    if (x.shape[1 - batchDim] === 0) throw new Error('Expected sequence length to be larger than 0 in RNN');
    const initial = state ?? Array.from({ length: this.stateSize }, () => zeros(...expected));
    const { output, final } = this.layers(this.batchFirst ? x.transpose(0, 1) : x, initial);
    const out = this.batchFirst ? output.transpose(0, 1) : output;
    return batched
      ? { output: out, state: final }
      : { output: out.squeeze(batchDim), state: final.map((h) => h.squeeze(1)) };
  }

  /** PyTorch's check_input for a tensor input. */
  private checkInput(x: Tensor): void {
    if (x.shape.length !== 3) throw new Error(`input must have 3 dimensions, got ${x.shape.length}`);
    const size = x.shape[2];
    if (size !== this.inputSize) throw new Error(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${size}`);
  }

  /** Every layer and direction over x [T, B, in] from the initial states; the last layer's output and the final states. */
  private layers(x: Tensor, initial: RecurrentState): { output: Tensor; final: RecurrentState } {
    const directions = this.bidirectional ? 2 : 1;
    const finals: RecurrentState[] = [];
    const weights = this.allWeights;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let direction = 0; direction < directions; direction++) {
        const index = layer * directions + direction;
        const [wIh, wHh, bIh = null, bHh = null] = weights[index];
        const gi = linear(x, wIh, bIh);
        const steps = x.shape[0];
        const hs: Tensor[] = new Array(steps);
        let state = initial.map((h) => h.select(0, index));
        for (let s = 0; s < steps; s++) {
          const t = direction === 0 ? s : steps - 1 - s;
          state = this.step(gi.select(0, t), state, wHh, bHh);
          hs[t] = state[0];
        }
        outputs.push(stack(hs, 0));
        finals.push(state);
      }
      x = directions === 1 ? outputs[0] : cat(outputs, 2);
      if (this.dropout !== 0 && this.training && layer < this.numLayers - 1) x = dropout(x, this.dropout, true);
    }
    const final = initial.map((_, i) => stack(finals.map((s) => s[i]), 0));
    return { output: x, final };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, numLayers=${this.numLayers}`;
    if (!this.bias) s += ', bias=false';
    if (this.batchFirst) s += ', batchFirst=true';
    if (this.dropout !== 0) s += `, dropout=${pythonFloat(this.dropout)}`;
    if (this.bidirectional) s += ', bidirectional=true';
    return s;
  }
}

/**
 * torch.nn.RNN: `new nn.RNN(10, 20, 2)` or `new nn.RNN(10, 20, { numLayers: 2, nonlinearity: 'relu' })`;
 * `rnn.call(input, h0?)` returns [output, hN].
 */
export class RNN extends RNNBase {
  readonly nonlinearity: RnnNonlinearity;
  protected readonly step: RecurrentStep;
  protected readonly stateSize = 1;

  constructor(options: Sized<RNNOptions>);
  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions);
  constructor(inputSize: number, hiddenSize: number, numLayers: number, options?: RNNOptions);
  constructor(...args: unknown[]) {
    const { inputSize, hiddenSize, options } = readArgs<RNNOptions>('RNN', args);
    const nonlinearity = options?.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new Error(`Unknown nonlinearity '${nonlinearity}'`);
    const { nonlinearity: _n, ...rest } = options ?? {};
    checkOptions('RNN', rest, BASE_OPTIONS, { ...DEVICE_DTYPE_UNSUPPORTED, projSize: 'proj_size argument is only supported for LSTM, not RNN or GRU' });
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, rest, BASE_OPTIONS);
    this.nonlinearity = nonlinearity;
    this.step = rnnStep(nonlinearity);
  }

  override forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const { output, state } = this.run(input, hx === null ? null : [hx]);
    return [output, state[0]];
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'tanh' ? '' : `, nonlinearity=${this.nonlinearity}`);
  }
}

/**
 * torch.nn.LSTM: `lstm.call(input, [h0, c0]?)` returns [output, [hN, cN]]. projSize > 0 is
 * refused (not implemented).
 */
export class LSTM extends RNNBase {
  protected readonly step = lstmStep;
  protected readonly stateSize = 2;

  constructor(options: Sized<LSTMOptions>);
  constructor(inputSize: number, hiddenSize: number, options?: LSTMOptions);
  constructor(inputSize: number, hiddenSize: number, numLayers: number, options?: LSTMOptions);
  constructor(...args: unknown[]) {
    const { inputSize, hiddenSize, options } = readArgs<LSTMOptions>('LSTM', args);
    const { projSize = 0, ...rest } = options ?? {};
    if (typeof projSize !== 'number' || !Number.isInteger(projSize) || projSize < 0) {
      throw new Error('proj_size should be a positive integer or zero to disable projections');
    }
    if (projSize > 0 && projSize >= hiddenSize) throw new Error('proj_size has to be smaller than hidden_size');
    if (projSize > 0) throw new Error(`LSTM: projSize=${projSize} (LSTM with projections) is not supported; use projSize 0`);
    super('LSTM', inputSize, hiddenSize, rest, BASE_OPTIONS);
  }

  override forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const { output, state } = this.run(input, hx);
    return [output, [state[0], state[1]]];
  }
}

/** torch.nn.GRU: `gru.call(input, h0?)` returns [output, hN]. */
export class GRU extends RNNBase {
  protected readonly step = gruStep;
  protected readonly stateSize = 1;

  constructor(options: Sized<RNNBaseOptions>);
  constructor(inputSize: number, hiddenSize: number, options?: RNNBaseOptions);
  constructor(inputSize: number, hiddenSize: number, numLayers: number, options?: RNNBaseOptions);
  constructor(...args: unknown[]) {
    const { inputSize, hiddenSize, options } = readArgs<RNNBaseOptions>('GRU', args);
    checkOptions('GRU', options, BASE_OPTIONS, { ...DEVICE_DTYPE_UNSUPPORTED, projSize: 'proj_size argument is only supported for LSTM, not RNN or GRU' });
    super('GRU', inputSize, hiddenSize, options, BASE_OPTIONS);
  }

  override forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const { output, state } = this.run(input, hx === null ? null : [hx]);
    return [output, state[0]];
  }
}
