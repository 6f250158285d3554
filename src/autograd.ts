/**
 * The tape. Every differentiable op is an `OpDef`: a name (PyTorch's grad_fn name), and a
 * backward that turns the gradient of the output into gradients of the inputs from a typed
 * state the forward chose to keep. When an op runs on inputs that need grad, `record` hangs a
 * `Node` on its output: the edges to the inputs' nodes, the state, and the version of every
 * tensor the state saved.
 *
 * The engine, not each op:
 * - checks that no saved tensor was modified in place since it was saved (PyTorch's version
 *   counter error);
 * - sums a gradient given in the output's broadcast shape down to the input's shape (ops that
 *   broadcast say so with `broadcasts: true`);
 * - releases the state after backward (unless retainGraph), so nothing saved outlives it;
 * - ADDS into each leaf's `.grad`, never overwriting it (that is why `zeroGrad()` exists).
 *
 * Backward functions are module-level and see only their state, so a node holds exactly what
 * its state holds. Gradients flow between nodes as plain Float32Arrays; they become Tensors
 * only where a user sees them (leaf `.grad`, hooks).
 */
import { Tensor, shapeString, numelOf } from './tensor';
import { reduceTo } from './ops/broadcast';
import { allocFloat32, type TensorData } from './storage';
import { getBackend } from './backend';
import { persist, residentBlock } from './backend/resident';

/** A tensor hook: receives the gradient, may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | void | undefined;

/** Where a node sends each input's gradient: the producing node, a leaf, or nowhere. */
export type Edge = Node | Tensor | null;

/**
 * A tensor kept for backward, with the version it had when saved. Read its values through
 * `values`/`ints` (dense, row-major); the engine has checked its version before backward runs.
 */
export class SavedTensor {
  version: number;
  /** Made by the op only for this state (see saveOwned): freed with it. */
  owned = false;
  constructor(public tensor: Tensor, /** Output of the node that saves it (for the error message). */ readonly outputOf: string | null = null) {
    this.version = tensor._versionCounter.value;
  }

  /** @internal */
  _replace(t: Tensor): void {
    this.tensor = t;
    this.version = t._versionCounter.value;
    this.owned = false;
  }

  get values(): Float32Array {
    return this.tensor._dense() as Float32Array;
  }

  get ints(): Int32Array {
    return this.tensor._dense() as Int32Array;
  }

  /** A saved bool tensor (a mask) as 0/1 bytes. */
  get bools(): Uint8Array {
    return this.tensor._dense() as Uint8Array;
  }

  get shape(): readonly number[] {
    return this.tensor.shape;
  }

  /** PyTorch's error when the tensor changed in place after it was saved. */
  check(): void {
    const now = this.tensor._versionCounter.value;
    if (now === this.version) return;
    const t = this.tensor;
    const kind = t.dtype === 'int32' ? 'torch.IntTensor' : t.dtype === 'bool' ? 'torch.BoolTensor' : 'torch.FloatTensor';
    const producer = t.gradFn !== null ? `, which is output 0 of ${t.gradFn.name},` : '';
    throw new Error('one of the variables needed for gradient computation has been modified by an inplace ' +
      `operation: [${kind} ${shapeString(t.shape)}]${producer} is at version ${now}; expected version ` +
      `${this.version} instead. Hint: the operation that failed to compute its gradient is ${this.outputOf ?? 'unknown'}; ` +
      'use an out-of-place op (or clone()) before modifying a tensor that the graph saved.');
  }
}

/** Saves `t` for backward: use it in an op's state. */
export function save(t: Tensor): SavedTensor {
  return new SavedTensor(t);
}

/**
 * Saves a tensor the op made only for its state, over an array it allocated (max-pool's argmax
 * indices, a dropout mask, cross-entropy's log-probabilities): nothing else can reach its
 * memory, so the engine frees it as it drops the state after backward, instead of leaving it
 * to the garbage collector (on the wasm backend every byte left to the collector brings the
 * next forced collection closer; see backend/wasm-memory.ts). Never use it for a tensor that
 * is also returned or was passed in.
 */
export function saveOwned(t: Tensor): SavedTensor {
  const saved = new SavedTensor(t);
  saved.owned = true;
  return saved;
}

