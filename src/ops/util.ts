/** Small checks shared by the ops: every error names the op and the shapes involved. */
import { Tensor, shapeString } from '../tensor';

export function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

/** The float32 data of `t`, or an error naming the op and the argument. */
export function floatData(t: Tensor, op: string, name: string): Float32Array {
  if (!(t instanceof Tensor)) fail(op, `${name} must be a Tensor, got ${typeof t}`);
  if (t.dtype !== 'float32') fail(op, `${name} must be float32, got ${t.dtype} of shape ${shapeString(t.shape)}`);
  return t._dense() as Float32Array;
}

export { shapeString };
