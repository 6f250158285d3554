/**
 * The flat float32 vector arithmetic of LBFGS. PyTorch does it with float32 tensors: a dot
 * product or a sum is a float32 scalar, so each result is rounded to float32 (`f32`) once;
 * the accumulation itself is in float64 here (PyTorch's BLAS accumulates in float32 lanes),
 * which differs from PyTorch by rounding only.
 */
export const f32 = Math.fround;

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return f32(s);
}

export function absMax(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i]);
    if (x > m || Number.isNaN(x)) m = x;
  }
  return m;
}

export function absSum(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return f32(s);
}

/** a += alpha * b in place (torch's `a.add_(b, alpha=alpha)`: alpha is cast to float32). */
export function addScaled(a: Float32Array, b: Float32Array, alpha: number): void {
  const s = f32(alpha);
  for (let i = 0; i < a.length; i++) a[i] += s * b[i];
}

/** alpha * a, a new vector (torch's `a.mul(alpha)`). */
export function scaled(a: Float32Array, alpha: number): Float32Array {
  const s = f32(alpha);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * s;
  return out;
}

/** a - b, a new vector. */
export function difference(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}
