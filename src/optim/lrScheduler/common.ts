/** Option checks shared by the schedulers: each returns the problem, or null. */
import { Optimizer } from '../optimizer';
import { describeValue } from '../../options';

/** Options every scheduler refuses the same way. */
export const SCHEDULER_UNSUPPORTED = { verbose: 'read the lr with getLastLr()' };

export function finiteProblem(name: string, v: unknown): string | null {
  return typeof v === 'number' && Number.isFinite(v) ? null : `${name} must be a finite number, got ${describeValue(v)}`;
}

export function positiveIntegerProblem(name: string, v: unknown): string | null {
  return Number.isInteger(v) && (v as number) > 0 ? null : `${name} must be a positive integer, got ${describeValue(v)}`;
}

/** The first problem of a list of checks, thrown as `where: problem`. */
export function throwFirst(where: string, problems: Array<string | null>): void {
  const problem = problems.find((p) => p !== null);
  if (problem) throw new Error(`${where}: ${problem}`);
}

/**
 * One value per param group, as PyTorch's _format_param: a list must have one number per
 * group, a number is repeated.
 */
export function perGroup(where: string, name: string, optimizer: Optimizer<{ lr: number }>, v: unknown): number[] {
  const groups = optimizer.paramGroups.length;
  const list = Array.isArray(v) ? v : new Array(groups).fill(v);
  if (list.length !== groups) throw new Error(`${where}: expected ${groups} values for ${name}, got ${list.length}`);
  list.forEach((x, i) => throwFirst(where, [finiteProblem(Array.isArray(v) ? `${name}[${i}]` : name, x)]));
  return list as number[];
}

/** Python's a % b for b > 0 (never negative, unlike JS's). */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
