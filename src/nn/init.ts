/**
 * Initialisation, as torch.nn.init, drawing from `defaultGenerator` (seeded by manualSeed)
 * unless given a generator. Functions ending in _ fill the tensor in place, without recording.
 */
import { Tensor, shapeString } from '../tensor';
import { Generator, defaultGenerator } from '../random';

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

/** Fills with U(low, high). */
export function uniform_(t: Tensor, low = 0, high = 1, generator: Generator = defaultGenerator): Tensor {
  const d = new Float32Array(t.numel);
  for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * generator.nextFloat();
  return writeInPlace(t, d);
}

export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  const d = new Float32Array(t.numel);
  for (let i = 0; i < d.length; i++) d[i] = mean + std * generator.nextNormal();
  return writeInPlace(t, d);
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

/**
 * Kaiming (He) uniform, as torch.nn.init.kaiming_uniform_ with mode 'fan_in' and leaky_relu
 * gain: bound = sqrt(2 / (1 + a^2)) * sqrt(3 / fan_in). PyTorch's default a = sqrt(5) gives
 * bound = 1 / sqrt(fan_in), the default init of Linear and Conv2d weights.
 */
export function kaimingUniform_(t: Tensor, a = 0, generator: Generator = defaultGenerator): Tensor {
  const { fanIn } = calculateFanInAndFanOut(t);
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = fanIn === 0 ? 0 : gain * Math.sqrt(3 / fanIn);
  return uniform_(t, -bound, bound, generator);
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
