/**
 * Optimizer, as torch.optim.Optimizer: parameter groups with per-group options, per-parameter
 * state, zeroGrad, and a state dict whose parameters are indices over all groups in order.
 * Subclasses hold only their update rule.
 */
import { Tensor, shapeString } from '../tensor';
import { zeroGradOf, zeroGradSetToNone } from '../nn/module';
import type { ZeroGradOptions } from '../nn/module';
import { Problems, checkOptions, describeValue, problemsError } from '../options';
import { fromPyTorchStateDict, isPyTorchStateDict } from './pytorch-state-dict';
import type { PyTorchOptimizerStateDict } from './pytorch-state-dict';

export type ParamGroup<O> = O & { params: Tensor[] };
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> };
export type ParamsInput<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;
/** A state field: a buffer, a count, or (LBFGS's history) a list of them; null where PyTorch keeps None. */
export type StateValue = Tensor | number | null | Array<Tensor | number | null>;
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
    checkOptions(`${name} param group`, group, this.groupKeys());
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
    const problems = new Problems();
    this.checkGroup(full, problems);
    problems.throwIfAny(name);
    this.paramGroups.push(full);
  }

  /**
   * The keys a param group may have: 'params', the optimizer's options, and the 'initialLr' a
   * learning-rate scheduler keeps there (PyTorch's 'initial_lr'). PyTorch lets a group carry
   * any key; here an unknown one is refused, since a misspelt (or snake_case) option in a group
   * would otherwise be silently ignored.
   */
  private groupKeys(): string[] {
    return ['params', ...Object.keys(this.defaults), 'initialLr'];
  }

  /** Records the problems of a group's options (types and ranges); subclasses check theirs. */
  protected checkGroup(group: ParamGroup<O>, problems: Problems): void {
    const initialLr = (group as { initialLr?: unknown }).initialLr;
    if (initialLr !== undefined) problems.number('initialLr', initialLr, (x) => x >= 0, `Invalid initialLr: ${initialLr}`);
  }

  /**
   * Records the problems of one parameter's saved state; the default accepts tensors of the
   * parameter's shape and numbers. Subclasses name the exact fields their step reads.
   */
  protected checkParamState(state: Record<string, unknown>, param: Tensor, problems: Problems): void {
    for (const [field, value] of Object.entries(state)) {
      if (typeof value !== 'number') checkStateTensor(problems, field, value, param);
    }
  }

  /** Resets the gradients of every parameter of every group (see ZeroGradOptions). */
  zeroGrad(options: ZeroGradOptions = {}): void {
    const setToNone = zeroGradSetToNone(`${this.constructor.name}.zeroGrad`, options);
    for (const group of this.paramGroups) zeroGradOf(group.params, setToNone);
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

  /**
   * Every problem that would make loadStateDict(stateDict) fail, without changing anything:
   * the group layout, each group's options (unknown names, types, ranges) and each parameter's
   * state (fields, types, shapes). Empty when it loads.
   */
  checkStateDict(stateDict: unknown): string[] {
    if (isPyTorchStateDict(stateDict)) {
      try {
        stateDict = fromPyTorchStateDict(stateDict);
      } catch (e) {
        return [(e as Error).message];
      }
    }
    const sd = stateDict as OptimizerStateDict<O> | null;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object') {
      return ['expected { state, paramGroups }'];
    }
    const groups = sd.paramGroups;
    if (groups.length !== this.paramGroups.length) {
      return [`loaded state dict has ${groups.length} parameter groups, the optimizer has ${this.paramGroups.length}`];
    }
    const out: string[] = [];
    const byIndex = new Map<number, Tensor>();
    groups.forEach((g, i) => {
      const own = this.paramGroups[i].params;
      if (g === null || typeof g !== 'object') {
        out.push(`param group ${i} must be an object, got ${describeValue(g)}`);
        return;
      }
      if (!Array.isArray(g.params) || g.params.length !== own.length) {
        out.push(`loaded state dict contains a parameter group that doesn't match the size of optimizer's group ` +
          `(group ${i}: ${Array.isArray(g.params) ? g.params.length : '?'} vs ${own.length} parameters)`);
        return;
      }
      g.params.forEach((id, j) => {
        if (!Number.isInteger(id) || byIndex.has(id)) out.push(`param group ${i}: parameter index ${JSON.stringify(id)} is not a new integer`);
        else byIndex.set(id, own[j]);
      });
      const { params: _params, ...options } = g;
      try {
        checkOptions(`param group ${i}`, options, this.groupKeys());
      } catch (e) {
        out.push((e as Error).message);
        return;
      }
      const problems = new Problems();
      this.checkGroup({ ...this.paramGroups[i], ...options, params: own }, problems);
      out.push(...problems.messages(`param group ${i}: `));
    });
    for (const [key, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) {
        out.push(`state for parameter ${key}, which no group lists`);
      } else if (s === null || typeof s !== 'object' || Array.isArray(s)) {
        out.push(`state of parameter ${key} must be an object, got ${describeValue(s)}`);
      } else {
        const problems = new Problems();
        this.checkParamState(s, p, problems);
        out.push(...problems.messages(`state of parameter ${key}: `));
      }
    }
    return out;
  }

  /**
   * Restores what stateDict() returned. Everything is checked first (checkStateDict) and every
   * problem reported at once; on error nothing has changed. A state dict PyTorch wrote
   * (`io.load('optim.pth')`, snake_case names) is accepted too (see pytorch-state-dict.ts).
   */
  loadStateDict(stateDict: OptimizerStateDict<O> | PyTorchOptimizerStateDict): void {
    if (isPyTorchStateDict(stateDict)) stateDict = fromPyTorchStateDict<O>(stateDict);
    const name = this.constructor.name;
    const problems = this.checkStateDict(stateDict);
    if (problems.length > 0) throw problemsError(`${name}.loadStateDict`, problems);
    const byIndex = new Map<number, Tensor>();
    stateDict.paramGroups.forEach((g, i) => g.params.forEach((id, j) => byIndex.set(id, this.paramGroups[i].params[j])));
    this.state.clear();
    for (const [key, s] of Object.entries(stateDict.state)) this.state.set(byIndex.get(Number(key))!, copyState(s));
    stateDict.paramGroups.forEach((g, i) => {
      const { params: _params, ...options } = g;
      this.paramGroups[i] = { ...this.paramGroups[i], ...cloneOptions(options), params: this.paramGroups[i].params } as ParamGroup<O>;
    });
  }
}

