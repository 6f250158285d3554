/**
 * dtype conversion (Tensor.to(dtype), .float(), .int(), .long()): a copy in the new dtype,
 * or the tensor itself when it already has it, as PyTorch's `to` does. float to int truncates
 * toward zero; NaN and infinities become 0 here (PyTorch leaves them undefined). The
 * gradient flows only from float to float, so only identity conversions are differentiable.
 */
import { Tensor, DType } from '../tensor';
import { fail } from './util';

const DTYPES: readonly DType[] = ['float32', 'int32'];

/** PyTorch's spellings accepted by to(): 'float32'/'float', 'int32'/'int'. int64 maps to int32 here. */
const ALIASES: Record<string, DType> = {
  float32: 'float32', float: 'float32', 'torch.float32': 'float32', 'torch.float': 'float32',
  int32: 'int32', int: 'int32', 'torch.int32': 'int32', 'torch.int': 'int32',
};

export function parseDType(op: string, dtype: unknown): DType {
  if (typeof dtype === 'string' && Object.prototype.hasOwnProperty.call(ALIASES, dtype)) return ALIASES[dtype];
  fail(op, `unsupported dtype ${JSON.stringify(dtype)} (this library has ${DTYPES.join(' and ')})`);
}

/** A copy of input in dtype, or input itself when it already has that dtype. */
export function to(input: Tensor, dtype: DType | string): Tensor {
  if (!(input instanceof Tensor)) fail('to', `input must be a Tensor, got ${typeof input}`);
  const target = parseDType('to', dtype);
  if (target === input.dtype) return input;
  const src = input._dense();
  const out = target === 'int32' ? Int32Array.from(src, (v) => (Number.isFinite(v) ? Math.trunc(v) : 0)) : Float32Array.from(src);
  return new Tensor(out, [...input.shape]);
}
