/**
 * Module, as torch.nn.Module. Parameters and submodules are found by walking the module's own
 * enumerable properties in insertion order, so `this.conv1 = new Conv2d(...)` in a constructor
 * registers `conv1` (and its `conv1.weight`, `conv1.bias`), as in PyTorch. Buffers (tensors
 * saved in the state dict without being parameters) are registered explicitly.
 */
import { getBackend } from '../backend';
import { Tensor, shapeString } from '../tensor';
import { Parameter } from './parameter';
import { checkOptions, describeValue } from '../options';

export interface ZeroGradOptions {
  /** true (the default, as PyTorch 2.x): grad becomes null; false: fill zeros in place, keeping the buffer. */
  setToNone?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export type StateDict = Record<string, Tensor>;

/** Runs before forward with the arguments; may return replacements. */
export type ForwardPreHook = (module: Module, args: any[]) => any;
/** Runs after forward with the arguments and the output; may return a replacement output. */
export type ForwardHook = (module: Module, args: any[], output: any) => any;

/** What registering a hook returns: remove() unregisters it (idempotent). */
export interface RemovableHandle {
  readonly id: number;
  remove(): void;
}

let nextHookId = 0;

function addHook<H>(hooks: Map<number, H>, hook: H): RemovableHandle {
  if (typeof hook !== 'function') throw new TypeError('hook must be a function');
  const id = nextHookId++;
  hooks.set(id, hook);
  return { id, remove: () => { hooks.delete(id); } };
}

export class Module {
  /** Training mode (train()) or evaluation mode (eval()). */
  training = true;
  private readonly _bufferNames = new Set<string>();
  private readonly _forwardPreHooks = new Map<number, ForwardPreHook>();
  private readonly _forwardHooks = new Map<number, ForwardHook>();

  /** The computation; subclasses override it. */
  forward(...args: any[]): any {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /**
   * Calls forward (torch's `module(x)`; TS classes cannot be called directly), with the forward
   * pre-hooks first (one may return replacement arguments: an array, or a single value) and the
   * forward hooks after (one may return a replacement output), as torch's _call_impl.
   */
  call<This extends Module>(this: This, ...args: Parameters<This['forward']>): ReturnType<This['forward']> {
    let input: any[] = args;
    for (const hook of [...this._forwardPreHooks.values()]) {
      const replaced = hook(this, input);
      if (replaced !== undefined) input = Array.isArray(replaced) ? replaced : [replaced];
    }
    let output = this.forward(...input);
    for (const hook of [...this._forwardHooks.values()]) {
      const replaced = hook(this, input, output);
      if (replaced !== undefined) output = replaced;
    }
    return output;
  }

  /** torch's register_forward_pre_hook: hook(module, args) before forward; remove() with the handle. */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return addHook(this._forwardPreHooks, hook);
  }

  /** torch's register_forward_hook: hook(module, args, output) after forward; remove() with the handle. */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return addHook(this._forwardHooks, hook);
  }

  /** Sets requiresGrad on every parameter (torch's requires_grad_); returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Registers (or replaces) a parameter under `name`; same as assigning it as a property. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(name, this);
    (this as any)[name] = param;
  }

  /** Registers (or replaces) a submodule under `name`; same as assigning it as a property. */
  registerModule(name: string, module: Module | null): void {
    checkName(name, this);
    (this as any)[name] = module;
  }

  /** Registers a tensor that belongs in the state dict without being a parameter (e.g. running statistics). */
  registerBuffer(name: string, tensor: Tensor | null): void {
    checkName(name, this);
    (this as any)[name] = tensor;
    this._bufferNames.add(name);
  }

  /** Own parameters and direct submodules, in insertion order. */
  private members(): { params: Array<[string, Parameter]>; modules: Array<[string, Module]>; buffers: Array<[string, Tensor]> } {
    const params: Array<[string, Parameter]> = [];
    const modules: Array<[string, Module]> = [];
    const buffers: Array<[string, Tensor]> = [];
    for (const key of Object.keys(this)) {
      const value = (this as any)[key];
      if (value instanceof Parameter) params.push([key, value]);
      else if (value instanceof Module) modules.push([key, value]);
      else if (value instanceof Tensor && this._bufferNames.has(key)) buffers.push([key, value]);
    }
    return { params, modules, buffers };
  }