/** A saved state tensor must be a float32 Tensor of its parameter's shape. */
export function checkStateTensor(problems: Problems, field: string, value: unknown, param: Tensor): void {
  if (!(value instanceof Tensor)) {
    problems.add(new TypeError(`'${field}' must be a Tensor, got ${describeValue(value)}`));
  } else if (value.dtype !== 'float32') {
    problems.add(new TypeError(`'${field}' must be float32, got ${value.dtype}`));
  } else if (shapeString(value.shape) !== shapeString(param.shape)) {
    problems.add(new Error(`'${field}' has shape ${shapeString(value.shape)}, the parameter has shape ${shapeString(param.shape)}`));
  }
}

/** Refuses fields of a parameter's state that the optimizer's step does not read. */
export function checkStateFields(problems: Problems, state: Record<string, unknown>, fields: readonly string[]): void {
  for (const key of Object.keys(state)) {
    if (!fields.includes(key)) problems.add(new Error(`unknown state field '${key}' (expected ${fields.join(', ')})`));
  }
}

/**
 * Runs `update` on p's elements in place (through a dense copy written back when p is not
 * contiguous) and bumps p's version counter, as PyTorch's in-place `param.add_` does: a graph
 * that saved p before the step then refuses to backward instead of using the new values.
 */
export function updateInPlace(p: Tensor, update: (values: Float32Array) => void): void {
  const values = p._dense() as Float32Array;
  update(values);
  if (!p.isContiguous()) p._writeDense(values);
  p._versionCounter.value++;
}

/**
 * After a fused step wrote into each parameter's dense values: a non-contiguous parameter gets
 * them written back through its strides, and every parameter's version counter is bumped.
 */
export function writeBackStep(stepped: ReadonlyArray<readonly [Tensor, Float32Array]>): void {
  for (let i = 0; i < stepped.length; i++) {
    const [p, values] = stepped[i];
    if (!p.isContiguous()) p._writeDense(values);
    p._versionCounter.value++;
  }
}

function copyState(s: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = Array.isArray(v) ? v.map(copyStateValue) : copyStateValue(v);
  return out;
}

function copyStateValue<V extends Tensor | number | null>(v: V): V {
  return (v instanceof Tensor ? new Tensor(v._dense().slice(), v.shape) : v) as V;
}

function cloneOptions(o: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? [...v] : v;
  return out;
}
