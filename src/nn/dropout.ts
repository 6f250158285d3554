/** torch.nn.Dropout: F.dropout in training mode, the identity after eval(). */
import { Tensor } from '../tensor';
import { dropout, dropout2d, checkDropoutProbability } from '../ops/dropout';
import { checkOptions } from '../options';
import { Module } from './module';

export interface DropoutOptions {
  p?: number;
}

export class Dropout extends Module {
  readonly p: number;

  /** `new Dropout(0.2)` or, as PyTorch's keyword form, `new Dropout({ p: 0.2 })`. */
  constructor(p: number | DropoutOptions = 0.5) {
    super();
    if (p !== null && typeof p === 'object') {
      checkOptions('Dropout', p, ['p'], { inplace: 'dropout returns a new tensor' });
      p = p.p ?? 0.5;
    }
    checkDropoutProbability('Dropout', p);
    this.p = p;
  }

  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * torch.nn.Dropout2d: F.dropout2d (whole channels) in training mode, the identity after eval().
 * As torch 1.13, a 3-d input is taken as (N, C, L) with a warning.
 */
export class Dropout2d extends Module {
  readonly p: number;

  /** `new Dropout2d(0.2)` or `new Dropout2d({ p: 0.2 })`. */
  constructor(p: number | DropoutOptions = 0.5) {
    super();
    if (p !== null && typeof p === 'object') {
      checkOptions('Dropout2d', p, ['p'], { inplace: 'dropout returns a new tensor' });
      p = p.p ?? 0.5;
    }
    checkDropoutProbability('Dropout2d', p);
    this.p = p;
  }

  override forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
