/** torch.nn.AdaptiveAvgPool2d, AdaptiveMaxPool2d and AvgPool2d; MaxPool2d is in layers.ts. */
import { Tensor } from '../tensor';
import { adaptiveAvgPool2d, adaptiveMaxPool2d } from '../ops/adaptive-pool';
import type { AdaptiveSize } from '../ops/adaptive-pool';
import { avgPool2d, checkAvgPool2dOptions } from '../ops/avg-pool';
import type { AvgPool2dOptions } from '../ops/avg-pool';
import type { Pair } from '../ops/conv';
import { checkOptions } from '../options';
import { Module } from './module';

const showSize = (s: AdaptiveSize | readonly (number | null)[]): string =>
  (Array.isArray(s) ? `(${s.map((v) => (v === null ? 'null' : v)).join(', ')})` : `${s}`);

/** torch.nn.AdaptiveAvgPool2d(outputSize): an int, a pair, or null entries keeping the input's size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${showSize(this.outputSize)}`;
  }
}

/**
 * torch.nn.AdaptiveMaxPool2d(outputSize, returnIndices = false), or
 * `new AdaptiveMaxPool2d(3, { returnIndices: true })`; with returnIndices forward returns
 * [output, indices].
 */
export class AdaptiveMaxPool2d<R extends boolean = false> extends Module {
  readonly returnIndices: R;

  constructor(readonly outputSize: AdaptiveSize, returnIndices?: R | { returnIndices?: R }) {
    super();
    if (returnIndices !== null && typeof returnIndices === 'object') {
      checkOptions('AdaptiveMaxPool2d', returnIndices, ['returnIndices']);
      returnIndices = returnIndices.returnIndices;
    }
    this.returnIndices = (returnIndices ?? false) as R;
    if (typeof this.returnIndices !== 'boolean') {
      throw new TypeError(`AdaptiveMaxPool2d: returnIndices must be a boolean, got ${JSON.stringify(this.returnIndices)}`);
    }
  }

  override forward(input: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    return adaptiveMaxPool2d(input, this.outputSize, this.returnIndices) as R extends true ? [Tensor, Tensor] : Tensor;
  }

  override extraRepr(): string {
    return `outputSize=${showSize(this.outputSize)}`;
  }
}

/**
 * torch.nn.AvgPool2d(kernelSize, stride = kernelSize, padding = 0, ceilMode = false,
 * countIncludePad = true, divisorOverride = null), positionally in PyTorch's order or as
 * `new AvgPool2d(3, { stride: 2, countIncludePad: false })`.
 */
export class AvgPool2d extends Module {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: Pair, options: AvgPool2dOptions);
  constructor(kernelSize: Pair, stride?: Pair | null, padding?: Pair, ceilMode?: boolean, countIncludePad?: boolean,
    divisorOverride?: number | null);
  constructor(readonly kernelSize: Pair, stride?: Pair | null | AvgPool2dOptions, padding: Pair = 0, ceilMode = false,
    countIncludePad = true, divisorOverride: number | null = null) {
    super();
    let o: AvgPool2dOptions;
    if (stride !== null && typeof stride === 'object' && !Array.isArray(stride)) {
      if (arguments.length > 2) throw new Error('AvgPool2d: give the options either as one object or positionally, not both');
      checkAvgPool2dOptions('AvgPool2d', stride);
      o = stride as AvgPool2dOptions;
    } else {
      o = { stride: stride as Pair | null | undefined, padding, ceilMode, countIncludePad, divisorOverride };
    }
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
    this.divisorOverride = o.divisorOverride ?? null;
    if (typeof this.ceilMode !== 'boolean') throw new TypeError(`AvgPool2d: ceilMode must be a boolean, got ${this.ceilMode}`);
  }

  override forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    const show = (p: Pair): string => (typeof p === 'number' ? `${p}` : `(${p.join(', ')})`);
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}
