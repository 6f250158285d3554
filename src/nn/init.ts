/**
 * Initialisation, as torch.nn.init, drawing from `defaultGenerator` (seeded by manualSeed)
 * unless given a generator: under the same seed, torch's numbers (weight drawn before bias). Functions ending in _ fill the tensor in place, without recording.
 */
import { Tensor, shapeString } from '../tensor';
import { Generator, defaultGenerator } from '../random';
import { drawNormal, drawUniform } from '../ops/draw-order';

/** fan_in and fan_out of a weight: [out, in] for linear, [out, in/groups, kH, kW] for conv. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.shape.length < 2) {
    throw new Error(`Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape ${shapeString(t.shape)})`);
  }
  let receptive = 1;
  for (let i = 2; i < t.shape.length; i++) receptive *= t.shape[i];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/**
 * Writes dense row-major values into t (through its strides) and bumps its version, as
 * PyTorch's init functions do with an in-place write under no_grad: a graph that saved t
 * before then refuses to backward.
 */
function writeInPlace(t: Tensor, values: Float32Array | Int32Array): Tensor {
  t._writeDense(values);
  t._versionCounter.value++;
  return t;
}

/** Fills with U(low, high), torch's numbers (tensor.uniform_). */
export function uniform_(t: Tensor, low = 0, high = 1, generator: Generator = defaultGenerator): Tensor {
  return writeInPlace(t, drawUniform(t, low, high, generator));
}

/** Fills with N(mean, std^2), torch's numbers (tensor.normal_). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  return writeInPlace(t, drawNormal(t, mean, std, generator));
}

export function constant_(t: Tensor, value: number): Tensor {
  const d = t.dtype === 'int32' ? new Int32Array(t.numel) : new Float32Array(t.numel);
  return writeInPlace(t, d.fill(value));
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' |
  'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** torch.nn.init.calculate_gain: the recommended gain for a nonlinearity (param: leaky_relu's slope). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  const linear = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];
  if (linear.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2);
  if (nonlinearity === 'selu') return 3 / 4;
  if (nonlinearity === 'leaky_relu') {
    let slope = 0.01;
    if (param != null) {
      if (typeof param !== 'number' || typeof param === 'boolean') throw new Error(`negative_slope ${param} not a valid number`);
      slope = param;
    }
    return Math.sqrt(2 / (1 + slope * slope));
  }
  throw new Error(`Unsupported nonlinearity ${nonlinearity}`);
}

export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu only). Default 0. */
  a?: number;
  /** 'fanIn' (default) keeps the forward variance; 'fanOut' the backward's. PyTorch's names are accepted too. */
  mode?: 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';
  /** Default 'leaky_relu'. */
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

/** The std of Kaiming init: gain / sqrt(fan). */
function kaimingStd(where: string, t: Tensor, o: KaimingOptions): number {
  const mode = o.mode ?? 'fanIn';
  if (!['fanIn', 'fanOut', 'fan_in', 'fan_out'].includes(mode)) {
    throw new Error(`${where}: Mode ${mode} not supported, please use one of fan_in, fan_out`);
  }
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' || mode === 'fan_in' ? fanIn : fanOut;
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

function kaimingOptions(aOrOptions: number | KaimingOptions, generator: Generator): KaimingOptions {
  return typeof aOrOptions === 'number' ? { a: aOrOptions, generator } : { generator, ...aOrOptions };
}

/**
 * Kaiming (He) uniform, as torch.nn.init.kaiming_uniform_: U(-bound, bound) with bound =
 * sqrt(3) * gain / sqrt(fan). `kaimingUniform_(t, a)` or `kaimingUniform_(t, { a, mode,
 * nonlinearity })`. PyTorch's default a = sqrt(5) gives bound = 1 / sqrt(fan_in), the default
 * init of Linear and Conv2d weights.
 */
export function kaimingUniform_(t: Tensor, a: number | KaimingOptions = 0, generator: Generator = defaultGenerator): Tensor {
  const o = kaimingOptions(a, generator);
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, o);
  return uniform_(t, -bound, bound, o.generator);
}

/** torch.nn.init.kaiming_normal_: N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, a: number | KaimingOptions = 0, generator: Generator = defaultGenerator): Tensor {
  const o = kaimingOptions(a, generator);
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, o), o.generator);
}

/** The std of Glorot init: gain * sqrt(2 / (fan_in + fan_out)). */
function xavierStd(t: Tensor, gain: number): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** torch.nn.init.xavier_uniform_: U(-a, a), a = sqrt(3) * gain * sqrt(2 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const bound = Math.sqrt(3) * xavierStd(t, gain);
  return uniform_(t, -bound, bound, generator);
}

/** torch.nn.init.xavier_normal_: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  return normal_(t, 0, xavierStd(t, gain), generator);
}

/** PyTorch's default for Linear and Conv2d: weight kaiming_uniform(a = sqrt(5)), bias U(+-1/sqrt(fan_in)). */
export function defaultInit_(weight: Tensor, bias: Tensor | null, generator: Generator = defaultGenerator): void {
  kaimingUniform_(weight, Math.sqrt(5), generator);
  if (bias !== null) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound, generator);
  }
}
