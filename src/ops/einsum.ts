/**
 * torch.einsum: 'ij,jk->ik', 'bij,bjk->bik', 'i,i->',
 * 'i,j->ij', 'ij->ji', 'ii->i', 'bhqd,bhkd->bhqk', implicit outputs ('ij,jk'), sums over
 * subscripts that leave the output. A subscript repeated within one operand takes its diagonal
 * (a strided view); a subscript only one operand has and the output lacks is summed at once;
 * operands are then contracted left to right, each pair by permute and reshape into one bmm.
 * Everything is composed of differentiable ops, so the backward is theirs. An ellipsis ('...')
 * stands for an operand's remaining dims, aligned from the right across operands (broadcast
 * as any subscript); it becomes fresh letters, placed where the output has '...' (first in an
 * implicit output) and summed when an explicit output has none, as PyTorch.
 */
import { Tensor } from '../tensor';
import { bmm } from './matmul';
import { permute } from './permute';
import { sum } from './reduce';
import { reshape } from './shape';
import { expand, makeView } from './view';
import { checkFloat, fail } from './util';

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/** A tensor and the subscript letter of each of its dims. */
interface Term { t: Tensor; letters: string[] }

function parse(equation: string, shapes: ReadonlyArray<readonly number[]>): { inputs: string[][]; output: string[] | null; ellipsis: string[] } {
  const count = shapes.length;
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const rhs = arrow < 0 ? null : eq.slice(arrow + 2);
  for (const ch of lhs.replace(/,|\.\.\./g, '') + (rhs ?? '').replace('...', '')) {
    if (!/[a-zA-Z]/.test(ch)) fail('einsum', `invalid subscript given at index ${eq.indexOf(ch)} in the equation string, subscripts must be in [a-zA-Z]`);
  }
  const specs = lhs.split(',');
  if (specs.length > count) fail('einsum', 'fewer operands were provided than specified in the equation');
  if (specs.length < count) fail('einsum', 'more operands were provided than specified in the equation');
  specs.forEach((spec, i) => {
    if (spec.split('...').length > 2) fail('einsum', `found '.' for operand ${i} for which an ellipsis was already found`);
  });
  if (rhs !== null && rhs.split('...').length > 2) fail('einsum', "found '.' for output but an ellipsis (...) was already found");
  // The ellipsis becomes fresh letters, as many as the most dims any operand's ellipsis covers.
  const explicit = specs.map((spec) => spec.replace('...', '').length);
  specs.forEach((spec, i) => {
    if (spec.includes('...') && explicit[i] > shapes[i].length) {
      fail('einsum', `the number of subscripts in the equation (${explicit[i]}) is more than the number of dimensions ` +
        `(${shapes[i].length}) for operand ${i}`);
    }
  });
  const width = Math.max(0, ...specs.map((spec, i) => (spec.includes('...') ? shapes[i].length - explicit[i] : 0)));
  const free = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((l) => !eq.includes(l));
  const ellipsis = free.slice(0, width);
  const expand = (spec: string, n: number): string[] => {
    const at = spec.indexOf('...');
    return at < 0 ? [...spec] : [...spec.slice(0, at), ...ellipsis.slice(width - n), ...spec.slice(at + 3)];
  };
  const inputs = specs.map((spec, i) => expand(spec, shapes[i].length - explicit[i]));
  const output = rhs === null ? null : expand(rhs, width);
  return { inputs, output, ellipsis };
}

/** `t` with the dims of a repeated letter merged into their diagonal (PyTorch's diagonal view). */
function diagonalize(term: Term): Term {
  const letters: string[] = [];
  const dimsOf = new Map<string, number[]>();
  term.letters.forEach((l, d) => {
    if (!dimsOf.has(l)) { dimsOf.set(l, []); letters.push(l); }
    dimsOf.get(l)!.push(d);
  });
  if (letters.length === term.letters.length) return term;
  for (const [l, dims] of dimsOf) {
    const sizes = dims.map((d) => term.t.shape[d]);
    if (sizes.some((s) => s !== sizes[0])) {
      fail('einsum', `subscript ${l} is repeated for operand with sizes ${sizes.join(' and ')}, which do not match`);
    }
  }
  const t = makeView(term.t, 'DiagonalBackward0', (layout) => ({
    shape: letters.map((l) => layout.shape[dimsOf.get(l)![0]]),
    strides: letters.map((l) => dimsOf.get(l)!.reduce((s, d) => s + layout.strides[d], 0)),
    offset: layout.offset,
  }));
  return { t, letters };
}

/** `term` with the letters not in `keep` summed out. */
function sumOut(term: Term, keep: (l: string) => boolean): Term {
  const dims = term.letters.flatMap((l, d) => (keep(l) ? [] : [d]));
  if (dims.length === 0) return term;
  return { t: sum(term.t, dims), letters: term.letters.filter((l) => keep(l)) };
}

