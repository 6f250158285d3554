/**
 * Matrix products on the backend's gemm: matmul (2-d, torch.mm) and linear (x @ W^T + b, as
 * torch.addmm). One backward serves both: A's gradient needs B and B's needs A, so each is
 * saved only when the other's gradient is required.
 *
 * gemm reads transposes through its flags, so a transposed operand is not copied when it is a
 * plain transpose of a contiguous matrix (`x.t()`, `weight.t()`): see `gemmOperand`.
 */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { getBackend } from '../backend';
import { reshape } from './shape';
import { makeView, reshapeLayout } from './view';
import { checkFloat, fail, shapeString } from './util';

/** What gemm reads for a 2-d tensor: `data` dense row-major, and `op(data)` is the matrix meant. */
interface GemmOperand {
  data: Float32Array;
  /** True when `data` holds the transpose of the matrix meant (gemm's transA / transB). */
  trans: boolean;
}

/**
 * The 2-d tensor `t` (or its transpose, when `transposed`) as a gemm operand. A contiguous `t`
 * is read in place; so is a plain transpose of a contiguous matrix, with the flag flipped.
 * Any other layout is copied dense.
 */
function gemmOperand(t: Tensor, transposed: boolean): GemmOperand {
  if (!t.isContiguous()) {
    const { shape, strides, offset } = t._layout();
    if (strides[0] === 1 && strides[1] === shape[0]) {
      const data = (t._storage.data as Float32Array).subarray(offset, offset + shape[0] * shape[1]);
      return { data, trans: !transposed };
    }
  }
  return { data: t._dense() as Float32Array, trans: transposed };
}

/**
 * out[m, n] = A @ B (+ bias) where A = input [m, k] and B = other [k, n], or, for linear,
 * B = weight^T with weight [n, k] stored as the user holds it.
 */
interface ProductState {
  /** A; saved only when B's gradient is needed. */
  a: SavedTensor | null;
  /** other or weight; saved only when A's gradient is needed. */
  b: SavedTensor | null;
  /** True for linear: the saved `b` is weight [n, k], and B is its transpose. */
  bIsWeight: boolean;
  m: number;
  n: number;
  k: number;
}

function productBackward(s: ProductState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const be = getBackend();
  const { m, n, k } = s;
  let ga: Float32Array | null = null;
  let gb: Float32Array | null = null;
  let gbias: Float32Array | null = null;
  if (needs[0]) {
    const b = gemmOperand(s.b!.tensor, s.bIsWeight);
    ga = emptyFloat32(m * k);
    be.gemm(false, !b.trans, m, k, n, 1, g, b.data, 0, ga); // g @ B^T
  }
  if (needs[1]) {
    const a = gemmOperand(s.a!.tensor, false);
    gb = emptyFloat32(k * n);
    if (s.bIsWeight) be.gemm(true, a.trans, n, k, m, 1, g, a.data, 0, gb); // weight's: g^T @ A
    else be.gemm(!a.trans, false, k, n, m, 1, a.data, g, 0, gb); // A^T @ g
  }
  if (needs.length > 2 && needs[2]) {
    gbias = emptyFloat32(n);
    be.biasBackward(g, gbias, m, n, 1);
  }
  return [ga, gb, gbias];
}

const mmDef: OpDef<ProductState> = { name: 'MmBackward0', backward: productBackward };
const addmmDef: OpDef<ProductState> = { name: 'AddmmBackward0', backward: productBackward };

/** A @ B (+ bias), recorded as mm or addmm; `b` is B itself, or weight (B^T) when bIsWeight. */
function product(a: Tensor, b: Tensor, bias: Tensor | null, bIsWeight: boolean): Tensor {
  const [m, k] = a.shape;
  const n = bIsWeight ? b.shape[0] : b.shape[1];
  const opA = gemmOperand(a, false);
  const opB = gemmOperand(b, bIsWeight);
  const backend = getBackend();
  const c = emptyFloat32(m * n);
  backend.gemm(opA.trans, opB.trans, m, n, k, 1, opA.data, opB.data, 0, c);
  if (bias !== null) backend.biasAdd(c, bias._dense() as Float32Array, m, n, 1);
  const out = new Tensor(c, [m, n]);
  if (needsGrad(a, b, bias)) {
    const state: ProductState = {
      a: b.requiresGrad ? save(a) : null,
      b: a.requiresGrad ? save(b) : null,
      bIsWeight, m, n, k,
    };
    if (bias === null) record(mmDef, out, [a, b], state);
    else record(addmmDef, out, [a, b, bias], state);
  }
  return out;
}

/** input[m, k] @ other[k, n] (2-d only), as torch.mm. */
export function matmul(input: Tensor, other: Tensor): Tensor {
  checkFloat(input, 'matmul', 'input');
  checkFloat(other, 'matmul', 'other');
  if (input.shape.length !== 2 || other.shape.length !== 2 || input.shape[1] !== other.shape[0]) {
    fail('matmul', `shapes ${shapeString(input.shape)} and ${shapeString(other.shape)} cannot be multiplied ` +
      '(2-d tensors [m, k] and [k, n] are supported)');
  }
  return product(input, other, null, false);
}

/**
 * input[..., in] @ weight[out, in]^T + bias[out] (torch.nn.functional.linear). A 2-d input is
 * one addmm (mm without bias); any other is flattened to [rows, in] and the result viewed back,
 * as PyTorch does for contiguous inputs (so its grad_fn is a view's).
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkFloat(input, 'linear', 'input');
  checkFloat(weight, 'linear', 'weight');
  if (weight.shape.length !== 2) fail('linear', `weight must be 2-d [out, in], got ${shapeString(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (input.shape.length === 0 || input.shape[input.shape.length - 1] !== inFeatures) {
    fail('linear', `input shape ${shapeString(input.shape)} does not match weight shape ${shapeString(weight.shape)} ` +
      `(expected input [..., ${inFeatures}])`);
  }
  if (bias !== null && bias !== undefined) {
    checkFloat(bias, 'linear', 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== outFeatures) {
      fail('linear', `bias shape ${shapeString(bias.shape)} does not match weight shape ${shapeString(weight.shape)} ` +
        `(expected [${outFeatures}])`);
    }
  }
  if (input.shape.length === 2) return product(input, weight, bias ?? null, true);
  const out2d = product(reshape(input, [-1, inFeatures]), weight, bias ?? null, true);
  const outShape = [...input.shape.slice(0, -1), outFeatures];
  // PyTorch: addmm's result goes through view, mm's through _unsafe_view.
  return makeView(out2d, bias != null ? 'ViewBackward0' : 'UnsafeViewBackward0', reshapeLayout('view', outShape));
}
