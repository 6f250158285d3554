/** The layers of the seed's network: Conv2d, Linear, MaxPool2d, ReLU, Flatten. */
import { Tensor } from '../tensor';
import { allocFloat32 } from '../storage';
import { Generator } from '../random';
import { conv2d, linear, maxPool2d, relu, flatten, sigmoid, tanh } from '../ops';
import { unflatten } from '../ops/shape';
import { pad } from '../ops/pad';
import { checkMaxPool2dOptions } from '../ops/pool';
import type { Pair } from '../ops';
import type { MaxPool2dOptions } from '../ops';
import { CONV2D_OPTIONS, isOptionsObject } from '../functional';
import { checkOptions, describeValue, optionNames } from '../options';
import { Module } from './module';
import { Parameter } from './parameter';
import { defaultInit_ } from './init';

function pair(op: string, name: string, v: Pair): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 0)) throw new Error(`${op}: ${name} must be a non-negative integer or a pair, got ${JSON.stringify(v)}`);
  return p;
}

/** An uninitialised parameter, refusing a bad size with torch.empty's errors. */
function emptyParameter(shape: number[]): Parameter {
  shape.forEach((d, i) => {
    if (!Number.isInteger(d)) {
      const type = typeof d === 'number' ? 'float' : typeof d === 'string' ? 'str' : typeof d;
      throw new TypeError(`empty(): argument 'size' must be tuple of ints, but found element of type ${type} at pos ${i + 1}`);
    }
  });
  const negative = shape.find((d) => d < 0);
  if (negative !== undefined) throw new Error(`Trying to create tensor with negative dimension ${negative}: [${shape.join(', ')}]`);
  return new Parameter(new Tensor(allocFloat32(shape.reduce((p, d) => p * d, 1), true), shape));
}

/** Module options of PyTorch's that choose a device or dtype: there is one of each here. */
export const DEVICE_DTYPE_UNSUPPORTED = {
  device: 'tensors live on the CPU (or in the wasm backend), chosen with setBackend',
  dtype: 'parameters are float32',
};

export type Conv2dPaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
const PADDING_MODES: readonly string[] = ['zeros', 'reflect', 'replicate', 'circular'];

export interface Conv2dModuleOptions {
  stride?: Pair;
  /** Per side, or 'valid' (none) or 'same' (output size = input size; stride 1 only). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** How the padding is filled: zeros (default), or F.pad's 'reflect', 'replicate' or 'circular'. */
  paddingMode?: Conv2dPaddingMode;
  /** Draws the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

const CONV2D_MODULE_OPTIONS = optionNames<Conv2dModuleOptions>({
  stride: true, padding: true, dilation: true, groups: true, bias: true, paddingMode: true, generator: true,
});

/** torch.nn.Conv2d. weight [out, in/groups, kH, kW], bias [out]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: Conv2dPaddingMode;
  /** F.pad's list for a non-zeros paddingMode: (left, right, top, bottom), as PyTorch's _reversed_padding_repeated_twice. */
  private readonly padList: number[];
  weight: Parameter;
  bias: Parameter | null;

