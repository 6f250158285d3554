/**
 * pad, as torch.nn.functional.pad(input, pad, mode, value): `pad` lists (left, right) pairs
 * from the last dimension backwards; negative entries crop. Every mode is a gather: each
 * output cell reads one input cell (or the constant), found per axis; backward scatter-adds
 * the gradient back through the same map. Modes and checks are torch 1.13's: 'constant' on any
 * rank; 'reflect' and 'replicate' over the last 1, 2 or 3 dims of an input with one or no batch
 * dimension; 'circular' over all dims after the first two.
 */
import { allocFloat32, emptyFloat32 } from '../storage';
import { Tensor } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { checkFloat, fail, shapeString } from './util';

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
const MODES: readonly string[] = ['constant', 'reflect', 'replicate', 'circular'];

/** Input index read by each output index along one axis; -1 reads the constant. */
function axisMap(mode: PadMode, n: number, left: number, out: number): Int32Array {
  const map = new Int32Array(out);
  const right = out - n - left;
  for (let o = 0; o < out; o++) {
    const i = o - left;
    if (mode !== 'circular' && i >= 0 && i < n) map[o] = i;
    else if (mode === 'constant') map[o] = -1;
    else if (mode === 'reflect') map[o] = i < 0 ? -i : 2 * (n - 1) - i;
    else if (mode === 'replicate') map[o] = i < 0 ? 0 : n - 1;
    else {
      // torch 1.13's _pad_circular wraps around the cropped input: [max(-left, 0), n - max(-right, 0)).
      const from = Math.max(-left, 0);
      const m = n - from - Math.max(-right, 0);
      if (m <= 0) fail('pad', 'circular padding needs some of the input left after the negative padding');
      const j = o - Math.max(left, 0);
      map[o] = from + (((j % m) + m) % m);
    }
  }
  return map;
}

/** The flat input index (or -1) of every output cell, from the per-axis maps. */
function gatherIndex(inShape: readonly number[], maps: Int32Array[]): Int32Array {
  let index = Int32Array.of(0);
  inShape.forEach((n, d) => {
    const map = maps[d];
    const next = new Int32Array(index.length * map.length);
    let k = 0;
    for (const base of index) {
      for (const m of map) next[k++] = base < 0 || m < 0 ? -1 : base * n + m;
    }
    index = next;
  });
  return index;
}

interface PadState {
  /** int32, the output's shape: the input cell each output cell reads, -1 for the constant. */
  index: SavedTensor;
  inputNumel: number;
}

function padBackward(s: PadState, gradOut: Float32Array): [Float32Array] {
  const gx = allocFloat32(s.inputNumel);
  const index = s.index.ints;
  for (let o = 0; o < index.length; o++) if (index[o] >= 0) gx[index[o]] += gradOut[o];
  return [gx];
}

const GRAD_FN: Record<PadMode, (k: number) => string> = {
  constant: () => 'ConstantPadNdBackward0',
  reflect: (k) => `ReflectionPad${k}DBackward0`,
  replicate: (k) => `ReplicationPad${k}DBackward0`,
  circular: () => 'CopySlices', // torch 1.13 pads circularly by copying slices
};
const padDefs = new Map<string, OpDef<PadState>>();
function padDef(name: string): OpDef<PadState> {
  let def = padDefs.get(name);
  if (def === undefined) padDefs.set(name, (def = { name, backward: padBackward }));
  return def;
}

/** torch 1.13's checks of a non-constant mode, in its order, with its texts. */
function checkNonConstant(mode: PadMode, shape: readonly number[], pad: readonly number[], value: number | undefined): void {
  const op = 'pad';
  const ndim = shape.length;
  const k = pad.length / 2;
  if (value !== undefined && value !== 0) fail(op, `Padding mode "${mode}" doesn't take in value argument`);
  if (!(k >= 1 && k <= 3 && (ndim === k + 1 || ndim === k + 2))) {
    fail(op, 'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now');
  }
  if (mode === 'circular') {
    if (pad.length + 4 !== ndim * 2) fail(op, `Invalid padding size, expected ${(ndim - 2) * 2} but got ${pad.length}`);
  } else if (shape.slice(ndim - k - 1).includes(0)) {
    fail(op, `Expected ${k + 1}D or ${k + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero ` +
      `dimensions for input, but got: ${shapeString(shape)}`);
  }
  for (let j = 0; j < k; j++) {
    const d = ndim - 1 - j;
    const [l, r] = [pad[2 * j], pad[2 * j + 1]];
    if (mode === 'reflect' && (l >= shape[d] || r >= shape[d])) {
      const input = k === 1 ? shapeString(shape) : `${ndim}`;
      fail(op, `Argument #${4 + 2 * j}: Padding size should be less than the corresponding input dimension, but got: ` +
        `padding (${l}, ${r}) at dimension ${d} of input ${input}`);
    }
    if (mode === 'circular' && (l > shape[d] || r > shape[d])) fail(op, 'Padding value causes wrapping around more than once.');
  }
}

/**
 * torch.nn.functional.pad(input, pad, mode = 'constant', value = 0 for 'constant').
 */
export function pad(input: Tensor, padding: readonly number[], mode: PadMode = 'constant', value?: number): Tensor {
  const op = 'pad';
  checkFloat(input, op, 'input');
  if (!Array.isArray(padding) || !padding.every(Number.isInteger)) {
    throw new TypeError(`${op}: pad must be an array of integers, got ${JSON.stringify(padding)}`);
  }
  if (!MODES.includes(mode)) fail(op, `Unrecognised padding mode ${mode}`);
  if (value !== undefined && typeof value !== 'number') throw new TypeError(`${op}: value must be a number, got ${JSON.stringify(value)}`);
  const shape = input.shape;
  const ndim = shape.length;
  if (padding.length % 2 !== 0) fail(op, 'Padding length must be divisible by 2');
  if (padding.length > ndim * 2) fail(op, 'Padding length too large');
  if (mode !== 'constant') checkNonConstant(mode, shape, padding, value);
  const outShape = [...shape];
  const maps = shape.map((n) => axisMap('constant', n, 0, n));
  for (let j = 0; j < padding.length / 2; j++) {
    const d = ndim - 1 - j;
    const [l, r] = [padding[2 * j], padding[2 * j + 1]];
    const out = shape[d] + l + r;
    if (out < 0) {
      fail(op, `The input size ${shape[d]}, plus negative padding ${l} and ${r} resulted in a negative output size, ` +
        `which is invalid. Check dimension ${d} of your input.`);
    }
    outShape[d] = out;
    maps[d] = axisMap(mode, shape[d], l, out);
  }
  const index = gatherIndex(shape, maps);
  const x = input._dense() as Float32Array;
  const fill = value ?? 0;
  const y = emptyFloat32(index.length);
  for (let o = 0; o < index.length; o++) y[o] = index[o] >= 0 ? x[index[o]] : fill;
  const out = new Tensor(y, outShape);
  if (needsGrad(input)) {
    const name = GRAD_FN[mode](padding.length / 2);
    record(padDef(name), out, [input], { index: save(new Tensor(index, outShape)), inputNumel: x.length });
  }
  return out;
}
