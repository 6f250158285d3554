/**
 * Python-style basic indexing, as views: `t.index(':, 0')` is `t[:, 0]`.
 *
 * Items, in Python's terms:
 * - an integer (negative counts from the end): select, removing the dim;
 * - `':'`, `'1:3'`, `'::2'`, `'-2:'` or `slice(start, stop, step)`: a slice, keeping the dim;
 * - `'...'` (or `ellipsis`): as many `:` as needed;
 * - `null`, `'None'` (or `newaxis`): a new size-1 dim.
 * One string may hold all the items, comma-separated: `t.index('1:3, ..., None')`.
 * Tensor (advanced) indices copy in PyTorch; use indexSelect/gather for those.
 */
import { Tensor, shapeString } from '../tensor';
import { fail } from './util';
import { makeView, select, slice as sliceView, unsqueeze } from './view';

export class Slice {
  constructor(readonly start: number | null = null, readonly stop: number | null = null, readonly step: number | null = null) {}
}

/** Python's `start:stop:step` (null leaves a bound open). */
export function slice(start: number | null = null, stop: number | null = null, step: number | null = null): Slice {
  return new Slice(start, stop, step);
}

/** `...` as an index item. */
export const ellipsis = '...';
/** `None` as an index item: a new size-1 dim. */
export const newaxis = null;

export type IndexItem = number | string | Slice | null;

type Parsed = { kind: 'int'; value: number } | { kind: 'slice'; s: Slice } | { kind: 'ellipsis' } | { kind: 'new' };

function parseInt_(text: string, whole: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  if (!/^[+-]?\d+$/.test(t)) fail('index', `cannot read '${t}' in '${whole}' as an integer`);
  return Number(t);
}

function parseString(text: string): Parsed[] {
  const out: Parsed[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === '' && text.trim() === '') continue;
    if (p === '') fail('index', `empty item in '${text}'`);
    if (p === '...') out.push({ kind: 'ellipsis' });
    else if (p === 'None' || p === 'null') out.push({ kind: 'new' });
    else if (p.includes(':')) {
      const bits = p.split(':');
      if (bits.length > 3) fail('index', `'${p}' has more than two colons`);
      out.push({ kind: 'slice', s: new Slice(parseInt_(bits[0], text), parseInt_(bits[1], text), bits.length === 3 ? parseInt_(bits[2], text) : null) });
    } else out.push({ kind: 'int', value: parseInt_(p, text)! });
  }
  return out;
}

function parseItems(items: readonly IndexItem[]): Parsed[] {
  const out: Parsed[] = [];
  for (const item of items) {
    if (item === null || item === undefined) out.push({ kind: 'new' });
    else if (typeof item === 'number') {
      if (!Number.isInteger(item)) fail('index', `only integers, slices, '...' and null are valid indices (got ${item})`);
      out.push({ kind: 'int', value: item });
    } else if (typeof item === 'string') out.push(...parseString(item));
    else if (item instanceof Slice) out.push({ kind: 'slice', s: item });
    else if ((item as unknown) instanceof Tensor) {
      fail('index', 'tensor (advanced) indices are not supported by index(); use indexSelect, gather or maskedSelect');
    } else fail('index', `only integers, slices, '...' and null are valid indices (got ${typeof item})`);
  }
  return out;
}

/** t[items] as a view. */
export function index(input: Tensor, items: readonly IndexItem[]): Tensor {
  if (!(input instanceof Tensor)) fail('index', `input must be a Tensor, got ${typeof input}`);
  const parsed = parseItems(items);
  const ellipses = parsed.filter((p) => p.kind === 'ellipsis').length;
  // NumPy's rule (PyTorch 1.13 lets each ellipsis skip the same dims again).
  if (ellipses > 1) throw new RangeError("index: an index can only have a single ellipsis ('...')");
  const consuming = parsed.filter((p) => p.kind === 'int' || p.kind === 'slice').length;
  const nd = input.shape.length;
  if (consuming > nd) {
    throw new RangeError(`index: too many indices for tensor of dimension ${nd} (shape ${shapeString(input.shape)})`);
  }
  let t = input;
  let dim = 0;
  for (const p of parsed) {
    switch (p.kind) {
      case 'ellipsis':
        dim += nd - consuming;
        break;
      case 'new':
        t = unsqueeze(t, dim);
        dim++;
        break;
      case 'int': {
        const size = t.shape[dim];
        if (p.value < -size || p.value >= size) {
          throw new RangeError(`index ${p.value} is out of bounds for dimension ${dim} with size ${size}`);
        }
        t = select(t, dim, p.value);
        break;
      }
      case 'slice': {
        const step = p.s.step ?? 1;
        // Python's texts: a zero step is refused by slice() itself, a negative one by PyTorch.
        if (step === 0) fail('index', 'slice step cannot be zero');
        if (step < 0) fail('index', `step must be greater than zero (got ${step})`);
        t = sliceView(t, dim, p.s.start, p.s.stop, step);
        dim++;
        break;
      }
    }
  }
  // Like PyTorch, indexing always returns a new tensor object, even for t[...]: an alias.
  return t === input ? makeView(input, 'AliasBackward0', (l) => l) : t;
}
