/**
 * The rest of torch's creation functions: linspace, logspace, eye, empty, the *Like family,
 * and random creation (randperm, bernoulli, normal). Random draws come from PyTorch's CPU
 * generator (src/random.ts) with torch 1.13's CPU algorithms, so under the same manualSeed
 * they are torch's numbers.
 */
import { Tensor, DType, numelOf, shapeString } from './tensor';
import { TensorData, allocData } from './storage';
import { Generator, defaultGenerator } from './random';
import { CreationOptions, zeros, full } from './creation';

function checkOptions(op: string, options: CreationOptions, extra: string[] = [], allowBool = false): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: options must be an object`);
  const known = ['dtype', 'requiresGrad', 'generator', ...extra];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${op}: unknown option '${key}' (expected one of ${known.join(', ')})`);
  }
  if (options.dtype === 'bool' && allowBool) return;
  if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'int32') {
    throw new Error(`${op}: unsupported dtype '${String(options.dtype)}' (float32 or int32${allowBool ? ' or bool' : ''})`);
  }
}

function count(op: string, name: string, n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new Error(`${op}: ${name} must be a non-negative integer, got ${String(n)}`);
  }
  return n;
}

function finite(op: string, name: string, v: number): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: ${name} must be a number, got ${String(v)}`);
  return v;
}

function alloc(dtype: DType | undefined, n: number): TensorData {
  return allocData(dtype ?? 'float32', n);
}

/** Floats per vector in the AVX2 build of ATen that the fixtures come from. */
const ATEN_FLOAT_LANES = 8;

/**
 * `steps` values evenly spaced from start to end inclusive (torch.linspace), bit for bit as
 * ATen's CPU kernel computes them in float32 (checked against PyTorch 1.13's AVX2 build):
 * the first half counts up from start, the second half down from end, and runs of 2 x 8
 * elements are vector `arange`s from each 8's first value (so a run that starts before the
 * halfway point continues counting up).
 */
export function linspace(start: number, end: number, steps: number, options: CreationOptions = {}): Tensor {
  checkOptions('linspace', options);
  finite('linspace', 'start', start);
  finite('linspace', 'end', end);
  count('linspace', 'number of steps', steps);
  const data = alloc(options.dtype, steps);
  if (steps === 1) data[0] = start;
  else if (steps > 1) {
    const f = options.dtype === 'int32' ? (x: number) => x : Math.fround;
    const s = f(start);
    const e = f(end);
    const step = options.dtype === 'int32' ? (end - start) / (steps - 1) : f(f(e - s) / (steps - 1));
    const half = Math.floor(steps / 2);
    // GCC contracts `start + step * idx` into one fused multiply-add in that build: the
    // product is exact in a double, so a double sum rounded once to float32 matches it.
    const at = (i: number): number => (i < half ? f(s + step * i) : f(e - step * (steps - i - 1)));
    let i = 0;
    if (options.dtype !== 'int32') {
      for (; i + 2 * ATEN_FLOAT_LANES <= steps; i += 2 * ATEN_FLOAT_LANES) {
        for (let v = i; v < i + 2 * ATEN_FLOAT_LANES; v += ATEN_FLOAT_LANES) {
          const base = at(v);
          for (let k = 0; k < ATEN_FLOAT_LANES; k++) data[v + k] = f(base + f(k * step));
        }
      }
    }
    for (; i < steps; i++) data[i] = at(i);
  }
  return new Tensor(data, [steps], { requiresGrad: options.requiresGrad });
}

/** base ** linspace(start, end, steps) (torch.logspace). */
export function logspace(start: number, end: number, steps: number, base = 10, options: CreationOptions = {}): Tensor {
  checkOptions('logspace', options);
  finite('logspace', 'base', base);
  count('logspace', 'number of steps', steps);
  const data = alloc(options.dtype, steps);
  // As ATen: the exponents in float32 (start + step * i fused, as linspace's), then powf.
  const f = Math.fround;
  const b = f(base);
  if (steps === 1) data[0] = f(b ** f(start));
  else if (steps > 1) {
    const s = f(start);
    const e = f(end);
    const step = f(f(e - s) / (steps - 1));
    const half = Math.floor(steps / 2);
    for (let i = 0; i < steps; i++) data[i] = f(b ** (i < half ? f(s + step * i) : f(e - step * (steps - i - 1))));
  }
  return new Tensor(data, [steps], { requiresGrad: options.requiresGrad });
}

/** n x m (default n x n) with ones on the diagonal (torch.eye). */
export function eye(n: number, m?: number | CreationOptions, options: CreationOptions = {}): Tensor {
  if (typeof m === 'object') {
    options = m;
    m = undefined;
  }
  checkOptions('eye', options, [], true);
  count('eye', 'n', n);
  const cols = m === undefined ? n : count('eye', 'm', m);
  const data = alloc(options.dtype, n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) data[i * cols + i] = 1;
  return new Tensor(data, [n, cols], { requiresGrad: options.requiresGrad });
}

/** torch.empty: a tensor of the given size. Its elements are zeros here (memory is never uninitialised). */
export function empty(...args: Array<number | readonly number[] | CreationOptions | undefined>): Tensor {
  return zeros(...args);
}

function likeOptions(op: string, t: Tensor, options: CreationOptions): CreationOptions {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${typeof t}`);
  checkOptions(op, options, [], true);
  return { dtype: t.dtype, ...options };
}

/** full(t.shape, value) with t's dtype unless given. */
export function fullLike(t: Tensor, value: number, options: CreationOptions = {}): Tensor {
  return full([...t.shape], value, likeOptions('fullLike', t, options));
}

export function emptyLike(t: Tensor, options: CreationOptions = {}): Tensor {
  return zeros([...t.shape], likeOptions('emptyLike', t, options));
}

