/**
 * Selection by a bool mask: where(condition, input, other), maskedFill(input, mask, value)
 * and maskedSelect(input, mask), broadcasting as PyTorch does. Masks and conditions must be
 * bool tensors (comparisons give them: `x.gt(0)`).
 */
import { Tensor, DType } from '../tensor';
import { allocData } from '../storage';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { broadcastShapes, expandTo, reduceTo } from './broadcast';
import { convertData } from './convert';
import { operand, promoted, resultType } from './promote';
import { fail } from './util';

function checkMask(op: string, mask: Tensor, what = 'mask'): void {
  if (!(mask instanceof Tensor)) fail(op, `${what} must be a bool Tensor, got ${typeof mask}`);
  if (mask.dtype !== 'bool') {
    if (what === 'condition') fail(op, `where expected condition to be a boolean tensor, but got a tensor with dtype ${mask.dtype}`);
    fail(op, `${op} only supports boolean masks, but got mask with dtype ${mask.dtype}`);
  }
}

/** The mask's bytes stretched to `shape`. */
function maskAt(mask: SavedTensor | Tensor, shape: readonly number[]): Uint8Array {
  const data = mask instanceof Tensor ? (mask._dense() as Uint8Array) : mask.bools;
  return expandTo(data, mask.shape, shape);
}

interface MaskState {
  mask: SavedTensor;
  shape: readonly number[];
}

/** Gradients of the two branches of a mask: g where the mask is false (first) and true (second). */
function maskBranches(state: MaskState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const m = maskAt(state.mask, state.shape);
  let whereFalse: Float32Array | null = null;
  let whereTrue: Float32Array | null = null;
  if (needs[0]) {
    whereFalse = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) if (!m[i]) whereFalse[i] = g[i];
  }
  if (needs[1]) {
    whereTrue = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) if (m[i]) whereTrue[i] = g[i];
  }
  return [whereFalse, whereTrue];
}

/** where: inputs are [input, other]; input takes g where the condition holds. */
const whereDef: OpDef<MaskState> = {
  name: 'WhereBackward0',
  broadcasts: true,
  backward: (s, g, needs) => {
    const [toOther, toInput] = maskBranches(s, g, [needs[1], needs[0]]);
    return [toInput, toOther];
  },
};

/** maskedFill with a number: the input keeps g where the mask is false. */
const maskedFillDef: OpDef<MaskState> = { name: 'MaskedFillBackward0', broadcasts: true, backward: (s, g, needs) => [maskBranches(s, g, needs)[0]] };

/** maskedFill with a 0-d tensor value: the value gets the sum of g where the mask is true. */
const maskedFillTensorDef: OpDef<MaskState> = {
  name: 'MaskedFillBackward1',
  broadcasts: true,
  backward(s, g, needs) {
    const [toInput, toValue] = maskBranches(s, g, needs);
    if (toValue === null) return [toInput, null];
    let total = 0;
    for (let i = 0; i < toValue.length; i++) total += toValue[i];
    return [toInput, new Float32Array([total])];
  },
};

/**
 * Elements of input where condition is true, of other elsewhere (torch.where); the three
 * broadcast together, and input and other may be numbers. The result has their promoted dtype.
 */
export function where(condition: Tensor, input: Tensor | number, other: Tensor | number): Tensor {
  checkMask('where', condition, 'condition');
  if (input === undefined && other === undefined) {
    fail('where', 'where(condition) alone (torch.nonzero(condition, as_tuple=True)) is not supported; give input and other');
  }
  const dtype: DType = resultType(input, other);
  const a = promoted(operand(input, 'where', 'input'), dtype);
  const b = promoted(operand(other, 'where', 'other'), dtype);
  const shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, 'where'), b.shape, 'where');
  const m = maskAt(condition, shape);
  const x = expandTo(a._dense(), a.shape, shape);
  const y = expandTo(b._dense(), b.shape, shape);
  const out = allocData(dtype, m.length);
  for (let i = 0; i < m.length; i++) out[i] = m[i] ? x[i] : y[i];
  const result = new Tensor(out, shape);
  if (needsGrad(a, b)) record(whereDef, result, [a, b], { mask: save(condition), shape });
  return result;
}

/**
 * A copy of input with value written where mask is true (torch.masked_fill); mask and input
 * broadcast together. value is a number or a 0-d tensor (differentiable).
 */
export function maskedFill(input: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  if (!(input instanceof Tensor)) fail('maskedFill', `input must be a Tensor, got ${typeof input}`);
  checkMask('maskedFill', mask);
  const valueTensor = value instanceof Tensor ? value : null;
  if (valueTensor !== null && valueTensor.ndim !== 0) {
    fail('maskedFill', `only supports a 0-dimensional value tensor, but got tensor with ${valueTensor.ndim} dimension(s).`);
  }
  if (valueTensor === null && typeof value !== 'number') fail('maskedFill', `value must be a number or a 0-d Tensor, got ${typeof value}`);
  const fill = convertData([valueTensor === null ? (value as number) : valueTensor.item()], input.dtype)[0];
  const shape = broadcastShapes(input.shape, mask.shape, 'maskedFill');
  const m = maskAt(mask, shape);
  const out = expandTo(input._dense(), input.shape, shape).slice();
  for (let i = 0; i < m.length; i++) if (m[i]) out[i] = fill;
  const result = new Tensor(out, shape);
  if (input.dtype === 'float32' && needsGrad(input, valueTensor)) {
    const state = { mask: save(mask), shape };
    if (valueTensor === null) record(maskedFillDef, result, [input], state);
    else record(maskedFillTensorDef, result, [input, valueTensor], state);
  }
  return result;
}

interface MaskedSelectState extends MaskState {
  inputShape: readonly number[];
}

/** The selected elements' gradients go back to their places; broadcasting is summed down here. */
const maskedSelectDef: OpDef<MaskedSelectState> = {
  name: 'MaskedSelectBackward0',
  backward(s, g) {
    const m = maskAt(s.mask, s.shape);
    const full = new Float32Array(m.length);
    for (let i = 0, k = 0; i < m.length; i++) if (m[i]) full[i] = g[k++];
    return [reduceTo(full, s.shape, s.inputShape)];
  },
};

/** The elements of input where mask is true, as a 1-d tensor in row-major order (torch.masked_select). */
export function maskedSelect(input: Tensor, mask: Tensor): Tensor {
  if (!(input instanceof Tensor)) fail('maskedSelect', `input must be a Tensor, got ${typeof input}`);
  if (!(mask instanceof Tensor) || mask.dtype !== 'bool') fail('maskedSelect', 'masked_select: expected BoolTensor for mask');
  const shape = broadcastShapes(input.shape, mask.shape, 'maskedSelect');
  const m = maskAt(mask, shape);
  const x = expandTo(input._dense(), input.shape, shape);
  let count = 0;
  for (let i = 0; i < m.length; i++) count += m[i];
  const out = allocData(input.dtype, count);
  for (let i = 0, k = 0; i < m.length; i++) if (m[i]) out[k++] = x[i];
  const result = new Tensor(out, [count]);
  if (input.dtype === 'float32' && needsGrad(input)) {
    record(maskedSelectDef, result, [input], { mask: save(mask), shape, inputShape: input.shape });
  }
  return result;
}
