/** torch.nn.Dropout: F.dropout in training mode, the identity after eval(). */
import { Tensor } from '../tensor';
import { dropout, checkDropoutProbability } from '../ops/dropout';
import { Module } from './module';

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkDropoutProbability('Dropout', p);
  }

  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
