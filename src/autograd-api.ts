/**
 * torch.autograd's user-facing functions: grad() and backward() over several tensors, and
 * Function, for ops whose forward and backward the user writes.
 */
import { Tensor, shapeString } from './tensor';
import { OpDef, SavedTensor, isGradEnabled, noGrad, record, runEngine } from './autograd';
import { getBackend } from './backend';

export interface GradOptions {
  /** Gradients of the outputs (required for outputs with more than one element). */
  gradOutputs?: ReadonlyArray<Tensor | null> | Tensor | null;
  /** Keep the graph's saved tensors for another backward. */
  retainGraph?: boolean;
  /** Higher-order gradients are not supported: true throws. */
  createGraph?: boolean;
  /** Return null for an input the outputs do not depend on, instead of raising. */
  allowUnused?: boolean;
}

function asList<T>(x: T | readonly T[]): T[] {
  return Array.isArray(x) ? [...(x as readonly T[])] : [x as T];
}

function rootGradients(op: string, outputs: Tensor[], given: ReadonlyArray<Tensor | null> | Tensor | null | undefined): Float32Array[] {
  const list = given == null ? outputs.map(() => null) : asList(given);
  if (list.length !== outputs.length) {
    throw new Error(`${op}: got ${list.length} gradOutputs for ${outputs.length} outputs`);
  }
  return outputs.map((out, i) => {
    if (!(out instanceof Tensor)) throw new TypeError(`${op}: outputs[${i}] must be a Tensor`);
    if (!out.requiresGrad) {
      throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    }
    const g = list[i];
    if (g == null) {
      if (out.numel !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
      return new Float32Array([1]);
    }
    if (!(g instanceof Tensor) || g.dtype !== 'float32' || g.numel !== out.numel) {
      throw new Error(`${op}: Mismatch in shape: grad_output[${i}] has a shape of ` +
        `${g instanceof Tensor ? shapeString(g.shape) : typeof g} and output[${i}] has a shape of ${shapeString(out.shape)}.`);
    }
    return g._dense() as Float32Array;
  });
}

/**
 * torch.autograd.grad: the gradients of `outputs` with respect to `inputs`, returned rather
 * than accumulated into any `.grad`.
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): Array<Tensor | null> {
  const known = ['gradOutputs', 'retainGraph', 'createGraph', 'allowUnused'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`grad: unknown option '${key}' (expected one of ${known.join(', ')})`);
  }
  if (options.createGraph) throw new Error('grad: createGraph (higher-order gradients) is not supported');
  const outs = asList(outputs);
  const ins = asList(inputs);
  ins.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`grad: inputs[${i}] must be a Tensor`);
    if (!t.requiresGrad) throw new Error(`One of the differentiated Tensors (inputs[${i}]) does not require grad`);
  });
  const grads = runEngine(outs, rootGradients('grad', outs, options.gradOutputs), options.retainGraph ?? false, ins);
  return grads.map((g, i) => {
    if (g === null) {
      if (!options.allowUnused) {
        throw new Error(`One of the differentiated Tensors (inputs[${i}]) appears to not have been used in the graph. ` +
          'Set allowUnused: true if this is the desired behavior.');
      }
      return null;
    }
    return new Tensor(g, ins[i].shape);
  });
}

/** torch.autograd.backward: backward() from several tensors at once, accumulating into `.grad`. */
export function backward(tensors: Tensor | readonly Tensor[], gradTensors?: ReadonlyArray<Tensor | null> | Tensor | null,
  options: { retainGraph?: boolean } = {}): void {
  const outs = asList(tensors);
  const grads = rootGradients('backward', outs, gradTensors);
  // As Tensor.backward(): what the pass allocates and no tensor holds is freed at its end.
  getBackend().temporaryScope(() => runEngine(outs, grads, options.retainGraph ?? false, null));
}

/** What a Function's forward and backward share (torch.autograd.function's ctx). */
export class FunctionCtx {
  /** @internal */
  _saved: SavedTensor[] = [];
  /** For each forward argument, whether its gradient is needed (non-tensors: false). */
  needsInputGrad: boolean[] = [];
  [key: string]: unknown;

  /** Saves tensors for backward; they are version-checked and freed after backward. */
  saveForBackward(...tensors: Array<Tensor | null>): void {
    this._saved = tensors.map((t) => new SavedTensor(t ?? new Tensor(new Float32Array(0), [0])));
  }

  get savedTensors(): Tensor[] {
    return this._saved.map((s) => s.tensor);
  }
}

interface FunctionState {
  ctx: FunctionCtx;
  saved: SavedTensor[];
  fn: FunctionClass;
  output: number;
  outputs: number;
  outputShapes: ReadonlyArray<readonly number[]>;
  inputShapes: ReadonlyArray<readonly number[] | null>;
}

type FunctionClass = {
  name: string;
  forward(ctx: FunctionCtx, ...args: unknown[]): Tensor | Tensor[];
  backward(ctx: FunctionCtx, ...gradOutputs: Tensor[]): Tensor | null | Array<Tensor | null>;
};

function functionBackward(state: FunctionState, g: Float32Array): Array<Float32Array | null> {
  // backward is linear in the output gradients: each output's node passes its own gradient
  // and zeros for the others, and the engine sums what the nodes return.
  const gradOutputs = state.outputShapes.map((shape, i) =>
    i === state.output ? new Tensor(g, shape) : new Tensor(new Float32Array(g.length === 0 ? 0 : numel(shape)), shape));
  const result = noGrad(() => state.fn.backward(state.ctx, ...gradOutputs));
  const list = Array.isArray(result) ? result : [result];
  if (list.length !== state.inputShapes.length) {
    throw new Error(`function ${state.fn.name}Backward returned an incorrect number of gradients ` +
      `(expected ${state.inputShapes.length}, got ${list.length})`);
  }
  return list.map((t, i) => {
    const shape = state.inputShapes[i];
    if (t === null || t === undefined || shape === null) return null;
    if (!(t instanceof Tensor) || t.dtype !== 'float32' || t.numel !== numel(shape)) {
      throw new Error(`Function ${state.fn.name}Backward returned an invalid gradient at index ${i} - got ` +
        `${t instanceof Tensor ? shapeString(t.shape) : typeof t} but expected shape compatible with ${shapeString(shape)}`);
    }
    return t._dense() as Float32Array;
  });
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const functionDefs = new Map<string, OpDef<FunctionState>>();
function defFor(name: string): OpDef<FunctionState> {
  let def = functionDefs.get(name);
  if (def === undefined) functionDefs.set(name, def = { name: `${name}Backward`, backward: functionBackward });
  return def;
}

/**
 * torch.autograd.Function: subclass with static `forward(ctx, ...args)` and
 * `backward(ctx, ...gradOutputs)`, call with `MyFn.apply(...args)`. forward runs without
 * recording; backward returns one gradient (or null) per forward argument.
 */
export class Function {
  static forward(_ctx: FunctionCtx, ..._args: unknown[]): Tensor | Tensor[] {
    throw new Error(`${this.name}: a Function subclass must implement static forward(ctx, ...args)`);
  }

  static backward(_ctx: FunctionCtx, ..._gradOutputs: Tensor[]): Tensor | null | Array<Tensor | null> {
    throw new Error(`${this.name}: a Function subclass must implement static backward(ctx, ...gradOutputs)`);
  }

  static apply<T extends Tensor | Tensor[]>(this: { name: string; forward(ctx: FunctionCtx, ...args: never[]): T }, ...args: unknown[]): T {
    const fn = this as unknown as FunctionClass;
    if (fn === (Function as unknown as FunctionClass)) throw new Error('Function.apply: call apply on a subclass');
    const ctx = new FunctionCtx();
    const tensors = args.map((a) => (a instanceof Tensor ? a : null));
    ctx.needsInputGrad = tensors.map((t) => t !== null && t.requiresGrad);
    const raw = noGrad(() => fn.forward(ctx, ...args));
    const many = Array.isArray(raw);
    const outputs = (many ? raw : [raw]).map((o, i) => {
      if (!(o instanceof Tensor)) throw new TypeError(`${fn.name}.forward must return a Tensor or an array of Tensors (output ${i})`);
      // An input returned as is becomes a new tensor on the same storage (PyTorch treats it as a view).
      return tensors.includes(o) ? o.detach() : o;
    });
    if (isGradEnabled() && ctx.needsInputGrad.some((x) => x)) {
      const def = defFor(fn.name);
      const shapes = outputs.map((o) => o.shape);
      const inputShapes = tensors.map((t) => (t === null ? null : t.shape));
      outputs.forEach((o, i) => {
        if (o.dtype !== 'float32') return;
        record(def, o, tensors, { ctx, saved: ctx._saved, fn, output: i, outputs: outputs.length, outputShapes: shapes, inputShapes });
      });
    }
    return (many ? outputs : outputs[0]) as T;
  }
}
