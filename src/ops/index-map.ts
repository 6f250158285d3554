/**
 * Ops whose every output element is one input element, chosen by position: gather,
 * indexSelect, repeat, tile, flip, roll, and each input of cat. The forward builds a map
 * (output element -> input element) and copies through it; one backward adds the gradient
 * back through the same map (an input element picked twice gets both gradients).
 */
import { Tensor, numelOf, checkDim } from '../tensor';
import { OpDef, SavedTensor, needsGrad, record, save } from '../autograd';
import { allocData, contiguousStrides } from '../storage';

export interface IndexMapState {
  /** map[k] = flat index in the input of output element k. */
  map: Int32Array | null;
  /** The same map, when the op saves its index as PyTorch does (so it is freed after backward). */
  savedMap: SavedTensor | null;
  inputNumel: number;
}

function indexMapBackward(state: IndexMapState, g: Float32Array): [Float32Array] {
  const map = state.map ?? state.savedMap!.ints;
  const out = new Float32Array(state.inputNumel);
  for (let k = 0; k < map.length; k++) out[map[k]] += g[k];
  return [out];
}

const defs = new Map<string, OpDef<IndexMapState>>();
function defOf(name: string): OpDef<IndexMapState> {
  let def = defs.get(name);
  if (def === undefined) defs.set(name, def = { name, backward: indexMapBackward });
  return def;
}

/**
 * out[k] = input[map[k]], recorded as `name`. `savesIndex` marks ops that PyTorch
 * back-propagates only once without retainGraph (those that save their index).
 */
export function indexMapped(name: string, input: Tensor, outShape: readonly number[], map: Int32Array, savesIndex: boolean): Tensor {
  const x = input._dense();
  const out = allocData(input.dtype, map.length);
  for (let k = 0; k < map.length; k++) out[k] = x[map[k]];
  const result = new Tensor(out, outShape);
  if (input.dtype === 'float32' && needsGrad(input)) {
    record(defOf(name), result, [input], savesIndex
      ? { map: null, savedMap: save(new Tensor(map, [map.length])), inputNumel: input.numel }
      : { map, savedMap: null, inputNumel: input.numel });
  }
  return result;
}

/**
 * The map of an output of `outShape` whose coordinate c reads the input (of `inShape`) at
 * coordinate `source(c)`, where source rewrites the coordinate array in place.
 */
export function buildMap(inShape: readonly number[], outShape: readonly number[], source: (coord: number[]) => void): Int32Array {
  const n = numelOf(outShape);
  const map = new Int32Array(n);
  const inStrides = contiguousStrides(inShape);
  const nd = outShape.length;
  const coord = new Array<number>(nd).fill(0);
  const work = new Array<number>(nd);
  for (let k = 0; k < n; k++) {
    for (let d = 0; d < nd; d++) work[d] = coord[d];
    source(work);
    let p = 0;
    for (let d = 0; d < inShape.length; d++) p += work[d] * inStrides[d];
    map[k] = p;
    for (let d = nd - 1; d >= 0; d--) {
      if (++coord[d] < outShape[d]) break;
      coord[d] = 0;
    }
  }
  return map;
}

export { checkDim };
