/**
 * Shared by the nn-layer tests (pool-adaptive, avgpool, embedding, conv-padding, conv-transpose):
 * fixtures of test/fixtures/layers/ (written by scripts/fixtures-*.py through
 * scripts/fixture_arrays.py), inputs given contiguously or as a non-contiguous view of the same
 * values, and comparisons where NaN meets NaN and infinities meet themselves.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor } from '../../src';
import { ArrayJson, f32, i32 } from './fixtures';

export function readLayersFixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'layers', name), 'utf8')) as T;
}

export function toTensor(a: ArrayJson): Tensor {
  if (a.dtype === 'i32') {
    const { shape, data } = i32(a);
    return new Tensor(data, shape);
  }
  const { shape, data } = f32(a);
  return new Tensor(data, shape);
}

/** A leaf that requires grad, and the input the op gets: the leaf itself or a non-contiguous view of it. */
export interface LeafInput {
  leaf: Tensor;
  input: Tensor;
  /** The input's gradient, in the input's layout. */
  grad(): Tensor;
}

/**
 * `layout` 'strided' stores the values with the last two axes swapped and hands the op the
 * transposed view (same values, not contiguous); 1-d inputs are taken every other element.
 */
export function leafInput(a: ArrayJson, layout: 'contiguous' | 'strided', requiresGrad = true): LeafInput {
  const t = toTensor(a);
  requiresGrad &&= t.dtype === 'float32';
  if (layout === 'contiguous' || t.shape.length === 0) {
    if (requiresGrad) t.requiresGrad_();
    return { leaf: t, input: t, grad: () => t.grad! };
  }
  if (t.shape.length === 1) {
    const n = t.shape[0];
    const values = t.dataSync();
    const wide = new (values.constructor as Float32ArrayConstructor)(2 * n);
    for (let i = 0; i < n; i++) wide[2 * i] = values[i];
    const leaf = new Tensor(wide, [2 * n]);
    if (requiresGrad) leaf.requiresGrad_();
    const input = leaf.index('::2');
    expect(input.isContiguous()).toBe(n <= 1);
    return { leaf, input, grad: () => leaf.grad!.index('::2') };
  }
  const d = t.shape.length;
  const leaf = t.transpose(d - 2, d - 1).contiguous().detach();
  if (requiresGrad) leaf.requiresGrad_();
  const input = leaf.transpose(d - 2, d - 1);
  return { leaf, input, grad: () => leaf.grad!.transpose(d - 2, d - 1) };
}

/**
 * Shape equal; NaN where PyTorch has NaN, the same infinities, and elsewhere
 * |got - expected| <= tol * max(1, largest finite |expected|).
 */
export function expectMatches(label: string, got: Tensor, expected: ArrayJson, tol = 1e-6): void {
  const e = expected.dtype === 'i32' ? i32(expected) : f32(expected);
  if (got.shape.join(',') !== e.shape.join(',')) {
    throw new Error(`${label}: shape [${got.shape}] differs from PyTorch's [${e.shape}]`);
  }
  const g = got.dataSync();
  let scale = 1;
  for (const v of e.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < e.data.length; i++) {
    const [a, b] = [g[i], e.data[i]];
    const ok = Number.isNaN(b) ? Number.isNaN(a) : Number.isFinite(b) ? Math.abs(a - b) <= tol * scale : a === b;
    if (!ok) throw new Error(`${label}: element ${i} is ${a}, PyTorch ${b}`);
  }
}

/** PyTorch's message without its op prefix ("adaptive_avg_pool2d(): ", "avg_pool2d: "). */
export function torchMessage(message: string): string {
  return message.replace(/^[a-z_0-9]+(\(\))?: /, '');
}