  /** [name, module] for this module and every descendant, preorder, with dotted names ('' for this one). */
  namedModules(prefix = '', memo = new Set<Module>()): Array<[string, Module]> {
    if (memo.has(this)) return [];
    memo.add(this);
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, child] of this.members().modules) {
      out.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`, memo));
    }
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  namedChildren(): Array<[string, Module]> {
    return this.members().modules;
  }

  children(): Module[] {
    return this.members().modules.map(([, m]) => m);
  }

  /** Every parameter with its dotted name (e.g. 'conv1.weight'), each shared parameter once. */
  namedParameters(prefix = '', recurse = true): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    const seen = new Set<Parameter>();
    const modules: Array<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [modulePrefix, module] of modules) {
      for (const [name, p] of module.members().params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([modulePrefix === '' ? name : `${modulePrefix}.${name}`, p]);
      }
    }
    return out;
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  namedBuffers(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [modulePrefix, module] of this.namedModules(prefix)) {
      for (const [name, b] of module.members().buffers) out.push([modulePrefix === '' ? name : `${modulePrefix}.${name}`, b]);
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Sets training mode here and in every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Resets the gradients of every parameter (see ZeroGradOptions). */
  zeroGrad(options: ZeroGradOptions = {}): void {
    zeroGradOf(this.parameters(), zeroGradSetToNone('Module.zeroGrad', options));
  }

  /** Calls fn on every descendant and then on this module (torch's apply). */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Parameters and buffers by dotted name, in PyTorch's order (each module's own parameters,
   * then its buffers, then its children). The tensors share data with the module, detached.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const visit = (module: Module, prefix: string): void => {
      const { params, buffers, modules } = module.members();
      for (const [name, p] of params) out[prefix + name] = p.detach();
      for (const [name, b] of buffers) out[prefix + name] = b.detach();
      for (const [name, child] of modules) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies the tensors of `stateDict` into this module's parameters and buffers. Shape
   * mismatches are always errors; missing and unexpected keys are errors when strict.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    checkOptions('loadStateDict', options, ['strict']);
    const strict = options.strict ?? true;
    const entries = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    // Every module's own parameters and buffers, as PyTorch's _load_from_state_dict visits them: a
    // parameter shared by two modules (tied weights) is expected under both names. The state
    // dict's tensors are detached views of them, sharing their storage and version counter.
    const own = new Map<string, Tensor>(Object.entries(this.stateDict()));
    const missingKeys = [...own.keys()].filter((k) => !entries.has(k));
    const unexpectedKeys = [...entries.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    if (strict && unexpectedKeys.length > 0) {
      errors.push(`Unexpected key(s) in stateDict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (strict && missingKeys.length > 0) {
      errors.push(`Missing key(s) in stateDict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    for (const [key, target] of own) {
      const source = entries.get(key);
      if (source === undefined) continue;
      if (!(source instanceof Tensor)) {
        errors.push(`While copying the parameter named "${key}", expected a Tensor, got ${typeof source}.`);
      } else if (shapeString(source.shape) !== shapeString(target.shape)) {
        errors.push(`size mismatch for ${key}: copying a param with shape ${shapeString(source.shape)} from checkpoint, ` +
          `the shape in current model is ${shapeString(target.shape)}.`);
      } else if (source.dtype !== target.dtype) {
        errors.push(`dtype mismatch for ${key}: copying ${source.dtype} into ${target.dtype}.`);
      }
    }
    if (errors.length > 0) {
      throw new Error(`Error(s) in loading stateDict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    }
    for (const [key, target] of own) {
      const source = entries.get(key);
      if (source === undefined) continue;
      // As PyTorch's param.copy_(input_param): an in-place write, so the version moves on.
      const values = source._dense();
      if (values !== target._dense()) target._writeDense(values);
      target._versionCounter.value++;
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Extra text for toString(), as PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }

  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function checkName(name: string, module: Module): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new Error(`${module.constructor.name}: invalid name "${name}" (must be a non-empty string without ".")`);
  }
}

/** The checked setToNone of zeroGrad's options (default true). */
export function zeroGradSetToNone(where: string, options: ZeroGradOptions): boolean {
  checkOptions(where, options, ['setToNone']);
  const setToNone = options.setToNone ?? true;
  if (typeof setToNone !== 'boolean') throw new TypeError(`${where}: setToNone must be a boolean, got ${describeValue(setToNone)}`);
  return setToNone;
}

/**
 * Resets the grads of `params`: null when setToNone, else zero-filled in place (bumping the
 * grad's version, as PyTorch's grad.zero_() does).
 */
export function zeroGradOf(params: Iterable<Tensor>, setToNone: boolean): void {
  for (const p of params) {
    const grad = p._peekGrad();
    if (grad === null) continue;
    if (setToNone) p._dropGrad();
    else grad.zero_();
  }
}