/** A differentiable op's backward half. `S` is the typed state its forward keeps. */
export interface OpDef<S> {
  /** PyTorch's grad_fn name, e.g. 'MulBackward0'. */
  readonly name: string;
  /**
   * True when a gradient may come back in the output's (broadcast) shape: the engine then
   * sums it down to the input's shape.
   */
  readonly broadcasts?: boolean;
  /**
   * Gradients of the inputs, in input order; null where `needs[i]` is false or there is none.
   * A returned array may be `gradOutput` itself (handed through) or shared between inputs:
   * the engine copies before it adds into one. `reusable` says gradOutput is the engine's
   * alone (allocated for this node, seen by no hook nor autograd.grad): the backward may then
   * overwrite it, and return it (see handsOnOwned).
   */
  backward(state: S, gradOutput: Float32Array, needs: readonly boolean[], reusable: boolean): ReadonlyArray<Float32Array | null>;
  /**
   * True when a gradOutput the backward returns as it is (nothing added into it) may be handed
   * on as the engine's own (freed after use) rather than as a shared array.
   */
  readonly handsOnOwned?: boolean;
}

function savedTensorsOf(state: unknown): SavedTensor[] {
  const found: SavedTensor[] = [];
  if (state === null || typeof state !== 'object') return found;
  // for-in over the state's (plain, literal) properties: Object.values allocated an array per
  // recorded op.
  const record = state as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (v instanceof SavedTensor) found.push(v);
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] instanceof SavedTensor) found.push(v[i] as SavedTensor);
    }
  }
  return found;
}

export class Node {
  /** Hooks registered on the (non-leaf) output tensor; they see its complete gradient. */
  hooks: GradHook[] | null = null;
  private released = false;
  private state: unknown;
  private readonly saved: SavedTensor[];

  constructor(
    private readonly def: OpDef<unknown>,
    state: unknown,
    readonly next: readonly Edge[],
    /** Shapes of the inputs, for broadcast reduction and checking what backward returns. */
    readonly inputShapes: ReadonlyArray<readonly number[] | null>,
    readonly needs: readonly boolean[],
    /** Shape of the output, to check gradients handed to hooks. */
    readonly outputShape: readonly number[],
  ) {
    this.state = state;
    this.saved = savedTensorsOf(state);
    const saved = this.saved; // (indexed: for-of allocated an iterator per recorded op)
    for (let i = 0; i < saved.length; i++) (saved[i] as { outputOf: string | null }).outputOf = def.name;
  }

  /** See OpDef.handsOnOwned. */
  get handsOnOwned(): boolean {
    return this.def.handsOnOwned === true;
  }

  /** The op's name, as PyTorch's grad_fn names (e.g. 'ConvolutionBackward0'). */
  get name(): string {
    return this.def.name;
  }

  /**
   * PyTorch's next_functions: for each input, [node, 0]: the node that produced it, an
   * AccumulateGrad for a leaf that requires grad, or null.
   */
  get nextFunctions(): ReadonlyArray<readonly [Node | AccumulateGrad | null, number]> {
    return this.next.map((e) => [e === null ? null : e instanceof Node ? e : accumulateGradOf(e), 0] as const);
  }

  /**
   * @internal Before an in-place op overwrites `storage`, which this node's own output is
   * about to be written into: saved tensors on it get a private copy of the current values.
   */
  _detachSavedStorage(storage: unknown): void {
    for (let i = 0; i < this.saved.length; i++) {
      const s = this.saved[i];
      if (s.tensor._storage === storage) s._replace(s.tensor.clone().detach());
    }
  }

  /**
   * @internal After an in-place op wrote its result into `target`: an op that saved its own
   * output (relu, exp, sigmoid, ...) now saves `target`, at its new version, so that a later
   * in-place change of `target` is caught as PyTorch catches it.
   */
  _rebindSavedOutput(result: Tensor, target: Tensor): void {
    for (const s of this.saved) if (s.tensor === result) s._replace(target);
  }

