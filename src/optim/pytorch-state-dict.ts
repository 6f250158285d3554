/**
 * PyTorch's optimizer state dicts and this library's: the same structure with PyTorch's
 * snake_case names (`param_groups`, `weight_decay`, `momentum_buffer`, `exp_avg_sq`) where this
 * library has camelCase ones, and torch 1.13's 0-d tensor `step` (Adam, AdamW, Adagrad) where this
 * library keeps a number. `Optimizer.loadStateDict` accepts either form, so
 * `optimizer.loadStateDict(io.load('optim.pth'))` takes a state dict that `torch.save` wrote;
 * `io.save(optim.toPyTorchStateDict(optimizer.stateDict()), 'optim.pth')` writes one that
 * `torch.optim`'s `load_state_dict` takes.
 */
import { Tensor } from '../tensor';
import { describeValue } from '../options';
import type { OptimizerStateDict, ParamState } from './optimizer';

/** The PyTorch form, as `io.load` returns it (dict keys are strings, tuples are arrays). */
export interface PyTorchOptimizerStateDict {
  state: Record<string, Record<string, unknown>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

/**
 * Keys of torch.optim groups that choose among implementations of the same update. `foreach`
 * (a faster loop, same numbers) is dropped whatever its value; the others change what a step
 * means (CUDA graphs, a differentiable step, a fused CUDA kernel) and are accepted only off.
 */
const IMPLEMENTATION_KEYS: Record<string, 'any' | 'off'> = { foreach: 'any', capturable: 'off', differentiable: 'off', fused: 'off' };

const camel = (s: string): string => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
// not the first letter: LBFGS's HDiag is PyTorch's H_diag
const snake = (s: string): string => s.replace(/(?<!^)[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** True for a PyTorch-form optimizer state dict (it has `param_groups`). */
export function isPyTorchStateDict(sd: unknown): sd is PyTorchOptimizerStateDict {
  return sd !== null && typeof sd === 'object' && 'param_groups' in sd;
}

function fail(message: string): never {
  throw new Error(`fromPyTorchStateDict: ${message}`);
}

/** A PyTorch optimizer state dict in this library's names; Tensors are kept (not copied). */
export function fromPyTorchStateDict<O = Record<string, unknown>>(sd: PyTorchOptimizerStateDict): OptimizerStateDict<O> {
  if (!isPyTorchStateDict(sd)) fail(`expected { state, param_groups }, got ${describeValue(sd)}`);
  if (!Array.isArray(sd.param_groups)) fail(`param_groups must be a list, got ${describeValue(sd.param_groups)}`);
  if (sd.state === null || typeof sd.state !== 'object') fail(`state must be a dict, got ${describeValue(sd.state)}`);
  const paramGroups = sd.param_groups.map((group, i) => {
    if (group === null || typeof group !== 'object') fail(`param_groups[${i}] must be a dict, got ${describeValue(group)}`);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(group)) {
      const implementation = IMPLEMENTATION_KEYS[key];
      if (implementation === 'any') continue;
      if (implementation === 'off') {
        if (value === false || value === null) continue;
        fail(`param_groups[${i}] has ${key}=${JSON.stringify(value)}, which this library does not support (only ${key}=False)`);
      }
      out[camel(key)] = value;
    }
    return out as O & { params: number[] };
  });
  const state: Record<number, ParamState> = {};
  for (const [id, s] of Object.entries(sd.state)) {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) fail(`state[${id}] must be a dict, got ${describeValue(s)}`);
    const own: ParamState = {};
    for (const [field, value] of Object.entries(s)) {
      if (field === 'step' && value instanceof Tensor) {
        if (value.numel !== 1) fail(`state[${id}].step must be a single number, got a tensor of shape [${value.shape}]`);
        own.step = value.item();
      } else {
        own[camel(field)] = value as ParamState[string];
      }
    }
    state[Number(id)] = own;
  }
  return { state, paramGroups };
}

/** This library's optimizer state dict in PyTorch's names, for `io.save` and `torch.load`. */
export function toPyTorchStateDict<O>(sd: OptimizerStateDict<O>): PyTorchOptimizerStateDict {
  const state: Record<string, Record<string, unknown>> = {};
  for (const [id, s] of Object.entries(sd.state)) {
    state[id] = Object.fromEntries(Object.entries(s as ParamState).map(([field, value]) => [snake(field), value]));
  }
  const param_groups = sd.paramGroups.map((group) =>
    Object.fromEntries(Object.entries(group as object).map(([key, value]) => [snake(key), value])) as Record<string, unknown> & { params: number[] });
  return { state, param_groups };
}