function randomFloat(op: string, shape: number[], options: CreationOptions, fill: (g: Generator, out: Float32Array) => void): Tensor {
  checkOptions(op, options);
  if (options.dtype !== undefined && options.dtype !== 'float32') {
    throw new Error(`${op}: expected a floating point dtype, got ${options.dtype}`);
  }
  const data = new Float32Array(numelOf(shape));
  fill(options.generator ?? defaultGenerator, data);
  return new Tensor(data, shape, { requiresGrad: options.requiresGrad });
}

export function randLike(t: Tensor, options: CreationOptions = {}): Tensor {
  likeOptions('randLike', t, options);
  return randomFloat('randLike', [...t.shape], options, (g, out) => g.fillUniform(out, 0, 1));
}

export function randnLike(t: Tensor, options: CreationOptions = {}): Tensor {
  likeOptions('randnLike', t, options);
  return randomFloat('randnLike', [...t.shape], options, (g, out) => g.fillNormal(out, 0, 1));
}

/** Uniform integers in [low, high) with t's shape (int32 unless t is float32): random() % (high - low) + low, as torch. */
export function randintLike(t: Tensor, low: number, high: number, options: CreationOptions = {}): Tensor {
  const o = likeOptions('randintLike', t, options);
  if (o.dtype === 'bool') throw new Error('randintLike: "check_uniform_bounds" not implemented for \'Bool\' (give dtype int32 or float32)');
  if (!Number.isInteger(low) || !Number.isInteger(high) || !(high > low)) {
    throw new Error(`randintLike: expects low < high, both integers, got low=${low}, high=${high}`);
  }
  const g = o.generator ?? defaultGenerator;
  const data = alloc(o.dtype, t.numel);
  for (let i = 0; i < data.length; i++) data[i] = low + g.nextInt(high - low);
  return new Tensor(data, [...t.shape]);
}

/** A random permutation of 0..n-1 (int32; torch's is int64), by ATen's randperm_cpu: torch's order under the same seed. */
export function randperm(n: number, options: CreationOptions = {}): Tensor {
  checkOptions('randperm', options);
  count('randperm', 'n', n);
  const g = options.generator ?? defaultGenerator;
  const data = alloc(options.dtype ?? 'int32', n);
  data.set(g.permutation(n));
  return new Tensor(data, [n]);
}

/**
 * torch.bernoulli: 1 with probability p, else 0 (not differentiable). `bernoulli(probs)` draws
 * with each element of the float32 tensor `probs` (a 24-bit uniform below p, torch's float
 * path); `bernoulli(input, p)` with a number p has input's shape (a 53-bit uniform below p,
 * torch's double path).
 */
export function bernoulli(input: Tensor, p?: number | { generator?: Generator }, options: { generator?: Generator } = {}): Tensor {
  if (typeof p === 'object' && p !== null) return bernoulli(input, undefined, p);
  if (!(input instanceof Tensor) || input.dtype !== 'float32') throw new TypeError('bernoulli: expected a float32 Tensor');
  checkOptions('bernoulli', options);
  const g = options.generator ?? defaultGenerator;
  const out = new Float32Array(input.numel);
  if (typeof p === 'number') return new Tensor(g.fillBernoulli(out, p), [...input.shape]);
  if (p !== undefined) throw new TypeError(`bernoulli: p must be a number, got ${typeof p}`);
  const probs = input._dense();
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i] >= 0 && probs[i] <= 1)) throw new Error(`bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got ${probs[i]} at index ${i}`);
    out[i] = g.nextFloat() < probs[i] ? 1 : 0;
  }
  return new Tensor(out, [...input.shape]);
}

/**
 * torch.normal: `normal(mean, std, size)` with numbers, or elementwise with tensor mean
 * and/or std (broadcast when both are tensors of the same shape, or one is a number).
 */
export function normal(mean: number | Tensor, std: number | Tensor, size?: readonly number[], options: CreationOptions = {}): Tensor {
  checkOptions('normal', options);
  if (typeof mean === 'number' && typeof std === 'number') {
    if (size === undefined) throw new Error('normal: with number mean and std, give a size');
    if (!(std >= 0)) throw new Error(`normal: expects std >= 0.0, but found std ${std}`);
    return randomFloat('normal', [...size], options, (g, out) => g.fillNormal(out, mean, std));
  }
  const shape = mean instanceof Tensor ? mean.shape : (std as Tensor).shape;
  if (mean instanceof Tensor && std instanceof Tensor && mean.numel !== std.numel) {
    throw new Error(`normal: mean ${shapeString(mean.shape)} and std ${shapeString(std.shape)} must have the same number of elements`);
  }
  const m = mean instanceof Tensor ? mean._dense() : null;
  const s = std instanceof Tensor ? std._dense() : null;
  if (s !== null) {
    for (let i = 0; i < s.length; i++) if (!(s[i] >= 0)) throw new Error(`normal: expects all elements of std >= 0.0 (got ${s[i]})`);
  } else if (!((std as number) >= 0)) throw new Error(`normal: expects std >= 0.0, but found std ${std}`);
  // As ATen: with a tensor std, draw N(0, 1) then multiply by std and add mean (two float
  // kernels); with a number std, draw N(0, std) and add the tensor mean.
  const out = new Float32Array(numelOf(shape));
  (options.generator ?? defaultGenerator).fillNormal(out, 0, s === null ? (std as number) : 1);
  for (let i = 0; i < out.length; i++) {
    const scaled = s === null ? out[i] : Math.fround(out[i] * s[i]);
    out[i] = scaled + (m === null ? Math.fround(mean as number) : m[i]);
  }
  return new Tensor(out, [...shape]);
}