  /** `reusable`: gradOutput is the engine's alone and nothing else saw it (see OpDef.backward). */
  apply(gradOutput: Float32Array, retainGraph: boolean, reusable = false): ReadonlyArray<Float32Array | null> {
    if (this.released) {
      throw new Error(
        `Trying to backward through the graph a second time (through ${this.name}), or to directly access ` +
        'saved tensors after they have already been freed. Saved intermediate values of the graph ' +
        'are freed when you call .backward(). Specify { retainGraph: true } if you need to backward ' +
        'through the graph a second time or if you need to access saved tensors after calling backward.');
    }
    for (const s of this.saved) s.check();
    const grads = this.def.backward(this.state, gradOutput, this.needs, reusable);
    const out: Array<Float32Array | null> = new Array(this.next.length);
    for (let i = 0; i < this.next.length; i++) {
      let g = grads[i] ?? null;
      const shape = this.inputShapes[i];
      if (g !== null && shape !== null) {
        const n = numelOf(shape);
        if (g.length !== n) {
          if (!this.def.broadcasts) {
            throw new Error(`internal error: ${this.name} returned a gradient of ${g.length} elements for input ${i} ` +
              `of shape ${shapeString(shape)}`);
          }
          g = reduceTo(g, this.outputShape, shape);
        }
      }
      out[i] = g;
    }
    // Nodes without saved tensors stay usable, as in PyTorch.
    if (!retainGraph && this.saved.length > 0) {
      for (const saved of this.saved) if (saved.owned) getBackend().release(saved.tensor._storage.data, true);
      this.state = null;
      this.saved.length = 0;
      this.released = true;
    }
    return out;
  }

  /**
   * How Python prints a grad_fn, `<MseLossBackward0 object at 0x...>`, without the address
   * (a JS object has none to show).
   */
  toString(): string {
    return `<${this.name} object>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** The node PyTorch shows for a leaf's gradient sink (next_functions of its consumers). */
export class AccumulateGrad {
  readonly name = 'AccumulateGrad';
  readonly nextFunctions: ReadonlyArray<readonly [null, number]> = [];
  constructor(readonly variable: Tensor) {}

  /** As Node's: `<AccumulateGrad object>`. */
  toString(): string {
    return `<${this.name} object>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

const accumulateGrads = new WeakMap<Tensor, AccumulateGrad>();
function accumulateGradOf(leaf: Tensor): AccumulateGrad {
  let a = accumulateGrads.get(leaf);
  if (a === undefined) accumulateGrads.set(leaf, a = new AccumulateGrad(leaf));
  return a;
}

/** How grad mode is held (one flag per thread; async functions are refused by noGrad). */
export interface GradModeStore {
  get(): boolean;
  run<T>(enabled: boolean, fn: () => T): T;
  set(enabled: boolean): void;
}

let gradEnabled = true;
const globalStore: GradModeStore = {
  get: () => gradEnabled,
  run<T>(enabled: boolean, fn: () => T): T {
    const previous = gradEnabled;
    gradEnabled = enabled;
    try {
      return fn();
    } finally {
      gradEnabled = previous;
    }
  },
  set(enabled: boolean): void {
    gradEnabled = enabled;
  },
};

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return globalStore.get();
}

function isPromiseLike(x: unknown): boolean {
  return x !== null && typeof x === 'object' && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Runs fn without recording any graph (torch.no_grad). fn must be synchronous: grad mode is
 * one flag for the whole thread, so an async fn's awaits would let other code run with it
 * off, and its later steps run with it on. An async fn is refused before it runs.
 */
export function noGrad<T>(fn: () => T): T {
  return runWithGradMode('noGrad', false, fn);
}

/**
 * torch.inference_mode: as noGrad here (nothing is recorded; this library has no separate
 * inference tensors). Synchronous only.
 */
export function inferenceMode<T>(fn: () => T): T {
  return runWithGradMode('inferenceMode', false, fn);
}

/** Runs fn with graph recording on, even inside noGrad (torch.enable_grad). Synchronous only. */
export function enableGrad<T>(fn: () => T): T {
  return runWithGradMode('enableGrad', true, fn);
}

function runWithGradMode<T>(name: string, enabled: boolean, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`${name}: expected a function, got ${typeof fn}`);
  if (fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction') {
    throw new Error(`${name}: fn must be synchronous (grad mode is not carried across await); ` +
      `call ${name} around the synchronous part, e.g. inside the loop body`);
  }
  const result = globalStore.run(enabled, fn);
  if (isPromiseLike(result)) {
    throw new Error(`${name}: fn returned a promise; grad mode is not carried across await, so ` +
      `the asynchronous part ran with grad mode restored. Call ${name} around synchronous code only`);
  }
  return result;
}

/** Sets grad mode globally (torch.set_grad_enabled); returns the previous mode. */
export function setGradEnabled(enabled: boolean): boolean {
  if (typeof enabled !== 'boolean') throw new TypeError(`setGradEnabled: expected a boolean, got ${typeof enabled}`);
  const previous = globalStore.get();
  globalStore.set(enabled);
  return previous;
}

/** True when an op on these inputs must be recorded. */
export function needsGrad(a: Tensor, b?: Tensor | null, c?: Tensor | null): boolean {
  return gradEnabled && (a.requiresGrad || (b != null && b.requiresGrad) || (c != null && c.requiresGrad));
}

function edgeOf(t: Tensor | null | undefined): Edge {
  if (t == null || !t.requiresGrad) return null;
  return t.gradFn ?? t;
}

/**
 * Makes `output` the result of a recorded op over `inputs` (call only when needsGrad(...)).
 * `state` is what `def.backward` will get; any SavedTensor in it (directly, or in an array
 * property) is version-checked before backward and released after it.
 */
export function record<S>(def: OpDef<S>, output: Tensor, inputs: ReadonlyArray<Tensor | null>, state: S): Tensor {
  const n = inputs.length;
  const next: Edge[] = new Array(n);
  const shapes: Array<readonly number[] | null> = new Array(n);
  const needs: boolean[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = inputs[i];
    next[i] = edgeOf(t);
    shapes[i] = t == null ? null : t.shape;
    needs[i] = t != null && t.requiresGrad;
  }
  output._setGradFn(new Node(def as OpDef<unknown>, state, next, shapes, needs, output.shape));
  return output;
}

interface PendingGrad {
  data: Float32Array;
  /** False when the array may be shared with someone else, so it must be copied before adding into. */
  owned: boolean;
}

/** A private copy of `a`, allocated where the backend's kernels read it best. */
function copyOf(a: Float32Array): Float32Array {
  const out = allocFloat32(a.length);
  out.set(a);
  return out;
}

/**
 * Gives a consumed gradient back to the backend, when it is `owned` (a backward allocated it
 * for this edge alone). The backend frees only arrays it allocated that no tensor was made
 * over (hooks and leaves make tensors), so a gradient that escaped is left to the collector.
 */
function sharesMemory(a: Float32Array, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Whether any of `grads` is `data` or a view of its memory. */
function handedOn(grads: ReadonlyArray<Float32Array | null>, data: Float32Array): boolean {
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g != null && (g === data || sharesMemory(g, data))) return true;
  }
  return false;
}

