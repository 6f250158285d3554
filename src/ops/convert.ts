/**
 * dtype conversion (Tensor.to(dtype), .float(), .int(), .long(), .bool()): a copy in the new
 * dtype, or the tensor itself when it already has it, as PyTorch's `to` does. float to int
 * truncates toward zero; NaN and infinities become 0 here (PyTorch leaves them undefined).
 * To bool, every non-zero value (NaN too) is true, as in PyTorch. The gradient flows only
 * from float to float, so only identity conversions are differentiable.
 */
import { Tensor, DType } from '../tensor';
import { TensorData, allocData } from '../storage';
import { fail } from './util';

const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/**
 * PyTorch's spellings accepted by to(): 'float32'/'float', 'int32'/'int', 'bool'. int64 maps
 * to int32 here.
 */
const ALIASES: Record<string, DType> = {
  float32: 'float32', float: 'float32', 'torch.float32': 'float32', 'torch.float': 'float32',
  int32: 'int32', int: 'int32', 'torch.int32': 'int32', 'torch.int': 'int32',
  bool: 'bool', 'torch.bool': 'bool',
};

export function parseDType(op: string, dtype: unknown): DType {
  if (typeof dtype === 'string' && Object.prototype.hasOwnProperty.call(ALIASES, dtype)) return ALIASES[dtype];
  fail(op, `unsupported dtype ${JSON.stringify(dtype)} (this library has ${DTYPES.join(', ')})`);
}

/** `values` converted element by element into a new array of `dtype`. */
export function convertData(values: ArrayLike<number>, dtype: DType): TensorData {
  const n = values.length;
  const out = allocData(dtype, n);
  if (dtype === 'float32') (out as Float32Array).set(values);
  else if (dtype === 'int32') for (let i = 0; i < n; i++) out[i] = Number.isFinite(values[i]) ? Math.trunc(values[i]) : 0;
  else for (let i = 0; i < n; i++) out[i] = values[i] !== 0 ? 1 : 0;
  return out;
}

/** A copy of input in dtype, or input itself when it already has that dtype. */
export function to(input: Tensor, dtype: DType | string): Tensor {
  if (!(input instanceof Tensor)) fail('to', `input must be a Tensor, got ${typeof input}`);
  const target = parseDType('to', dtype);
  if (target === input.dtype) return input;
  return new Tensor(convertData(input._dense(), target), [...input.shape]);
}
