/**
 * torch.utils.data.default_collate for the shapes samples take here: a batch (list of samples)
 * becomes one structure of the same shape, each leaf stacked along a new first dimension.
 *
 * - Tensors: stacked, dtype kept ([B, ...shape]).
 * - Images and other `{ data, shape }` arrays: stacked into a float32 Tensor (int32 for Int32Array
 *   data); uint8 images keep their 0..255 values, as the image collate does.
 * - Numbers: an int32 Tensor [B] when all are integers, else float32 (JS numbers do not tell
 *   PyTorch's int from float; PyTorch gives int64 / float64). Booleans: a bool Tensor [B].
 * - Strings: the list of them, as in PyTorch.
 * - Arrays and tuples: a list with each position collated (all samples must have the same
 *   length, as in PyTorch; PyTorch also returns a list for tuples).
 * - Plain objects: an object with each key collated (the keys of the first sample).
 */
import { Tensor } from '../tensor';
import { allocData } from '../storage';
import { describeValue } from '../options';

const WHAT_IT_TAKES = 'batch must contain tensors, { data, shape } arrays, numbers, booleans, strings, objects or arrays';

function isArrayLike(x: unknown): x is { data: ArrayLike<number>; shape: readonly number[] } {
  return typeof x === 'object' && x !== null && ArrayBuffer.isView((x as { data?: unknown }).data) && Array.isArray((x as { shape?: unknown }).shape);
}

function sameShape(where: string, shapes: ReadonlyArray<readonly number[]>): readonly number[] {
  const first = shapes[0];
  shapes.forEach((s, b) => {
    if (s.length !== first.length || s.some((d, i) => d !== first[i])) {
      throw new Error(`${where}: sample ${b} has shape [${s.join(', ')}] but sample 0 has [${first.join(', ')}]; ` +
        'stack expects each tensor to be equal size');
    }
  });
  return first;
}

function stackTensors(where: string, batch: Tensor[]): Tensor {
  const dtype = batch[0].dtype;
  if (batch.some((t) => t.dtype !== dtype)) throw new Error(`${where}: tensors of different dtypes in one batch`);
  const shape = sameShape(where, batch.map((t) => t.shape));
  const size = batch[0].numel;
  const out = allocData(dtype, batch.length * size);
  batch.forEach((t, b) => out.set(t._dense(), b * size));
  return new Tensor(out, [batch.length, ...shape]);
}

function stackArrays(where: string, batch: Array<{ data: ArrayLike<number>; shape: readonly number[] }>): Tensor {
  const shape = sameShape(where, batch.map((a) => a.shape));
  const size = batch[0].data.length;
  const ints = batch.every((a) => a.data instanceof Int32Array);
  const out = ints ? new Int32Array(batch.length * size) : new Float32Array(batch.length * size);
  batch.forEach((a, b) => {
    if (a.data.length !== size) throw new Error(`${where}: sample ${b} has ${a.data.length} values for its shape, sample 0 ${size}`);
    out.set(a.data, b * size);
  });
  return new Tensor(out, [batch.length, ...shape]);
}

/** Collates a list of samples; `where` names the position in the sample for errors. */
export function collate(batch: readonly unknown[], where = 'collate'): unknown {
  if (batch.length === 0) throw new Error(`${where}: empty batch`);
  const first = batch[0];
  const kindOf = (x: unknown): string => (x instanceof Tensor ? 'Tensor' : isArrayLike(x) ? 'array' : Array.isArray(x) ? 'list'
    : x === null ? 'null' : typeof x);
  const kind = kindOf(first);
  batch.forEach((x, b) => {
    if (kindOf(x) !== kind) throw new TypeError(`${where}: sample ${b} is ${describeValue(x)} but sample 0 is ${describeValue(first)}`);
  });
  switch (kind) {
    case 'Tensor':
      return stackTensors(where, batch as Tensor[]);
    case 'array':
      return stackArrays(where, batch as Array<{ data: ArrayLike<number>; shape: readonly number[] }>);
    case 'number': {
      const values = batch as number[];
      return values.every(Number.isInteger) ? new Tensor(Int32Array.from(values), [values.length]) : new Tensor(Float32Array.from(values), [values.length]);
    }
    case 'boolean':
      return new Tensor(Uint8Array.from(batch as boolean[], (v) => (v ? 1 : 0)), [batch.length]);
    case 'string':
      return [...batch];
    case 'list': {
      const lists = batch as unknown[][];
      if (lists.some((l) => l.length !== lists[0].length)) throw new Error(`${where}: each element in list of batch should be of equal size`);
      return lists[0].map((_, i) => collate(lists.map((l) => l[i]), `${where}[${i}]`));
    }
    case 'object': {
      const objects = batch as Array<Record<string, unknown>>;
      return Object.fromEntries(Object.keys(first as object).map((key) => {
        objects.forEach((o, b) => {
          if (!(key in o)) throw new Error(`${where}: sample ${b} has no '${key}', which sample 0 has`);
        });
        return [key, collate(objects.map((o) => o[key]), `${where}.${key}`)];
      }));
    }
    default:
      throw new TypeError(`${where}: ${WHAT_IT_TAKES}; found ${describeValue(first)}`);
  }
}