function releaseConsumed(grad: Float32Array, owned: boolean): void {
  if (owned) getBackend().release(grad);
}

function accumulate(map: Map<Node | Tensor, PendingGrad>, key: Node | Tensor, grad: Float32Array, owned: boolean): void {
  const pending = map.get(key);
  if (pending === undefined) {
    map.set(key, { data: grad, owned });
    return;
  }
  if (!pending.owned) {
    pending.data = copyOf(pending.data);
    pending.owned = true;
  }
  const d = pending.data;
  gradientNotes.delete(d); // its values change: a note about them no longer holds
  for (let i = 0; i < d.length; i++) d[i] += grad[i];
  releaseConsumed(grad, owned);
}

function runHooks(hooks: GradHook[] | null, grad: PendingGrad, shape: readonly number[]): PendingGrad {
  if (hooks === null || hooks.length === 0) return grad;
  let current = grad;
  for (const hook of [...hooks]) {
    const replaced = hook(new Tensor(current.data, shape));
    if (replaced !== undefined && replaced !== null) {
      if (!(replaced instanceof Tensor) || replaced.numel !== current.data.length) {
        throw new Error(`hook returned a gradient of shape ${describe(replaced)}, expected ${shapeString(shape)}`);
      }
      current = { data: replaced._dense() as Float32Array, owned: false };
    }
  }
  return current;
}

function describe(x: unknown): string {
  return x instanceof Tensor ? shapeString(x.shape) : String(x);
}

/** Leaf gradients of at most this many elements (64 bytes, V8's on-heap typed arrays) stay on the JS heap. */
const TINY_GRAD_ELEMENTS = 16;