  /**
   * `new nn.Conv2d(1, 32, 3, { stride: 1 })`, or PyTorch's positional stride and padding:
   * `new nn.Conv2d(1, 32, 3, 1)`, `new nn.Conv2d(3, 16, 3, 1, 1, { bias: false })`.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options?: Conv2dModuleOptions);
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, stride: Pair,
    padding?: Conv2dModuleOptions['padding'], options?: Conv2dModuleOptions);
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, optionsOrStride: Conv2dModuleOptions | Pair = {},
    positionalPadding?: Conv2dModuleOptions['padding'], more: Conv2dModuleOptions = {}) {
    super();
    const positional = typeof optionsOrStride === 'number' || Array.isArray(optionsOrStride);
    if (positional && ('stride' in more || (positionalPadding !== undefined && 'padding' in more))) {
      throw new TypeError('Conv2d: stride or padding given both positionally and in the options');
    }
    const options: Conv2dModuleOptions = positional
      ? { ...more, stride: optionsOrStride as Pair, ...(positionalPadding !== undefined ? { padding: positionalPadding } : {}) }
      : optionsOrStride as Conv2dModuleOptions;
    checkOptions('Conv2d', options, CONV2D_MODULE_OPTIONS, DEVICE_DTYPE_UNSUPPORTED);
    const paddingMode = options.paddingMode ?? 'zeros';
    if (!PADDING_MODES.includes(paddingMode)) {
      throw new Error(`Conv2d: padding_mode must be one of {${PADDING_MODES.map((m) => `'${m}'`).join(', ')}}, ` +
        `but got padding_mode='${paddingMode}'`);
    }
    this.paddingMode = paddingMode;
    checkBias('Conv2d', options.bias);
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new Error(`Conv2d: groups must be a positive integer, got ${groups}`);
    if (inChannels % groups !== 0) throw new Error(`Conv2d: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new Error(`Conv2d: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize);
    this.stride = pair('Conv2d', 'stride', options.stride ?? 1);
    this.dilation = pair('Conv2d', 'dilation', options.dilation ?? 1);
    const padding = options.padding ?? 0;
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') {
        throw new Error(`Conv2d: Invalid padding string '${padding}', should be one of {'same', 'valid'}`);
      }
      if (padding === 'same' && this.stride.some((s) => s !== 1)) {
        throw new Error("Conv2d: padding='same' is not supported for strided convolutions");
      }
      this.padding = padding;
      const total = this.kernelSize.map((k, i) => this.dilation[i] * (k - 1));
      const left = total.map((t) => (padding === 'same' ? Math.floor(t / 2) : 0));
      const right = total.map((t, i) => (padding === 'same' ? t - left[i] : 0));
      this.padList = [left[1], right[1], left[0], right[0]];
    } else {
      this.padding = pair('Conv2d', 'padding', padding);
      this.padList = [this.padding[1], this.padding[1], this.padding[0], this.padding[0]];
    }
    this.groups = groups;
    this.weight = emptyParameter([outChannels, inChannels / groups, ...this.kernelSize]);
    this.bias = options.bias ?? true ? emptyParameter([outChannels]) : null;
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    defaultInit_(this.weight, this.bias, generator);
  }

  override forward(input: Tensor): Tensor {
    const options = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode !== 'zeros') {
      return conv2d(pad(input, this.padList, this.paddingMode), this.weight, this.bias, { ...options, padding: 0 });
    }
    return conv2d(input, this.weight, this.bias, { ...options, padding: this.padding });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=(${this.kernelSize.join(', ')}), stride=(${this.stride.join(', ')})`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=(${this.padding.join(', ')})`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=(${this.dilation.join(', ')})`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    if (this.paddingMode !== 'zeros') s += `, paddingMode=${this.paddingMode}`;
    return s;
  }
}

/** `bias` is a boolean switch, as in PyTorch (a tensor there would be a mistake for F.linear's bias). */
function checkBias(where: string, bias: unknown): void {
  if (bias !== undefined && typeof bias !== 'boolean') throw new TypeError(`${where}: bias must be a boolean, got ${describeValue(bias)}`);
}

export interface LinearOptions {
  bias?: boolean;
  /** Draws the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

const LINEAR_OPTIONS = optionNames<LinearOptions>({ bias: true, generator: true });

/** torch.nn.Linear: y = x W^T + b, weight [out, in], bias [out]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions('Linear', options, LINEAR_OPTIONS, DEVICE_DTYPE_UNSUPPORTED);
    checkBias('Linear', options.bias);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = emptyParameter([outFeatures, inFeatures]);
    this.bias = options.bias ?? true ? emptyParameter([outFeatures]) : null;
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    defaultInit_(this.weight, this.bias, generator);
  }

  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** MaxPool2d's options as an object (PyTorch's keyword arguments). */
export interface MaxPool2dModuleOptions<R extends boolean = boolean> {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  returnIndices?: R;
  ceilMode?: boolean;
}

/**
 * torch.nn.MaxPool2d(kernelSize, stride = kernelSize, padding = 0, dilation = 1,
 * returnIndices = false, ceilMode = false), positionally in PyTorch's order or as
 * `new MaxPool2d(3, { stride: 2, ceilMode: true })`. With returnIndices, forward returns
 * [output, indices].
 */
export class MaxPool2d<R extends boolean = false> extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly returnIndices: R;
  readonly ceilMode: boolean;

