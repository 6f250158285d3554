/** torch.nn.AdaptiveAvgPool2d, AdaptiveMaxPool2d and AvgPool2d; MaxPool2d is in layers.ts. */
import { Tensor } from '../tensor';
import { adaptiveAvgPool2d, adaptiveMaxPool2d } from '../ops/adaptive-pool';
import type { AdaptiveSize } from '../ops/adaptive-pool';
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
