/**
 * torch.from_numpy, for JS: a tensor over an existing typed array, sharing its memory (a change
 * to one shows in the other), the other half of Tensor.numpy().
 */
import { Tensor } from './tensor';
import type { TensorData } from './storage';

/** A tensor of `shape` (default: 1-d) over `data` itself, without a copy. */
export function fromNumpy(data: TensorData, shape: readonly number[] = [data.length]): Tensor {
  return new Tensor(data, shape);
}
