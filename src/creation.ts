/**
 * Creation helpers, as torch's: tensor, zeros, ones, full, rand, randn, zerosLike, arange.
 * Sizes are given as numbers or one array (`zeros(2, 3)` or `zeros([2, 3], { requiresGrad: true })`).
 * Random draws come from `defaultGenerator` (seeded by manualSeed) unless a generator is given.
 */
import { Tensor, NestedArray, DType, numelOf, shapeString } from './tensor';
import { Generator, defaultGenerator } from './random';
import { allocFloat32, allocInt32 } from './storage';

export interface CreationOptions {
  requiresGrad?: boolean;
  dtype?: DType;
  generator?: Generator;
}

type SizeArgs = Array<number | readonly number[] | CreationOptions | undefined>;

function parseSize(op: string, args: SizeArgs): { shape: number[]; options: CreationOptions } {
  let options: CreationOptions = {};
  let rest = args;
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    options = last as CreationOptions;
    rest = args.slice(0, -1);
  }
  rest = rest.filter((a) => a !== undefined);
  const shape = rest.length === 1 && Array.isArray(rest[0]) ? [...(rest[0] as number[])] : (rest as number[]);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid size ${JSON.stringify(shape)}`);
  }
  return { shape, options };
}

function make(shape: number[], options: CreationOptions, fill: (data: Float32Array | Int32Array) => void): Tensor {
  const n = numelOf(shape);
  const data = options.dtype === 'int32' ? allocInt32(n) : allocFloat32(n);
  fill(data);
  return new Tensor(data, shape, { requiresGrad: options.requiresGrad });
}

/** A tensor of zeros. */
export function zeros(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize('zeros', args);
  return make(shape, options, () => undefined);
}

/** A tensor of ones. */
export function ones(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize('ones', args);
  return make(shape, options, (d) => d.fill(1));
}

/** A tensor filled with value. */
export function full(shape: readonly number[], value: number, options: CreationOptions = {}): Tensor {
  return make(parseSize('full', [shape]).shape, options, (d) => d.fill(value));
}

/** Uniform in [0, 1). */
export function rand(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize('rand', args);
  const g = options.generator ?? defaultGenerator;
  return make(shape, { ...options, dtype: 'float32' }, (d) => {
    for (let i = 0; i < d.length; i++) d[i] = g.nextFloat();
  });
}

/** Standard normal. */
export function randn(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize('randn', args);
  const g = options.generator ?? defaultGenerator;
  return make(shape, { ...options, dtype: 'float32' }, (d) => {
    for (let i = 0; i < d.length; i++) d[i] = g.nextNormal();
  });
}

/** Uniform integers in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], options: CreationOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  if (!(high > low)) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
  return make([...shape], { dtype: 'int32' }, (d) => {
    for (let i = 0; i < d.length; i++) d[i] = low + g.nextInt(high - low);
  });
}

export function zerosLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return zeros([...t.shape], { dtype: t.dtype, ...options });
}

export function onesLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return ones([...t.shape], { dtype: t.dtype, ...options });
}

/** Values start, start + step, ... below end (torch.arange); float32 unless dtype int32. */
export function arange(end: number, options?: CreationOptions): Tensor;
export function arange(start: number, end: number, step?: number, options?: CreationOptions): Tensor;
export function arange(a: number, b?: number | CreationOptions, c?: number | CreationOptions, d?: CreationOptions): Tensor {
  let start = 0;
  let end: number;
  let step = 1;
  let options: CreationOptions = {};
  if (typeof b === 'number') {
    start = a;
    end = b;
    if (typeof c === 'number') step = c;
    else if (c) options = c;
    if (d) options = d;
  } else {
    end = a;
    if (b) options = b;
  }
  if (step === 0) throw new Error('arange: step must be nonzero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make([n], options, (data) => {
    for (let i = 0; i < n; i++) data[i] = start + i * step;
  });
}

function inferNestedShape(value: NestedArray | ArrayLike<number>): number[] {
  const shape: number[] = [];
  let v: unknown = value;
  while (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const arr = v as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    v = arr[0];
  }
  return shape;
}

/**
 * A tensor from nested arrays, a typed array or a number (torch.tensor). Float32Array and
 * number data give float32, Int32Array gives int32; `dtype` overrides. The data is copied.
 */
export function tensor(value: NestedArray | Float32Array | Int32Array | ArrayLike<number>, options: CreationOptions = {}): Tensor {
  const shape = typeof value === 'number' ? [] : inferNestedShape(value as NestedArray);
  const dtype: DType = options.dtype ?? (value instanceof Int32Array ? 'int32' : 'float32');
  const n = numelOf(shape);
  const data = dtype === 'int32' ? allocInt32(n) : allocFloat32(n);
  if (typeof value === 'number') data[0] = value;
  else if (ArrayBuffer.isView(value)) data.set(value as ArrayLike<number>);
  else {
    let k = 0;
    const walk = (v: unknown, dim: number): void => {
      if (dim === shape.length) {
        if (typeof v !== 'number') throw new Error(`tensor: expected a number at depth ${dim}, got ${typeof v}`);
        data[k++] = v;
        return;
      }
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Error(`tensor: ragged nested array (shape ${shapeString(shape)})`);
      const arr = v as ArrayLike<unknown>;
      if (arr.length !== shape[dim]) {
        throw new Error(`tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${arr.length}`);
      }
      for (let i = 0; i < arr.length; i++) walk(arr[i], dim + 1);
    };
    walk(value, 0);
  }
  return new Tensor(data, shape, { requiresGrad: options.requiresGrad });
}

/** Alias of tensor(). */
export const fromArray = tensor;
