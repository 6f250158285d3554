/**
 * lerp(input, end, weight) = input + weight * (end - input), with a number or a tensor weight
 * (torch.lerp), broadcasting all three. Computed in float32 as PyTorch's kernel does, from
 * whichever end is nearer to the weight, so lerp(a, b, 1) is exactly b.
 */
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { broadcastShapes, expandTo } from './broadcast';
import { fail } from './util';

const f = Math.fround;

function lerpValue(a: number, b: number, w: number): number {
  return Math.abs(w) < 0.5 ? f(a + f(w * f(b - a))) : f(b - f(f(b - a) * f(1 - w)));
}

interface LerpState {
  shape: readonly number[];
  /** The number weight (LerpBackward0), or null when the weight is a tensor. */
  weight: number | null;
  weightTensor: SavedTensor | null;
  /** input and end, kept when the tensor weight needs its gradient (end - input). */
  input: SavedTensor | null;
  end: SavedTensor | null;
}

function lerpBackward(s: LerpState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const w = s.weightTensor === null ? null : expandTo(s.weightTensor.values, s.weightTensor.shape, s.shape);
  const weightAt = (i: number): number => (w === null ? s.weight! : w[i]);
  const gIn = needs[0] ? g.map((v, i) => v * f(1 - weightAt(i))) : null;
  const gEnd = needs[1] ? g.map((v, i) => v * weightAt(i)) : null;
  let gW: Float32Array | null = null;
  if (needs[2]) {
    const a = expandTo(s.input!.values, s.input!.shape, s.shape);
    const b = expandTo(s.end!.values, s.end!.shape, s.shape);
    gW = g.map((v, i) => v * f(b[i] - a[i]));
  }
  return [gIn, gEnd, gW];
}

const lerpScalarDef: OpDef<LerpState> = { name: 'LerpBackward0', broadcasts: true, backward: lerpBackward };
const lerpTensorDef: OpDef<LerpState> = { name: 'LerpBackward1', broadcasts: true, backward: lerpBackward };

/** input + weight * (end - input) (torch.lerp); weight is a number or a tensor. */
export function lerp(input: Tensor, end: Tensor, weight: number | Tensor): Tensor {
  if (!(input instanceof Tensor) || !(end instanceof Tensor)) fail('lerp', 'input and end must be Tensors');
  if (input.dtype !== 'float32' || end.dtype !== 'float32') {
    fail('lerp', `expected float32 input and end, got ${input.dtype} and ${end.dtype}`);
  }
  const wt = weight instanceof Tensor ? weight : null;
  if (wt === null && typeof weight !== 'number') fail('lerp', `weight must be a number or a Tensor, got ${typeof weight}`);
  if (wt !== null && wt.dtype !== 'float32') fail('lerp', `expected dtype float32 for weight but got dtype ${wt.dtype}`);
  let shape = broadcastShapes(input.shape, end.shape, 'lerp');
  if (wt !== null) shape = broadcastShapes(shape, wt.shape, 'lerp');
  const a = expandTo(input._dense() as Float32Array, input.shape, shape);
  const b = expandTo(end._dense() as Float32Array, end.shape, shape);
  const w = wt === null ? null : expandTo(wt._dense() as Float32Array, wt.shape, shape);
  const scalar = f(weight as number);
  const out = new Float32Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = lerpValue(a[i], b[i], w === null ? scalar : w[i]);
  const result = new Tensor(out, shape);
  if (needsGrad(input, end, wt)) {
    const weightNeedsGrad = wt !== null && wt.requiresGrad;
    record(wt === null ? lerpScalarDef : lerpTensorDef, result, wt === null ? [input, end] : [input, end, wt], {
      shape, weight: wt === null ? scalar : null, weightTensor: wt === null ? null : save(wt),
      input: weightNeedsGrad ? save(input) : null, end: weightNeedsGrad ? save(end) : null,
    });
  }
  return result;
}
