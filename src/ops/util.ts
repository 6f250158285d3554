/** Small checks shared by the ops: every error names the op and the shapes involved. */
import { Tensor, shapeString } from '../tensor';

export function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

/** Throws, naming the op and the argument, unless `t` is a float32 Tensor. */
export function checkFloat(t: Tensor, op: string, name: string): void {
  if (!(t instanceof Tensor)) fail(op, `${name} must be a Tensor, got ${typeof t}`);
  if (t.dtype !== 'float32') fail(op, `${name} must be float32, got ${t.dtype} of shape ${shapeString(t.shape)}`);
}

/** The float32 data of `t` (dense; a copy when `t` is not contiguous), after `checkFloat`. */
export function floatData(t: Tensor, op: string, name: string): Float32Array {
  checkFloat(t, op, name);
  return t._dense() as Float32Array;
}

export { shapeString };
