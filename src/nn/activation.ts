/**
 * Activation modules (torch.nn.LeakyReLU, ELU, GELU, SiLU, Softmax, LogSoftmax); ReLU,
 * Sigmoid, Tanh and Identity are in layers.ts. LeakyReLU takes `inplace` (leaky_relu_, as DCGAN
 * uses it); the others refuse `inplace: true`: these ops return a new tensor.
 */
import { Tensor } from '../tensor';
import { leakyRelu, leakyRelu_, elu, gelu, silu, softmax, logSoftmax } from '../ops';
import type { GeluOptions } from '../ops';
import { GELU_OPTIONS } from '../functional';
import { checkOptions } from '../options';
import { Module } from './module';

const INPLACE = { inplace: 'the activation returns a new tensor' };

function checkInplace(where: string, inplace: boolean | undefined): void {
  if (inplace === true) throw new Error(`${where}: inplace=true is not supported (${INPLACE.inplace})`);
}

/** torch.nn.LeakyReLU(negativeSlope = 0.01, inplace = false). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01, readonly inplace = false) {
    super();
    if (typeof negativeSlope !== 'number') throw new TypeError(`LeakyReLU: negativeSlope must be a number, got ${typeof negativeSlope}`);
    if (typeof inplace !== 'boolean') throw new TypeError(`LeakyReLU: inplace must be a boolean, got ${typeof inplace}`);
  }

  override forward(input: Tensor): Tensor {
    return this.inplace ? leakyRelu_(input, this.negativeSlope) : leakyRelu(input, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** torch.nn.ELU(alpha = 1). */
export class ELU extends Module {
  constructor(readonly alpha = 1, inplace?: boolean) {
    super();
    checkInplace('ELU', inplace);
    if (typeof alpha !== 'number') throw new TypeError(`ELU: alpha must be a number, got ${typeof alpha}`);
  }

  override forward(input: Tensor): Tensor {
    return elu(input, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** torch.nn.GELU({ approximate: 'none' | 'tanh' }). */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: GeluOptions = {}) {
    super();
    checkOptions('GELU', options, GELU_OPTIONS);
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new Error('GELU: approximate argument must be either none or tanh.');
    }
  }

  override forward(input: Tensor): Tensor {
    return gelu(input, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** torch.nn.SiLU: x * sigmoid(x). */
export class SiLU extends Module {
  constructor(inplace?: boolean) {
    super();
    checkInplace('SiLU', inplace);
  }

  override forward(input: Tensor): Tensor {
    return silu(input);
  }
}

/** PyTorch's legacy choice when no dim is given: 0 for 0-, 1- and 3-d inputs, else 1. */
function implicitDim(input: Tensor): number {
  return [0, 1, 3].includes(input.shape.length) ? 0 : 1;
}

/** torch.nn.Softmax(dim). */
export class Softmax extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return softmax(input, this.dim ?? implicitDim(input));
  }

  override extraRepr(): string {
    return `dim=${this.dim === null ? 'None' : this.dim}`;
  }
}

/** torch.nn.LogSoftmax(dim). */
export class LogSoftmax extends Module {
  constructor(readonly dim: number | null = null) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim ?? implicitDim(input));
  }

  override extraRepr(): string {
    return `dim=${this.dim === null ? 'None' : this.dim}`;
  }
}
