/** torch.nn.AdaptiveAvgPool2d(output_size). */
import { Tensor } from '../tensor';
import { Module } from './module';
import { adaptiveAvgPool2d, OutputSize } from '../ops/adaptive-pool';

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: OutputSize) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    const s = this.outputSize;
    return `outputSize=${typeof s === 'number' ? s : `(${s.map((v) => (v === null ? 'None' : v)).join(', ')})`}`;
  }
}
