/**
 * Optimizer, as torch.optim.Optimizer: parameter groups with per-group options, per-parameter
 * state, zeroGrad, and a state dict whose parameters are indices over all groups in order.
 * Subclasses hold only their update rule.
 */
import { Tensor, shapeString } from '../tensor';
import { zeroGradOf } from '../nn/module';
import type { ZeroGradOptions } from '../nn/module';

export type ParamGroup<O> = O & { params: Tensor[] };
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> };
export type ParamsInput<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;
export type StateValue = Tensor | number;
export type ParamState = Record<string, StateValue>;

export interface OptimizerStateDict<O> {
  state: Record<number, ParamState>;
  paramGroups: Array<O & { params: number[] }>;
}

export abstract class Optimizer<O extends object> {
  readonly defaults: O;
  readonly paramGroups: Array<ParamGroup<O>> = [];
  /** Per-parameter state (momentum buffers, moments, step counts), keyed by the parameter. */
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: ParamsInput<O>, defaults: O) {
    this.defaults = defaults;
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new Error(`${this.constructor.name}: optimizer got an empty parameter list`);
    if (list[0] instanceof Tensor) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>);
    else for (const group of list as ParamGroupInput<O>[]) this.addParamGroup(group);
  }

  /** Adds a group; options it does not give come from the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const name = this.constructor.name;
    if (group === null || typeof group !== 'object' || group.params === undefined) {
      throw new Error(`${name}: a param group must be an object with a 'params' list`);
    }
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new Error(`${name} can only optimize Tensors, got ${typeof p}`);
      if (!p.isLeaf) throw new Error(`${name}: can't optimize a non-leaf Tensor`);
      if (p.dtype !== 'float32') throw new Error(`${name}: can only optimize float32 tensors`);
    }
    if (new Set(params).size !== params.length) {
      process.emitWarning(`${name}: a parameter group contains duplicate parameters; they are optimized once.`);
    }
    const existing = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => existing.has(p))) {
      throw new Error(`${name}: some parameters appear in more than one parameter group`);
    }
    const full = { ...this.defaults, ...group, params: [...new Set(params)] } as ParamGroup<O>;
    this.validateGroup(full);
    this.paramGroups.push(full);
  }

  /** Checks a group's options; subclasses throw on invalid values. */
  protected validateGroup(_group: ParamGroup<O>): void {}

  /** Resets the gradients of every parameter of every group (see ZeroGradOptions). */
  zeroGrad(options: ZeroGradOptions = {}): void {
    for (const group of this.paramGroups) zeroGradOf(group.params, options.setToNone ?? true);
  }

  /** One update of every parameter that has a gradient. A closure re-evaluates the loss (returned). */
  abstract step(closure?: () => number | Tensor): number | undefined;

  protected evaluate(closure?: () => number | Tensor): number | undefined {
    if (closure === undefined) return undefined;
    const loss = closure();
    return typeof loss === 'number' ? loss : loss.item();
  }

  /** Per-parameter state, created on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** The state (copied) and group options, with parameters as indices over all groups in order. */
  stateDict(): OptimizerStateDict<O> {
    const state: Record<number, ParamState> = {};
    const paramGroups: Array<O & { params: number[] }> = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const indices: number[] = [];
      for (const p of group.params) {
        const s = this.state.get(p);
        if (s !== undefined) state[index] = copyState(s);
        indices.push(index++);
      }
      const { params: _params, ...options } = group;
      paramGroups.push({ ...(cloneOptions(options) as unknown as O), params: indices });
    }
    return { state, paramGroups };
  }

  /** Restores what stateDict() returned, after checking that it fits these parameter groups. */
  loadStateDict(stateDict: OptimizerStateDict<O>): void {
    const name = this.constructor.name;
    if (stateDict === null || typeof stateDict !== 'object' || !Array.isArray(stateDict.paramGroups) ||
      stateDict.state === null || typeof stateDict.state !== 'object') {
      throw new Error(`${name}.loadStateDict: expected { state, paramGroups }`);
    }
    const groups = stateDict.paramGroups;
    if (groups.length !== this.paramGroups.length) {
      throw new Error(`${name}.loadStateDict: loaded state dict has ${groups.length} parameter groups, ` +
        `the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    groups.forEach((g, i) => {
      const own = this.paramGroups[i].params;
      if (!Array.isArray(g.params) || g.params.length !== own.length) {
        throw new Error(`${name}.loadStateDict: loaded state dict contains a parameter group that doesn't match ` +
          `the size of optimizer's group (group ${i}: ${Array.isArray(g.params) ? g.params.length : '?'} vs ${own.length} parameters)`);
      }
      g.params.forEach((id, j) => byIndex.set(id, own[j]));
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(stateDict.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) throw new Error(`${name}.loadStateDict: state for parameter ${key}, which no group lists`);
      for (const [field, value] of Object.entries(s)) {
        if (value instanceof Tensor) {
          if (value.numel !== p.numel) {
            throw new Error(`${name}.loadStateDict: state '${field}' of parameter ${key} has shape ` +
              `${shapeString(value.shape)}, the parameter has shape ${shapeString(p.shape)}`);
          }
        } else if (typeof value !== 'number') {
          throw new Error(`${name}.loadStateDict: state '${field}' of parameter ${key} must be a Tensor or a number`);
        }
      }
      newState.set(p, copyState(s));
    }
    groups.forEach((g, i) => {
      const { params: _params, ...options } = g;
      const merged = { ...this.paramGroups[i], ...cloneOptions(options), params: this.paramGroups[i].params } as ParamGroup<O>;
      this.validateGroup(merged);
      this.paramGroups[i] = merged;
    });
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
  }
}

function copyState(s: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = v instanceof Tensor ? new Tensor(v._dense().slice(), v.shape) : v;
  return out;
}

function cloneOptions(o: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? [...v] : v;
  return out;
}