/** `term` permuted so its letters are `order`, then reshaped to `groups` (lengths of consecutive runs). */
function arrange(term: Term, order: string[], sizes: Map<string, number>, groups: number[]): Tensor {
  const perm = order.map((l) => term.letters.indexOf(l));
  const identity = perm.every((p, i) => p === i);
  const t = identity ? term.t : permute(term.t, perm);
  let at = 0;
  const shape = groups.map((g) => { const s = product(order.slice(at, at + g).map((l) => sizes.get(l)!)); at += g; return s; });
  return reshape(t, shape);
}

/** The contraction of a and b keeping the letters `keep` says (batch ones, then a's, then b's). */
function contract(a: Term, b: Term, keep: (l: string) => boolean, sizes: Map<string, number>): Term {
  const inB = new Set(b.letters);
  const inA = new Set(a.letters);
  a = sumOut(a, (l) => inB.has(l) || keep(l));
  b = sumOut(b, (l) => inA.has(l) || keep(l));
  const batch = a.letters.filter((l) => inB.has(l) && keep(l));
  const left = a.letters.filter((l) => !inB.has(l));
  const right = b.letters.filter((l) => !inA.has(l));
  const summed = a.letters.filter((l) => inB.has(l) && !keep(l));
  const x = arrange(a, [...batch, ...left, ...summed], sizes, [batch.length, left.length, summed.length]);
  const y = arrange(b, [...batch, ...summed, ...right], sizes, [batch.length, summed.length, right.length]);
  const letters = [...batch, ...left, ...right];
  return { t: reshape(bmm(x, y), letters.map((l) => sizes.get(l)!)), letters };
}

/** Sums of products of the operands' elements along the subscripts of `equation` (torch.einsum). */
export function einsum(equation: string, ...operands: Array<Tensor | Tensor[]>): Tensor {
  if (typeof equation !== 'string') fail('einsum', `equation must be a string, got ${typeof equation}`);
  const tensors = operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : (operands as Tensor[]);
  tensors.forEach((t, i) => checkFloat(t, 'einsum', `operand ${i}`));
  const { inputs, output: given, ellipsis } = parse(equation, tensors.map((t) => t.shape));
  // The sizes of the subscripts; a size-1 dim broadcasts against a larger one.
  const sizes = new Map<string, number>();
  inputs.forEach((letters, i) => {
    const shape = tensors[i].shape;
    if (letters.length !== shape.length) {
      fail('einsum', `the number of subscripts in the equation (${letters.length}) does not match the number of ` +
        `dimensions (${shape.length}) for operand ${i} and no ellipsis was given`);
    }
    letters.forEach((l, d) => {
      const seen = sizes.get(l);
      if (seen !== undefined && seen !== shape[d] && seen !== 1 && shape[d] !== 1) {
        fail('einsum', `subscript ${l} has size ${shape[d]} for operand ${i} which does not broadcast with previously seen size ${seen}`);
      }
      if (seen === undefined || seen === 1) sizes.set(l, shape[d]);
    });
  });
  const counts = new Map<string, number>();
  for (const letters of inputs) for (const l of letters) counts.set(l, (counts.get(l) ?? 0) + 1);
  // Implicit output: the ellipsis's dims, then the letters that occur once, in alphabetical order.
  const output = given ?? [...ellipsis, ...[...counts.keys()].filter((l) => counts.get(l) === 1 && !ellipsis.includes(l)).sort()];
  output.forEach((l, i) => {
    if (!sizes.has(l)) fail('einsum', `output subscript ${l} does not appear in the equation for any input operand`);
    if (output.indexOf(l) !== i) fail('einsum', `output subscript ${l} appears more than once in the output`);
  });
  let terms: Term[] = inputs.map((letters, i) => {
    const t = tensors[i];
    const full = letters.map((l) => sizes.get(l)!);
    const broadcast = full.some((s, d) => s !== t.shape[d]);
    return diagonalize({ t: broadcast ? expand(t, full) : t, letters });
  });
  const inOutput = new Set(output);
  // Letters that only one operand has and the output lacks are summed at once.
  const owners = new Map<string, number>();
  for (const term of terms) for (const l of term.letters) owners.set(l, (owners.get(l) ?? 0) + 1);
  terms = terms.map((term) => sumOut(term, (l) => inOutput.has(l) || owners.get(l)! > 1));
  let acc = terms[0];
  for (let i = 1; i < terms.length; i++) {
    const later = new Set(terms.slice(i + 1).flatMap((t) => t.letters));
    acc = contract(acc, terms[i], (l) => inOutput.has(l) || later.has(l), sizes);
  }
  acc = sumOut(acc, (l) => inOutput.has(l));
  const perm = output.map((l) => acc.letters.indexOf(l));
  return perm.every((p, i) => p === i) ? acc.t : permute(acc.t, perm);
}
