/**
 * Creation helpers, as torch's: tensor, zeros, ones, full, rand, randn, zerosLike, arange.
 * Sizes are given as numbers or one array (`zeros(2, 3)` or `zeros([2, 3], { requiresGrad: true })`).
 * Random draws come from `defaultGenerator` (seeded by manualSeed) unless a generator is given.
 */
import { Tensor, NestedArray, DType, numelOf, shapeString } from './tensor';
import type { TensorData } from './storage';
import { Generator, defaultGenerator } from './random';
import { allocateTensorData } from './alloc';
import { checkOptions, describeValue, optionNames } from './options';

export interface CreationOptions {
  requiresGrad?: boolean;
  dtype?: DType;
  generator?: Generator;
}

type SizeArgs = Array<number | readonly number[] | CreationOptions | undefined>;

const CREATION_OPTIONS = optionNames<CreationOptions>({ requiresGrad: true, dtype: true, generator: true });

/** Refuses unknown names (e.g. requires_grad) and dtypes other than float32, int32 and bool. */
export function checkCreationOptions(op: string, options: CreationOptions): CreationOptions {
  checkOptions(op, options, CREATION_OPTIONS, { device: 'tensors live on the CPU (or in the wasm backend), chosen with setBackend' });
  if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'int32' && options.dtype !== 'bool') {
    throw new TypeError(`${op}: dtype must be 'float32', 'int32' or 'bool', got ${describeValue(options.dtype)}`);
  }
  return options;
}

function parseSize(op: string, args: SizeArgs): { shape: number[]; options: CreationOptions } {
  let options: CreationOptions = {};
  let rest = args;
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    options = checkCreationOptions(op, last as CreationOptions);
    rest = args.slice(0, -1);
  }
  rest = rest.filter((a) => a !== undefined);
  const shape = rest.length === 1 && Array.isArray(rest[0]) ? [...(rest[0] as number[])] : (rest as number[]);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid size ${JSON.stringify(shape)}`);
  }
  return { shape, options };
}

function make(op: string, shape: number[], options: CreationOptions, fill: (data: TensorData) => void): Tensor {
  const data = allocateTensorData(op, shape, options.dtype ?? 'float32');
  fill(data);
  return new Tensor(data, shape, { requiresGrad: options.requiresGrad });
}

/** A tensor of zeros. */
export function zeros(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize('zeros', args);
  return make('zeros', shape, options, () => undefined);
}

/** A tensor of ones. */
export function ones(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize('ones', args);
  return make('ones', shape, options, (d) => d.fill(1));
}

/** A tensor filled with value. */
export function full(shape: readonly number[], value: number, options: CreationOptions = {}): Tensor {
  const size = parseSize('full', [shape, options]);
  const dtype = size.options.dtype;
  return make('full', size.shape, size.options, (d) => d.fill(dtype === 'bool' ? Number(value !== 0) : value));
}

/** Uniform in [0, 1). */
export function rand(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize('rand', args);
  const g = options.generator ?? defaultGenerator;
  return make('rand', shape, { ...options, dtype: 'float32' }, (d) => g.fillUniform(d as Float32Array, 0, 1));
}

/** Standard normal. */
export function randn(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize('randn', args);
  const g = options.generator ?? defaultGenerator;
  return make('randn', shape, { ...options, dtype: 'float32' }, (d) => g.fillNormal(d as Float32Array, 0, 1));
}

/** Uniform integers in [low, high), int32: torch's random() % (high - low) + low. */
export function randint(low: number, high: number, shape: readonly number[], options: CreationOptions = {}): Tensor {
  checkCreationOptions('randint', options);
  const g = options.generator ?? defaultGenerator;
  if (!(high > low)) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
  return make('randint', [...shape], { dtype: 'int32' }, (d) => {
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
  checkCreationOptions('arange', options);
  if (step === 0) throw new Error('arange: step must be nonzero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make('arange', [n], options, (data) => {
    for (let i = 0; i < n; i++) data[i] = start + i * step;
  });
}

/** The shape of nested arrays, and the first element (which decides number or boolean). */
function inferNested(value: NestedArray | BoolNestedArray | ArrayLike<number>): { shape: number[]; first: unknown } {
  const shape: number[] = [];
  let v: unknown = value;
  while (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const arr = v as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) return { shape, first: undefined };
    v = arr[0];
  }
  return { shape, first: v };
}

/** Nested arrays of booleans: `tensor([true, false])` is a bool tensor, as torch.tensor([True, False]). */
export type BoolNestedArray = boolean | BoolNestedArray[];

/**
 * A tensor from nested arrays, a typed array, a number or a boolean (torch.tensor). Numbers
 * and Float32Array give float32, Int32Array gives int32, booleans and Uint8Array give bool;
 * `dtype` overrides. The data is copied.
 */
export function tensor(value: NestedArray | BoolNestedArray | TensorData | ArrayLike<number>, options: CreationOptions = {}): Tensor {
  checkCreationOptions('tensor', options);
  const { shape, first } = typeof value === 'number' || typeof value === 'boolean'
    ? { shape: [], first: value } : inferNested(value);
  const inferred: DType = value instanceof Int32Array ? 'int32'
    : value instanceof Uint8Array || typeof first === 'boolean' ? 'bool' : 'float32';
  const dtype: DType = options.dtype ?? inferred;
  const n = numelOf(shape);
  const data = allocateTensorData('tensor', shape, dtype);
  const store = dtype === 'bool' ? (v: number | boolean) => Number(v !== 0 && v !== false) : Number;
  if (typeof value === 'number' || typeof value === 'boolean') data[0] = store(value);
  else if (ArrayBuffer.isView(value)) {
    const src = value as ArrayLike<number>;
    for (let i = 0; i < n; i++) data[i] = store(src[i]);
  } else {
    let k = 0;
    const leaf = typeof first === 'boolean' ? 'boolean' : 'number';
    const walk = (v: unknown, dim: number): void => {
      if (dim === shape.length) {
        if (typeof v !== leaf) throw new Error(`tensor: expected a ${leaf} at depth ${dim}, got ${typeof v}`);
        data[k++] = store(v as number | boolean);
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
