/**
 * Matrix products on the backend's gemm: mm, bmm, mv, dot, addmm and linear (x @ W^T + b, as
 * torch.addmm). All are one batched product, out[b] = A[b] @ B[b], run as one gemm per batch
 * (or one gemm for the whole batch when it folds into A's rows). One backward serves all: A's
 * gradient needs B and B's needs A, so each is saved only when the other's gradient is required.
 *
 * gemm reads transposes through its flags, so an operand is not copied when each of its matrices
 * is dense row-major or a plain transpose of one (`x.t()`, `weight.t()`, `x.mT`), nor when its
 * batch is broadcast (stride 0): see `operandOf`.
 */
import { emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { getBackend } from '../backend';
import { expandTo } from './broadcast';
import { reshape } from './shape';
import { makeView, reshapeLayout } from './view';
import { checkFloat, fail, shapeString } from './util';
import { checkOptions, optionNames } from '../options';

/** What gemm reads for batch i: `data[i * batchStride ...]`, `rows * cols` dense values, transposed when `trans`. */
interface Operand {
  data: Float32Array;
  batchStride: number;
  /** True when each matrix in `data` is stored as the transpose of the matrix meant. */
  trans: boolean;
}

/** How a 1-d tensor is read as a matrix: a row [1, k] (left operand) or a column [k, 1] (right operand). */
type Role = 'row' | 'col';

/**
 * The tensor `t` as a batch of [rows, cols] matrices (3-d as is, 2-d as one matrix, 1-d as a
 * row or a column), transposed when `transposed`: read in place when each matrix is dense
 * row-major or dense column-major, else copied dense.
 */
function operandOf(t: Tensor, role: Role, transposed: boolean): Operand {
  const { shape, strides, offset } = t._layout();
  const nd = shape.length;
  let batch = 1; let r: number; let c: number; let sb = 0; let sr: number; let sc: number;
  if (nd === 1) {
    if (role === 'row') { r = 1; c = shape[0]; sr = 0; sc = strides[0]; } else { r = shape[0]; c = 1; sr = strides[0]; sc = 1; }
  } else {
    if (nd === 3) { batch = shape[0]; sb = strides[0]; }
    r = shape[nd - 2]; c = shape[nd - 1]; sr = strides[nd - 2]; sc = strides[nd - 1];
  }
  const storage = t._storage.data as Float32Array;
  const from = offset === 0 ? storage : storage.subarray(offset);
  if (batch * r * c > 0) {
    const batchStride = batch === 1 ? 0 : sb;
    if ((sc === 1 || c === 1) && (sr === c || r === 1)) return { data: from, batchStride, trans: transposed };
    if ((sr === 1 || r === 1) && (sc === r || c === 1)) return { data: from, batchStride, trans: !transposed };
  }
  return { data: t._dense() as Float32Array, batchStride: r * c, trans: transposed };
}

/** A dense row-major batch of matrices of `size` elements each, as an operand. */
const denseOperand = (data: Float32Array, size: number, trans = false): Operand => ({ data, batchStride: size, trans });

/**
 * c[b] = alpha * op(A[b]) @ op(B[b]) + beta * c[b] for b < batch, op(A) [m, k] and op(B) [k, n];
 * c is [batch, m, n] dense (its values are read only when beta != 0).
 */
function batchedGemm(batch: number, m: number, n: number, k: number, a: Operand, b: Operand,
  c: Float32Array, alpha = 1, beta = 0): Float32Array {
  if (batch * m * n === 0) return c;
  const be = getBackend();
  if (k === 0) { // an empty sum: beta * c
    for (let i = 0; i < c.length; i++) c[i] = beta === 0 ? 0 : beta * c[i];
    return c;
  }
  if (batch > 1 && b.batchStride === 0 && !a.trans && a.batchStride === m * k) {
    // B is shared by the batch and A's matrices are consecutive rows: one gemm over batch * m rows.
    be.gemm(false, b.trans, batch * m, n, k, alpha, a.data.subarray(0, batch * m * k), b.data.subarray(0, k * n), beta, c);
    return c;
  }
  if (batch === 1) { // one matrix each: no views to make (a cost of every small linear)
    be.gemm(a.trans, b.trans, m, n, k, alpha, prefix(a.data, m * k), prefix(b.data, k * n), beta, prefix(c, m * n));
    return c;
  }
  for (let i = 0; i < batch; i++) {
    const ai = a.data.subarray(i * a.batchStride, i * a.batchStride + m * k);
    const bi = b.data.subarray(i * b.batchStride, i * b.batchStride + k * n);
    be.gemm(a.trans, b.trans, m, n, k, alpha, ai, bi, beta, c.subarray(i * m * n, (i + 1) * m * n));
  }
  return c;
}

/** The first `n` elements of `data`: the array itself when that is all of it. */
function prefix(data: Float32Array, n: number): Float32Array {
  return data.length === n ? data : data.subarray(0, n);
}

/** out[batch, m, n] = alpha * A @ B (+ beta * input), with B = weight^T for linear. */
interface ProductState {
  /** A; saved only when B's gradient is needed. */
  a: SavedTensor | null;
  /** B (or weight); saved only when A's gradient is needed. */
  b: SavedTensor | null;
  /** True for linear: the saved `b` is weight [n, k], and B is its transpose. */
  bIsWeight: boolean;
  batch: number;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
}

/** Gradients of A and B (or weight) for out = alpha * A @ B. */
function productGrads(s: ProductState, g: Float32Array, needA: boolean, needB: boolean): [Float32Array | null, Float32Array | null] {
  const { batch, m, n, k, alpha } = s;
  const gOp = denseOperand(g, m * n);
  let ga: Float32Array | null = null;
  let gb: Float32Array | null = null;
  if (needA) { // g @ B^T
    const b = operandOf(s.b!.tensor, 'col', s.bIsWeight);
    ga = batchedGemm(batch, m, k, n, gOp, { ...b, trans: !b.trans }, emptyFloat32(batch * m * k), alpha);
  }
  if (needB) {
    const a = operandOf(s.a!.tensor, 'row', false);
    if (s.bIsWeight) { // weight's: g^T @ A
      gb = batchedGemm(1, n, k, m, denseOperand(g, m * n, true), a, emptyFloat32(n * k), alpha);
    } else { // A^T @ g
      gb = batchedGemm(batch, k, n, m, { ...a, trans: !a.trans }, gOp, emptyFloat32(batch * k * n), alpha);
    }
  }
  return [ga, gb];
}

function productBackward(s: ProductState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  return productGrads(s, g, needs[0], needs[1]);
}

/**
 * linear with a bias: inputs [bias, input, weight], the order of PyTorch's
 * addmm(bias, input, weight.t()), so that next_functions[0] is the bias (as the 60 Minute
 * Blitz prints it); the bias gradient is the column sums of g.
 */
function linearBackward(s: ProductState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const [ga, gb] = productGrads(s, g, needs[1], needs[2]);
  let gbias: Float32Array | null = null;
  if (needs[0]) {
    gbias = emptyFloat32(s.n);
    getBackend().biasBackward(g, gbias, s.m, s.n, 1);
  }
  return [gbias, ga, gb];
}

/** addmm: inputs [input, mat1, mat2]; input's gradient is beta * g, summed down by the engine. */
function addmmBackward(s: ProductState, g: Float32Array, needs: readonly boolean[]): Array<Float32Array | null> {
  const [ga, gb] = productGrads(s, g, needs[1], needs[2]);
  let gi: Float32Array | null = null;
  if (needs[0]) gi = s.beta === 1 ? g : g.map((v) => v * s.beta);
  return [gi, ga, gb];
}

const mmDef: OpDef<ProductState> = { name: 'MmBackward0', backward: productBackward };
const bmmDef: OpDef<ProductState> = { name: 'BmmBackward0', backward: productBackward };
const mvDef: OpDef<ProductState> = { name: 'MvBackward0', backward: productBackward };
const dotDef: OpDef<ProductState> = { name: 'DotBackward0', backward: productBackward };
const linearDef: OpDef<ProductState> = { name: 'AddmmBackward0', backward: linearBackward };
const addmmDef: OpDef<ProductState> = { name: 'AddmmBackward0', broadcasts: true, backward: addmmBackward };

/** `input` (broadcastable to [m, n]) as a fresh dense [m, n]: a bias row is copied per row. */
function broadcastMatrix(input: Tensor, m: number, n: number): Float32Array {
  const data = input._dense() as Float32Array;
  const out = emptyFloat32(m * n);
  if (data.length === n && input.shape[input.shape.length - 1] === n) {
    for (let i = 0; i < m; i++) out.set(data, i * n);
    return out;
  }
  out.set(expandTo(data, input.shape, [m, n]));
  return out;
}

interface ProductOptions {
  /** B is stored as weight [n, k] (linear). */
  bIsWeight?: boolean;
  /** Added as beta * input, broadcast to [m, n] (addmm, linear's bias). */
  input?: Tensor | null;
  alpha?: number;
  beta?: number;
  /** The recorded inputs, when not [a, b]. */
  inputs?: Tensor[];
}

/**
 * out = alpha * A @ B (+ beta * input broadcast to out), recorded by `def`. `b` is B itself,
 * or weight (B^T) when bIsWeight; `outShape` has batch * m * n elements.
 */
function product(def: OpDef<ProductState>, a: Tensor, b: Tensor, dims: { batch: number; m: number; n: number; k: number },
  outShape: number[], opts: ProductOptions = {}): Tensor {
  const { batch, m, n, k } = dims;
  const bIsWeight = opts.bIsWeight ?? false;
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 0;
  const input = opts.input ?? null;
  // A bias row (linear's) is added after the product by the backend (one vector add per row),
  // instead of copied into every row of C for the gemm to accumulate onto.
  const biasRow = input !== null && bIsWeight && beta === 1 && alpha === 1;
  const c = input === null || biasRow ? emptyFloat32(batch * m * n) : broadcastMatrix(input, m, n);
  batchedGemm(batch, m, n, k, operandOf(a, 'row', false), operandOf(b, 'col', bIsWeight), c, alpha, input === null || biasRow ? 0 : beta);
  if (biasRow) getBackend().biasAdd(c, input._dense() as Float32Array, batch * m, n, 1);
  const out = new Tensor(c, outShape);
  const inputs = opts.inputs ?? [a, b];
  if (needsGrad(inputs[0], inputs[1], inputs[2])) {
    const state: ProductState = {
      a: b.requiresGrad ? save(a) : null,
      b: a.requiresGrad ? save(b) : null,
      bIsWeight, batch, m, n, k, alpha, beta,
    };
    record(def, out, inputs, state);
  }
  return out;
}

const dimsText = (s: readonly number[]): string => s.join('x');

/** input[m, k] @ mat2[k, n], as torch.mm. */
export function mm(input: Tensor, mat2: Tensor): Tensor {
  return mmAs('mm', input, mat2);
}

/** The same, with errors naming `op` (matmul's, when it calls this). */
export function mmAs(op: string, input: Tensor, mat2: Tensor): Tensor {
  checkFloat(input, op, 'input');
  checkFloat(mat2, op, 'mat2');
  if (input.shape.length !== 2) fail(op, 'self must be a matrix');
  if (mat2.shape.length !== 2) fail(op, 'mat2 must be a matrix');
  const m = input.shape[0], k = input.shape[1];
  const n = mat2.shape[1];
  if (mat2.shape[0] !== k) {
    fail(op, `mat1 and mat2 shapes cannot be multiplied (${dimsText(input.shape)} and ${dimsText(mat2.shape)})`);
  }
  return product(mmDef, input, mat2, { batch: 1, m, n, k }, [m, n]);
}

/** input[b, m, k] @ mat2[b, k, n] for each b, as torch.bmm. */
export function bmm(input: Tensor, mat2: Tensor): Tensor {
  return bmmAs('bmm', input, mat2);
}

/** The same, with errors naming `op` (matmul's, when it calls this). */
export function bmmAs(op: string, input: Tensor, mat2: Tensor): Tensor {
  checkFloat(input, op, 'input');
  checkFloat(mat2, op, 'mat2');
  if (input.shape.length !== 3) fail(op, 'batch1 must be a 3D tensor');
  if (mat2.shape.length !== 3) fail(op, 'batch2 must be a 3D tensor');
  const batch = input.shape[0], m = input.shape[1], k = input.shape[2];
  const n = mat2.shape[2];
  if (mat2.shape[0] !== batch || mat2.shape[1] !== k) {
    fail(op, `Expected size for first two dimensions of batch2 tensor to be: [${batch}, ${k}] but got: ` +
      `[${mat2.shape[0]}, ${mat2.shape[1]}].`);
  }
  return product(bmmDef, input, mat2, { batch, m, n, k }, [batch, m, n]);
}

/** input[m, k] @ vec[k], as torch.mv. */
export function mv(input: Tensor, vec: Tensor): Tensor {
  return mvAs('mv', input, vec);
}

/** The same, with errors naming `op` (matmul's, when it calls this). */
export function mvAs(op: string, input: Tensor, vec: Tensor): Tensor {
  checkFloat(input, op, 'input');
  checkFloat(vec, op, 'vec');
  if (input.shape.length !== 2 || vec.shape.length !== 1) {
    fail(op, `vector + matrix @ vector expected, got 1, ${input.shape.length}, ${vec.shape.length}`);
  }
  const m = input.shape[0], k = input.shape[1];
  if (vec.shape[0] !== k) fail(op, `size mismatch, got ${m}, ${m}x${k},${vec.shape[0]}`);
  return product(mvDef, input, vec, { batch: 1, m, n: 1, k }, [m]);
}

/** sum(input * other) of two 1-d tensors, as torch.dot. */
export function dot(input: Tensor, other: Tensor): Tensor {
  return dotAs('dot', input, other);
}

/** The same, with errors naming `op` (matmul's, when it calls this). */
export function dotAs(op: string, input: Tensor, other: Tensor): Tensor {
  checkFloat(input, op, 'input');
  checkFloat(other, op, 'other');
  if (input.shape.length !== 1 || other.shape.length !== 1) {
    fail(op, `1D tensors expected, but got ${input.shape.length}D and ${other.shape.length}D tensors`);
  }
  const k = input.shape[0];
  if (other.shape[0] !== k) {
    fail(op, `inconsistent tensor size, expected tensor [${k}] and src [${other.shape[0]}] to have the same number ` +
      `of elements, but got ${k} and ${other.shape[0]} elements respectively`);
  }
  return product(dotDef, input, other, { batch: 1, m: 1, n: 1, k }, []);
}

export interface AddmmOptions { beta?: number; alpha?: number }
const ADDMM_OPTIONS = optionNames<AddmmOptions>({ beta: true, alpha: true });

/** beta * input + alpha * (mat1[m, k] @ mat2[k, n]), input broadcast to [m, n], as torch.addmm. */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options: AddmmOptions = {}): Tensor {
  checkFloat(input, 'addmm', 'input');
  checkFloat(mat1, 'addmm', 'mat1');
  checkFloat(mat2, 'addmm', 'mat2');
  checkOptions('addmm', options, ADDMM_OPTIONS);
  const { beta = 1, alpha = 1 } = options;
  if (typeof beta !== 'number' || typeof alpha !== 'number') fail('addmm', `beta and alpha must be numbers, got ${beta} and ${alpha}`);
  if (mat1.shape.length !== 2) fail('addmm', `mat1 must be a matrix, got ${mat1.shape.length}-D tensor`);
  if (mat2.shape.length !== 2) fail('addmm', `mat2 must be a matrix, got ${mat2.shape.length}-D tensor`);
  const [m, k] = mat1.shape;
  const n = mat2.shape[1];
  if (mat2.shape[0] !== k) {
    fail('addmm', `mat1 and mat2 shapes cannot be multiplied (${dimsText(mat1.shape)} and ${dimsText(mat2.shape)})`);
  }
  const is = input.shape;
  if (is.length > 2) {
    fail('addmm', `the number of sizes provided (2) must be greater or equal to the number of dimensions in the tensor (${is.length})`);
  }
  [m, n].forEach((d, i) => {
    const own = i - (2 - is.length) >= 0 ? is[i - (2 - is.length)] : 1;
    if (own !== d && own !== 1) {
      fail('addmm', `The expanded size of the tensor (${d}) must match the existing size (${own}) at non-singleton ` +
        `dimension ${i}.  Target sizes: [${m}, ${n}].  Tensor sizes: ${shapeString(is)}`);
    }
  });
  return product(addmmDef, mat1, mat2, { batch: 1, m, n, k }, [m, n], { input, alpha, beta, inputs: [input, mat1, mat2] });
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
  const outFeatures = weight.shape[0], inFeatures = weight.shape[1];
  if (input.shape.length === 0 || input.shape[input.shape.length - 1] !== inFeatures) {
    fail('linear', `input shape ${shapeString(input.shape)} does not match weight shape ${shapeString(weight.shape)} ` +
      `(expected input [..., ${inFeatures}])`);
  }
  const hasBias = bias !== null && bias !== undefined;
  if (hasBias) {
    checkFloat(bias, 'linear', 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== outFeatures) {
      fail('linear', `bias shape ${shapeString(bias.shape)} does not match weight shape ${shapeString(weight.shape)} ` +
        `(expected [${outFeatures}])`);
    }
  }
  const x2d = input.shape.length === 2 ? input : reshape(input, [-1, inFeatures]);
  const m = x2d.shape[0];
  const dims = { batch: 1, m, n: outFeatures, k: inFeatures };
  const out2d = hasBias
    ? product(linearDef, x2d, weight, dims, [m, outFeatures], { bIsWeight: true, input: bias, beta: 1, inputs: [bias, x2d, weight] })
    : product(mmDef, x2d, weight, dims, [m, outFeatures], { bIsWeight: true });
  if (input.shape.length === 2) return out2d;
  const outShape = [...input.shape.slice(0, -1), outFeatures];
  // PyTorch: addmm's result goes through view, mm's through _unsafe_view.
  return makeView(out2d, hasBias ? 'ViewBackward0' : 'UnsafeViewBackward0', reshapeLayout('view', outShape));
}
