/**
 * torch.nn.LayerNorm and GroupNorm: compositions of differentiable ops (mean, sub, mul, div,
 * sqrt, reshape), normalising with the biased variance; no running statistics. Their backward
 * is exact but not one fused node (grad_fn names are not PyTorch's NativeLayerNormBackward0 /
 * NativeGroupNormBackward0).
 */
import { Tensor, shapeString } from '../tensor';
import { add, sub, mul, div, mean, sqrt, reshape } from '../ops';
import { checkOptions, optionNames } from '../options';
import { Module } from './module';
import { Parameter } from './parameter';
import { pythonFloat } from './batchnorm';

/** (x - mean) / sqrt(var + eps) over `dims` (keepdim), the variance biased. */
function normalized(x: Tensor, dims: number[], eps: number): Tensor {
  const centred = sub(x, mean(x, dims, true));
  const variance = mean(mul(centred, centred), dims, true);
  return div(centred, sqrt(add(variance, eps)));
}

const filled = (shape: number[], v: number): Tensor =>
  new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v), shape);

export interface LayerNormOptions {
  eps?: number;
  /** Learnable weight (ones) and bias (zeros) of normalizedShape; default true. */
  elementwiseAffine?: boolean;
}
const LAYER_NORM_OPTIONS = optionNames<LayerNormOptions>({ eps: true, elementwiseAffine: true });

/** torch.nn.LayerNorm(normalizedShape): normalises over the trailing normalizedShape dims. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', options, LAYER_NORM_OPTIONS);
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(filled(this.normalizedShape, 1)) : null;
    this.bias = this.elementwiseAffine ? new Parameter(filled(this.normalizedShape, 0)) : null;
  }

  override forward(input: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const trailing = input.shape.slice(input.shape.length - k);
    if (input.shape.length < k || trailing.some((d, i) => d !== this.normalizedShape[i])) {
      throw new Error(`Given normalized_shape=${shapeString(this.normalizedShape)}, expected input with shape ` +
        `[*, ${this.normalizedShape.join(', ')}], but got input of size${shapeString(input.shape)}`);
    }
    const dims = this.normalizedShape.map((_, i) => input.shape.length - k + i);
    let out = normalized(input, dims, this.eps);
    if (this.weight !== null) out = mul(out, this.weight);
    if (this.bias !== null) out = add(out, this.bias);
    return out;
  }

  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${k1(this.normalizedShape)}), eps=${pythonFloat(this.eps)}, ` +
      `elementwise_affine=${this.elementwiseAffine ? 'True' : 'False'}`;
  }
}

/** Python's one-element tuple comma. */
const k1 = (s: number[]): string => (s.length === 1 ? ',' : '');

export interface GroupNormOptions {
  eps?: number;
  /** Learnable per-channel weight (ones) and bias (zeros); default true. */
  affine?: boolean;
}
const GROUP_NORM_OPTIONS = optionNames<GroupNormOptions>({ eps: true, affine: true });

/** torch.nn.GroupNorm(numGroups, numChannels): normalises each group of channels of each sample. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    checkOptions('GroupNorm', options, GROUP_NORM_OPTIONS);
    if (numChannels % numGroups !== 0) throw new Error('num_channels must be divisible by num_groups');
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.affine ? new Parameter(filled([numChannels], 1)) : null;
    this.bias = this.affine ? new Parameter(filled([numChannels], 0)) : null;
  }

  override forward(input: Tensor): Tensor {
    if (input.shape.length < 2 || input.shape[1] !== this.numChannels) {
      throw new Error(`Expected number of channels in input to be divisible by num_groups, but got input of shape ` +
        `${shapeString(input.shape)} and num_groups=${this.numGroups}`);
    }
    const n = input.shape[0];
    const grouped = reshape(input, [n, this.numGroups, -1]);
    let out = reshape(normalized(grouped, [2], this.eps), input.shape);
    const perChannel = input.shape.map((d, i) => (i === 1 ? d : 1));
    if (this.weight !== null) out = mul(out, reshape(this.weight, perChannel));
    if (this.bias !== null) out = add(out, reshape(this.bias, perChannel));
    return out;
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pythonFloat(this.eps)}, affine=${this.affine ? 'True' : 'False'}`;
  }
}
