/**
 * Replays the view steps and compares the errors recorded by scripts/gen-fixtures-views.py
 * (used by test/views.test.ts and test/inplace.test.ts).
 */
import { Tensor } from '../../src';
import type { IndexItem } from '../../src/ops/indexing';
import { ArrayJson, f32, i32 } from './fixtures';

/** One view op as PyTorch ran it: `t.<op>(...args)`; index's argument is Python index text. */
export interface ViewStep { op: string; args: unknown[] }

export interface TorchError { type: string; message: string }

export function tensorOf(a: ArrayJson, requiresGrad = false): Tensor {
  if (a.dtype === 'i32') {
    const v = i32(a);
    return new Tensor(v.data, v.shape);
  }
  const v = f32(a);
  return new Tensor(v.data, v.shape, { requiresGrad });
}

/** `t[text]` item by item, as a TypeScript caller would spell it: numbers, null for None. */
export function indexItems(text: string): IndexItem[] {
  return text.split(',').map((part) => {
    const p = part.trim();
    if (p === 'None') return null;
    if (/^[+-]?\d+$/.test(p)) return Number(p);
    return p;
  });
}

export function applyStep(t: Tensor, step: ViewStep, itemwise = false): Tensor {
  const a = step.args as never[];
  switch (step.op) {
    case 'view': return t.view(a[0]);
    case 'reshape': return t.reshape(a[0]);
    case 'transpose': return t.transpose(a[0], a[1]);
    case 'permute': return t.permute(a[0]);
    case 't': return t.t();
    case 'unsqueeze': return t.unsqueeze(a[0]);
    case 'squeeze': return a.length === 0 ? t.squeeze() : t.squeeze(a[0]);
    case 'expand': return t.expand(a[0]);
    case 'narrow': return t.narrow(a[0], a[1], a[2]);
    case 'select': return t.select(a[0], a[1]);
    case 'flatten': return a.length === 0 ? t.flatten() : t.flatten(a[0], a[1]);
    case 'unflatten': return t.unflatten(a[0], a[1]);
    case 'index': {
      const text = a[0] as string;
      if (itemwise) return t.index(...indexItems(text));
      // A single integer is spelled as a number, as `x.index(-1)` would be.
      return /^\s*[+-]?\d+\s*$/.test(text) ? t.index(Number(text)) : t.index(text);
    }
    case 'detach': return t.detach();
    case 'contiguous': return t.contiguous();
    case 'data': return t.data;
    default: throw new Error(`unknown view step ${step.op}`);
  }
}

/** Lower-case words of a message, without a leading "op:" or "op():" that names the function. */
function words(message: string): string[] {
  const m = message.replace(/^\s*[\w.]+(\([^)]*\))?:\s+/, '');
  return m.toLowerCase().replace(/[^a-z0-9\-[\]]+/g, ' ').split(' ').filter((w) => w !== '');
}

/**
 * Loose match: the first `count` words of PyTorch's message (after any "op():" prefix) appear
 * in order, consecutively, in ours. Error texts name things in camelCase here, so the match
 * stays on the opening words, which say what went wrong.
 */
export function matchesTorchMessage(actual: string, expected: string, count = 4): boolean {
  const want = words(expected).slice(0, count);
  const got = words(actual);
  for (let i = 0; i + want.length <= got.length; i++) {
    if (want.every((w, k) => got[i + k] === w)) return true;
  }
  return false;
}

/**
 * Runs fn and describes how its outcome differs from PyTorch's error (null when it matches).
 * PyTorch's IndexError is a RangeError here; its other errors are Errors.
 */
export function errorMismatch(fn: () => unknown, expected: TorchError): string | null {
  try {
    fn();
  } catch (e) {
    const message = (e as Error).message;
    if (!matchesTorchMessage(message, expected.message)) {
      return `raised "${message}" where PyTorch raised ${expected.type} "${expected.message}"`;
    }
    if ((expected.type === 'IndexError') !== (e instanceof RangeError)) {
      return `raised a ${(e as Error).name} ("${message}") where PyTorch raised ${expected.type}`;
    }
    return null;
  }
  return `did not raise; PyTorch raised ${expected.type} "${expected.message}"`;
}

/** grad_fn names PyTorch 2.x gives where 1.13 (the fixtures' version) had another. */
const RENAMED: Record<string, string> = { ReshapeAliasBackward0: 'ViewBackward0' };

export function torchGradFnName(name: string | null): string | null {
  return name === null ? null : RENAMED[name] ?? name;
}

/**
 * Checks every case and throws one error listing the first `shown` that differ from PyTorch,
 * each with its description and its differences.
 */
export function expectAllMatch<T>(cases: readonly T[], check: (c: T) => string[], describe: (c: T) => string, shown = 12): void {
  const failures: string[] = [];
  for (const c of cases) {
    const problems = check(c);
    if (problems.length > 0) failures.push(`${describe(c)}\n    ${problems.join('\n    ')}`);
  }
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${cases.length} differ from PyTorch:\n${failures.slice(0, shown).join('\n')}`);
  }
}
