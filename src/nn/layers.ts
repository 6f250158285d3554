/** The layers of the seed's network: Conv2d, Linear, MaxPool2d, ReLU, Flatten. */
import { Tensor } from '../tensor';
import { allocFloat32 } from '../storage';
import { Generator } from '../random';
import { conv2d, linear, maxPool2d, relu, flatten, sigmoid, tanh } from '../ops';
import type { Pair } from '../ops';
import { Module } from './module';
import { Parameter } from './parameter';
import { defaultInit_ } from './init';

function pair(op: string, name: string, v: Pair): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 0)) throw new Error(`${op}: ${name} must be a non-negative integer or a pair, got ${JSON.stringify(v)}`);
  return p;
}

function emptyParameter(shape: number[]): Parameter {
  return new Parameter(new Tensor(allocFloat32(shape.reduce((p, d) => p * d, 1), true), shape));
}

export interface Conv2dModuleOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** Draws the initial weights from this generator instead of the default one. */
  generator?: Generator;
}

/** torch.nn.Conv2d. weight [out, in/groups, kH, kW], bias [out]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dModuleOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new Error(`Conv2d: groups must be a positive integer, got ${groups}`);
    if (inChannels % groups !== 0) throw new Error(`Conv2d: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new Error(`Conv2d: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize);
    this.stride = pair('Conv2d', 'stride', options.stride ?? 1);
    this.padding = pair('Conv2d', 'padding', options.padding ?? 0);
    this.dilation = pair('Conv2d', 'dilation', options.dilation ?? 1);
    this.groups = groups;
    this.weight = emptyParameter([outChannels, inChannels / groups, ...this.kernelSize]);
    this.bias = options.bias ?? true ? emptyParameter([outChannels]) : null;
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    defaultInit_(this.weight, this.bias, generator);
  }

  override forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups,
    });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=(${this.kernelSize.join(', ')}), stride=(${this.stride.join(', ')})`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=(${this.padding.join(', ')})`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=(${this.dilation.join(', ')})`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    return s;
  }
}

/** torch.nn.Linear: y = x W^T + b, weight [out, in], bias [out]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean; generator?: Generator } = {}) {
    super();
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

/** torch.nn.MaxPool2d(kernelSize, stride = kernelSize, padding = 0). */
export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;

  constructor(kernelSize: Pair, stride?: Pair | null | { stride?: Pair | null; padding?: Pair }, padding: Pair = 0) {
    super();
    if (stride !== null && typeof stride === 'object' && !Array.isArray(stride)) {
      const o = stride as { stride?: Pair | null; padding?: Pair };
      this.kernelSize = kernelSize;
      this.stride = o.stride ?? kernelSize;
      this.padding = o.padding ?? 0;
    } else {
      this.kernelSize = kernelSize;
      this.stride = (stride as Pair | null | undefined) ?? kernelSize;
      this.padding = padding;
    }
  }

  override forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, { stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride)}, padding=${JSON.stringify(this.padding)}`;
  }
}

/** torch.nn.ReLU. */
export class ReLU extends Module {
  override forward(input: Tensor): Tensor {
    return relu(input);
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