  constructor(kernelSize: Pair, options: MaxPool2dModuleOptions<R>);
  constructor(kernelSize: Pair, stride?: Pair | null, padding?: Pair, dilation?: Pair, returnIndices?: R,
    ceilMode?: boolean);
  constructor(kernelSize: Pair, stride?: Pair | null | MaxPool2dModuleOptions<R>, padding: Pair = 0, dilation: Pair = 1,
    returnIndices?: R, ceilMode = false) {
    super();
    let o: MaxPool2dModuleOptions<R>;
    if (stride !== null && typeof stride === 'object' && !Array.isArray(stride)) {
      if (arguments.length > 2) throw new Error('MaxPool2d: give the options either as one object or positionally, not both');
      checkMaxPool2dOptions('MaxPool2d', stride);
      o = stride as MaxPool2dModuleOptions<R>;
    } else {
      o = { stride: stride as Pair | null | undefined, padding, dilation, returnIndices, ceilMode };
    }
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.returnIndices = (o.returnIndices ?? false) as R;
    this.ceilMode = o.ceilMode ?? false;
    if (typeof this.returnIndices !== 'boolean') throw new Error(`MaxPool2d: returnIndices must be a boolean, got ${this.returnIndices}`);
    if (typeof this.ceilMode !== 'boolean') throw new Error(`MaxPool2d: ceilMode must be a boolean, got ${this.ceilMode}`);
  }

  override forward(input: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    const result = maxPool2d(input, this.kernelSize, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode,
      returnIndices: this.returnIndices,
    });
    return result as R extends true ? [Tensor, Tensor] : Tensor;
  }

  override extraRepr(): string {
    const show = (p: Pair): string => (typeof p === 'number' ? `${p}` : `(${p.join(', ')})`);
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, ` +
      `dilation=${show(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

/** torch.nn.ReLU(inplace = false); in place it is relu_, as DCGAN's nn.ReLU(True). */
export class ReLU extends Module {
  constructor(readonly inplace = false) {
    super();
    if (typeof inplace !== 'boolean') throw new TypeError(`ReLU: inplace must be a boolean, got ${typeof inplace}`);
  }

  override forward(input: Tensor): Tensor {
    return this.inplace ? input.relu_() : relu(input);
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** torch.nn.Flatten(startDim = 1, endDim = -1). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return flatten(input, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** torch.nn.Identity. */
export class Identity extends Module {
  override forward(input: Tensor): Tensor {
    return input;
  }
}

/** torch.nn.Sigmoid. */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

/** torch.nn.Tanh. */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/** torch.nn.Unflatten(dim, unflattenedSize): dim `dim` split into unflattenedSize (one entry may be -1). */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];

  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError('Unflatten: invalid argument type for dim parameter');
    if (!Array.isArray(unflattenedSize)) {
      throw new TypeError(`Unflatten: unflattened_size must be a tuple of ints, but found type ${describeValue(unflattenedSize)}`);
    }
    unflattenedSize.forEach((s, i) => {
      if (!Number.isInteger(s)) {
        throw new TypeError(`Unflatten: unflattened_size must be tuple of ints, but found element of type ${describeValue(s)} at pos ${i}`);
      }
    });
    this.unflattenedSize = [...unflattenedSize];
  }

  override forward(input: Tensor): Tensor {
    return unflatten(input, this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=(${this.unflattenedSize.join(', ')})`;
  }
}