/**
 * The array a leaf's first gradient is kept in: the gradient's own array when it is the
 * engine's and lives where the kernels read it in place; a JS-heap one (a small backward's
 * `new Float32Array`) is copied into the backend's memory once here, instead of being staged by
 * the optimizer's kernel every step. A tiny gradient (a 0-d parameter's) stays on the JS heap:
 * a resident one costs a registration with the collector per backward (setToNone drops it every
 * step), more than the optimizer's kernel pays to stage a few elements.
 */
function leafGradArray(g: PendingGrad): Float32Array {
  if (g.data.length <= TINY_GRAD_ELEMENTS) {
    return g.owned && residentBlock(g.data) === undefined ? g.data : new Float32Array(g.data);
  }
  const readInPlace = g.owned && (getBackend().name !== 'wasm' || residentBlock(g.data) !== undefined);
  return readInPlace ? g.data : copyOf(g.data);
}

function accumulateIntoLeaf(leaf: Tensor, pending: PendingGrad): void {
  const hooked = leaf._hooks !== null && leaf._hooks.length > 0;
  const g = runHooks(leaf._hooks, pending, leaf.shape);
  const existing = leaf._peekGrad();
  if (existing === null) {
    const data = leafGradArray(g);
    persist(data); // a parameter's gradient outlives any scope the backward runs in
    // A hook saw the values (and may keep the tensor it got): then zeroGrad must not free them.
    leaf._setGrad(Tensor._fromDense(data, leaf.shape, 'float32'), hooked);
  } else {
    const grad = existing;
    const s = g.data;
    if (grad.isContiguous()) {
      const d = grad._dense() as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] += s[i];
    } else {
      const d = grad._dense() as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] += s[i];
      grad._writeDense(d);
    }
    grad._versionCounter.value++;
    releaseConsumed(g.data, g.owned);
  }
}

/**
 * The engine behind Tensor.backward(): `gradient` already has the root's shape. The pass runs
 * in the backend's temporary scope: what it allocates and no tensor holds is freed at its end.
 */
export function runBackward(root: Tensor, gradient: Float32Array, retainGraph: boolean): void {
  getBackend().temporaryScope(() => runEngine([root], [gradient], retainGraph, null));
}

/**
 * Walks the graph from `roots` (each with its gradient) in reverse topological order.
 * Without `capture`, leaves get their summed gradient added into `.grad` (backward()).
 * With `capture`, nothing is accumulated anywhere: the gradient reaching each captured
 * tensor is returned instead, null where none arrives (autograd.grad(), which runs it outside
 * the temporary scope so that the returned arrays outlive the pass).
 */
export function runEngine(roots: readonly Tensor[], gradients: readonly Float32Array[], retainGraph: boolean,
  capture: readonly Tensor[] | null): Array<Float32Array | null> {
  const pending = new Map<Node | Tensor, PendingGrad>();
  const leaves: Tensor[] = [];
  const rootNodes: Node[] = [];
  for (let r = 0; r < roots.length; r++) {
    const node = roots[r].gradFn;
    const key: Node | Tensor = node ?? roots[r];
    if (node === null && !pending.has(key)) leaves.push(roots[r]);
    else if (node !== null && !pending.has(key)) rootNodes.push(node);
    accumulate(pending, key, gradients[r], false);
  }
  // Count, for every node reachable from the roots, how many edges lead into it.
  const dependencies = new Map<Node, number>();
  const stack: Node[] = [...rootNodes];
  const seen = new Set<Node>(rootNodes);
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const edge of node.next) {
      if (!(edge instanceof Node)) continue;
      dependencies.set(edge, (dependencies.get(edge) ?? 0) + 1);
      if (!seen.has(edge)) {
        seen.add(edge);
        stack.push(edge);
      }
    }
  }
  // Captured non-leaves: the gradient their node receives, once it has all of it.
  const capturedAt = new Map<Node, Float32Array>();
  const captureNodes = new Set<Node>();
  if (capture !== null) for (const t of capture) if (t.gradFn !== null) captureNodes.add(t.gradFn);
  // The pass may run inside another's hook (autograd.grad in a hook): restore the outer set.
  const outerCaptured = capturedNodes;
  capturedNodes = captureNodes;
  try {
    return walkGraph(rootNodes, pending, dependencies, leaves, capture, captureNodes, capturedAt, retainGraph);
  } finally {
    capturedNodes = outerCaptured;
  }
}

