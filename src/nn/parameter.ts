import { Tensor } from '../tensor';

/**
 * A tensor that a Module registers as one of its parameters (torch.nn.Parameter). It shares
 * the data of the tensor it wraps and requires grad unless told otherwise.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new TypeError('Parameter: expected a Tensor');
    super(data._dense(), data.shape, { requiresGrad });
  }

  /** As PyTorch prints a Parameter. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
