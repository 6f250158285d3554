/**
 * Loads the PyTorch fixtures written by scripts/gen-fixtures.py and scripts/gen-fixtures-views.py
 * (see the first one's docstring for the format) and compares arrays with the tolerances the
 * parity tests state.
 */
import * as fs from 'fs';
import * as path from 'path';

export const PARITY_DIR = path.join(__dirname, '..', 'fixtures', 'parity');
/** Views, in-place ops and version counters (scripts/gen-fixtures-views.py). */
export const VIEWS_DIR = path.join(__dirname, '..', 'fixtures', 'views');

export interface F32Json { shape: number[]; dtype: 'f32'; values?: number[]; b64?: string }
export interface I32Json { shape: number[]; dtype: 'i32'; values: number[] }
export type ArrayJson = F32Json | I32Json;

export interface Arr<T extends Float32Array | Int32Array = Float32Array> {
  shape: number[];
  data: T;
}

export function readFixture<T = unknown>(name: string, dir = PARITY_DIR): T {
  return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as T;
}

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Decodes an f32 array: decimals (rounded to float32) or base64 little-endian float32. */
export function f32(a: ArrayJson): Arr<Float32Array> {
  if (a.dtype !== 'f32') throw new Error(`expected an f32 array, got ${a.dtype}`);
  let data: Float32Array;
  if (a.b64 !== undefined) {
    const bytes = Buffer.from(a.b64, 'base64');
    data = new Float32Array(bytes.length / 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  } else {
    data = Float32Array.from(a.values ?? []);
  }
  if (data.length !== numel(a.shape)) {
    throw new Error(`fixture array has ${data.length} values for shape [${a.shape}]`);
  }
  return { shape: a.shape, data };
}

export function i32(a: ArrayJson): Arr<Int32Array> {
  if (a.dtype !== 'i32') throw new Error(`expected an i32 array, got ${a.dtype}`);
  return { shape: a.shape, data: Int32Array.from(a.values) };
}

/** Slice `index` along the first axis. */
export function slice0(a: Arr<Float32Array>, index: number): Arr<Float32Array> {
  const inner = numel(a.shape.slice(1));
  return { shape: a.shape.slice(1), data: a.data.slice(index * inner, (index + 1) * inner) };
}

/**
 * The tensor tolerance of the parity tests: max_i |actual_i - expected_i| / max_i |expected_i|,
 * i.e. the worst absolute error measured against the tensor's largest magnitude. (Plain
 * element-wise relative error is meaningless for entries near zero; dividing by max(1, ...)
 * would make it an absolute tolerance and too loose for gradients of size 1e-2.)
 */
export function relativeMaxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: actual ${actual.length}, expected ${expected.length}`);
  }
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= maxDiff)) maxDiff = d; // NaN in actual propagates as a failure
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/** Asserts the tensor tolerance, with a message naming what was compared and where it failed. */
export function expectClose(
  label: string, actual: ArrayLike<number>, expected: Arr<Float32Array>, tolerance: number,
  actualShape?: readonly number[],
): void {
  if (actualShape !== undefined && actualShape.join(',') !== expected.shape.join(',')) {
    throw new Error(`${label}: shape [${actualShape}] differs from PyTorch's [${expected.shape}]`);
  }
  const err = relativeMaxError(actual, expected.data);
  if (!(err <= tolerance)) {
    let worst = 0;
    for (let i = 0; i < expected.data.length; i++) {
      if (!(Math.abs(actual[i] - expected.data[i]) <= Math.abs(actual[worst] - expected.data[worst]))) worst = i;
    }
    throw new Error(
      `${label}: relative max error ${err.toExponential(3)} > ${tolerance} ` +
      `(worst at flat index ${worst}: got ${actual[worst]}, PyTorch ${expected.data[worst]})`,
    );
  }
}

/** Asserts |actual - expected| / |expected| <= tolerance for a scalar. */
export function expectScalarClose(label: string, actual: number, expected: number, tolerance: number): void {
  const err = Math.abs(actual - expected) / Math.abs(expected);
  if (!(err <= tolerance)) {
    throw new Error(`${label}: got ${actual}, PyTorch ${expected} (relative error ${err.toExponential(3)} > ${tolerance})`);
  }
}