function walkGraph(rootNodes: Node[], pending: Map<Node | Tensor, PendingGrad>, dependencies: Map<Node, number>,
  leaves: Tensor[], capture: readonly Tensor[] | null, captureNodes: Set<Node>, capturedAt: Map<Node, Float32Array>,
  retainGraph: boolean): Array<Float32Array | null> {

  const ready: Node[] = rootNodes.filter((n) => !dependencies.has(n));
  while (ready.length > 0) {
    const node = ready.pop()!;
    let grad = pending.get(node);
    pending.delete(node);
    // A node that received no gradient at all (every path to it returned null) propagates
    // nothing, but still releases its children's dependency counts.
    let inputGrads: ReadonlyArray<Float32Array | null> | null = null;
    let seen = true;
    if (grad !== undefined) {
      seen = gradientSeenAt(node); // (runEngine made capturedNodes this pass's captureNodes)
      grad = runHooks(node.hooks, grad, node.outputShape);
      if (captureNodes.has(node)) capturedAt.set(node, grad.owned ? grad.data : grad.data.slice());
      inputGrads = node.apply(grad.data, retainGraph, grad.owned && !seen);
    }
    // The node's incoming gradient is dead once it has run, unless handed on (views, add).
    // Only a resident array can be given back (release frees nothing else), and only for one
    // is the memory check made: asking a small JS-heap array for its buffer makes V8 move it
    // off the heap, which cost more than the rest of a 0-d node's backward.
    const consumed = grad !== undefined && grad.owned && inputGrads !== null && residentBlock(grad.data) !== undefined &&
      !handedOn(inputGrads, grad.data) ? grad.data : null;
    for (let i = 0; i < node.next.length; i++) {
      const edge = node.next[i];
      if (edge === null) continue;
      const g = inputGrads === null ? null : inputGrads[i];
      // A backward function allocates fresh arrays, except when it hands the incoming gradient
      // through (views, add) or returns one array for two inputs: those must not be added into.
      // An op that may return its incoming gradient as it is (OpDef.handsOnOwned: relu, when
      // max-pool already masked it, see ops/pool.ts) hands it on owned if the engine owned it
      // and nothing else saw it (no hook, not captured).
      const owned = g != null && (g !== grad!.data || (grad!.owned && !seen && node.handsOnOwned)) &&
        inputGrads!.indexOf(g) === i && inputGrads!.lastIndexOf(g) === i;
      if (edge instanceof Node) {
        if (g != null) accumulate(pending, edge, g, owned);
        const left = dependencies.get(edge)! - 1;
        dependencies.set(edge, left);
        if (left === 0) ready.push(edge);
      } else if (g != null) {
        if (!pending.has(edge)) leaves.push(edge);
        accumulate(pending, edge, g, owned);
      }
    }
    if (consumed !== null) releaseConsumed(consumed, true);
  }
  if (capture !== null) {
    return capture.map((t) => {
      if (t.gradFn !== null) return capturedAt.get(t.gradFn) ?? null;
      const p = pending.get(t);
      return p === undefined ? null : p.owned ? p.data : p.data.slice();
    });
  }
  // Leaves get their summed gradient once, so that hooks see it whole (PyTorch's AccumulateGrad).
  for (const leaf of leaves) accumulateIntoLeaf(leaf, pending.get(leaf)!);
  return [];
}

// ------------------------------------------------------------------ notes on gradient arrays
// Lets one backward tell the next something about the exact values of a gradient it returns
// (max-pool: "already masked by this relu output", see ops/pool.ts and ops/activation.ts).
// A note is dropped when the engine adds another gradient into the array.

/** Nodes whose incoming gradient the running pass hands back to autograd.grad's caller. */
let capturedNodes: ReadonlySet<Node> | null = null;

const gradientNotes = new WeakMap<Float32Array, object>();

/**
 * Whether anything besides the node's own backward sees the gradient it receives in this
 * pass: a hook on its output (retainGrad too), or autograd.grad returning it.
 */
export function gradientSeenAt(node: Node): boolean {
  return (node.hooks !== null && node.hooks.length > 0) || (capturedNodes !== null && capturedNodes.has(node));
}

/** Attaches `note` to a gradient array a backward returns. */
export function noteGradient(grad: Float32Array, note: object): void {
  gradientNotes.set(grad, note);
}

/** The note attached to `grad`, if its values are still the ones it was made for. */
export function gradientNote(grad: Float32Array): object | undefined {
  return gradientNotes.get(grad);
}
