/** torch.nn.ConvTranspose2d: weight [in, out / groups, kH, kW], bias [out]; forward takes an optional outputSize. */
import { Tensor } from '../tensor';
import { allocFloat32 } from '../storage';
import { Generator } from '../random';
import { convTranspose2d } from '../ops/conv-transpose';
import type { Pair } from '../ops/conv';
import { checkOptions, describeValue, optionNames } from '../options';
import { Module } from './module';
import { Parameter } from './parameter';
import { defaultInit_ } from './init';

export interface ConvTranspose2dModuleOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  bias?: boolean;
  dilation?: Pair;
  /** Only 'zeros', as in PyTorch. */
  paddingMode?: 'zeros';
  /** Draws the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

const OPTIONS = optionNames<ConvTranspose2dModuleOptions>({
  stride: true, padding: true, outputPadding: true, groups: true, bias: true, dilation: true, paddingMode: true, generator: true,
});

function pairOf(name: string, v: Pair): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x))) throw new TypeError(`ConvTranspose2d: ${name} must be an integer or a pair, got ${JSON.stringify(v)}`);
  return p;
}

export class ConvTranspose2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, options: ConvTranspose2dModuleOptions = {}) {
    super();
    checkOptions('ConvTranspose2d', options, OPTIONS, {
      device: 'tensors live on the CPU (or in the wasm backend), chosen with setBackend', dtype: 'parameters are float32',
    });
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0) throw new Error('ConvTranspose2d: groups must be a positive integer');
    if (inChannels % groups !== 0) throw new Error('ConvTranspose2d: in_channels must be divisible by groups');
    if (outChannels % groups !== 0) throw new Error('ConvTranspose2d: out_channels must be divisible by groups');
    if (typeof options.padding === 'string') {
      throw new TypeError(`ConvTranspose2d: padding must be an integer or a pair, got ${JSON.stringify(options.padding)}`);
    }
    if ((options.paddingMode ?? 'zeros') !== 'zeros') {
      throw new Error('ConvTranspose2d: Only "zeros" padding mode is supported for ConvTranspose2d');
    }
    if (options.bias !== undefined && typeof options.bias !== 'boolean') {
      throw new TypeError(`ConvTranspose2d: bias must be a boolean, got ${describeValue(options.bias)}`);
    }
    this.kernelSize = pairOf('kernelSize', kernelSize);
    this.stride = pairOf('stride', options.stride ?? 1);
    this.padding = pairOf('padding', options.padding ?? 0);
    this.outputPadding = pairOf('outputPadding', options.outputPadding ?? 0);
    this.dilation = pairOf('dilation', options.dilation ?? 1);
    this.groups = groups;
    const wShape = [inChannels, outChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(new Tensor(allocFloat32(wShape.reduce((p, d) => p * d, 1), true), wShape));
    this.bias = options.bias ?? true ? new Parameter(new Tensor(allocFloat32(outChannels, true), [outChannels])) : null;
    this.resetParameters(options.generator);
  }

  /** PyTorch's: kaiming_uniform(a = sqrt(5)) with fan_in from weight dim 1 (out / groups * kH * kW), bias U(+-1/sqrt(fan_in)). */
  resetParameters(generator?: Generator): void {
    defaultInit_(this.weight, this.bias, generator);
  }

  /**
   * outputSize ([H, W], or with the leading [N, C] / [C]) picks the output padding, as
   * PyTorch's _output_padding; otherwise the module's outputPadding.
   */
  override forward(input: Tensor, outputSize?: readonly number[] | null): Tensor {
    return convTranspose2d(input, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPaddingFor(input, outputSize ?? null),
      groups: this.groups, dilation: this.dilation,
    });
  }

  private outputPaddingFor(input: Tensor, outputSize: readonly number[] | null): [number, number] {
    if (outputSize === null) return this.outputPadding;
    if (!Array.isArray(outputSize) || !outputSize.every(Number.isInteger)) {
      throw new TypeError(`ConvTranspose2d: outputSize must be an array of integers, got ${JSON.stringify(outputSize)}`);
    }
    const ndim = input.shape.length;
    const nonSpatial = ndim === 4 ? 2 : 1;
    const size = outputSize.length === nonSpatial + 2 ? outputSize.slice(nonSpatial) : outputSize;
    if (size.length !== 2) {
      throw new Error(`ConvTranspose2d: ConvTranspose2D: for ${ndim}D input, output_size must have 2 or ${nonSpatial + 2} ` +
        `elements (got ${size.length})`);
    }
    const min = [0, 1].map((d) => (input.shape[d + nonSpatial] - 1) * this.stride[d] - 2 * this.padding[d] +
      this.dilation[d] * (this.kernelSize[d] - 1) + 1);
    const max = min.map((m, d) => m + this.stride[d] - 1);
    if (size.some((s, d) => s < min[d] || s > max[d])) {
      throw new Error(`ConvTranspose2d: requested an output size of [${size.join(', ')}], but valid sizes range from ` +
        `[${min.join(', ')}] to [${max.join(', ')}] (for an input of torch.Size([${input.shape.slice(2).join(', ')}]))`);
    }
    return [size[0] - min[0], size[1] - min[1]];
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=(${this.kernelSize.join(', ')}), stride=(${this.stride.join(', ')})`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=(${this.padding.join(', ')})`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=(${this.dilation.join(', ')})`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, outputPadding=(${this.outputPadding.join(', ')})`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    return s;
  }
}
