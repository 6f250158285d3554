/**
 * The tape. Every differentiable op that sees an input requiring grad records a `Node`: the
 * edges to its inputs, the tensors it saved for backward, and a backward function turning the
 * gradient of its output into gradients of its inputs. `backward()` walks the nodes in reverse
 * topological order and ADDS into each leaf's `.grad`, never overwriting it (PyTorch's
 * semantics: that is why `zeroGrad()` exists).
 *
 * Gradients flow between nodes as plain Float32Arrays; they become Tensors only where a user
 * sees them (leaf `.grad`, hooks).
 */
import { Tensor } from './tensor';

/**
 * Gradients of a node's inputs from the gradient of its output, in input order. `saved` is
 * what the op recorded; `null` entries mean "no gradient for this input".
 */
export type BackwardFn = (gradOutput: Float32Array, saved: readonly unknown[]) => ReadonlyArray<Float32Array | null>;

/** A tensor hook: receives the gradient, may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | void | undefined;

/** Where a node sends each input's gradient: the producing node, a leaf, or nowhere. */
export type Edge = Node | Tensor | null;

export class Node {
  /** Hooks registered on the (non-leaf) output tensor; they see its complete gradient. */
  hooks: GradHook[] | null = null;
  private released = false;

  constructor(
    /** The op's name, as in PyTorch's grad_fn names (e.g. 'ConvolutionBackward'). */
    readonly name: string,
    readonly next: readonly Edge[],
    private saved: readonly unknown[] | null,
    private readonly backwardFn: BackwardFn,
    /** Shape of the output, to check gradients handed to hooks. */
    readonly outputShape: readonly number[],
  ) {}

  apply(gradOutput: Float32Array, retainGraph: boolean): ReadonlyArray<Float32Array | null> {
    if (this.released) {
      throw new Error(
        `Trying to backward through the graph a second time (through ${this.name}), or to use ` +
        'saved tensors after they have already been freed. Saved intermediate values of the graph ' +
        'are freed when you call .backward(). Pass { retainGraph: true } to backward() if you need ' +
        'to backward through the graph a second time.');
    }
    const grads = this.backwardFn(gradOutput, this.saved ?? []);
    // Nodes without saved tensors stay usable, as in PyTorch.
    if (!retainGraph && this.saved !== null && this.saved.length > 0) {
      this.saved = null;
      this.released = true;
    }
    return grads;
  }
}

let gradEnabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording any graph (torch.no_grad). fn must be synchronous. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Runs fn with graph recording on, even inside noGrad (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Sets grad mode globally (torch.set_grad_enabled); returns the previous mode. */
export function setGradEnabled(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
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
 * Backward returns gradients aligned with `inputs`.
 */
export function record(name: string, output: Tensor, inputs: ReadonlyArray<Tensor | null>,
  saved: readonly unknown[], backward: BackwardFn): Tensor {
  const next = inputs.map(edgeOf);
  output._setGradFn(new Node(name, next, saved, backward, output.shape));
  return output;
}

interface PendingGrad {
  data: Float32Array;
  /** False when the array may be shared with someone else, so it must be copied before adding into. */
  owned: boolean;
}

function accumulate(map: Map<Node | Tensor, PendingGrad>, key: Node | Tensor, grad: Float32Array, owned: boolean): void {
  const pending = map.get(key);
  if (pending === undefined) {
    map.set(key, { data: grad, owned });
    return;
  }
  if (!pending.owned) {
    pending.data = pending.data.slice();
    pending.owned = true;
  }
  const d = pending.data;
  for (let i = 0; i < d.length; i++) d[i] += grad[i];
}

function runHooks(hooks: GradHook[] | null, grad: PendingGrad, shape: readonly number[]): PendingGrad {
  if (hooks === null || hooks.length === 0) return grad;
  let current = grad;
  for (const hook of hooks) {
    const replaced = hook(new Tensor(current.data, shape));
    if (replaced !== undefined && replaced !== null) {
      if (!(replaced instanceof Tensor) || replaced.numel !== current.data.length) {
        throw new Error(`hook returned a gradient of shape ${describe(replaced)}, expected [${shape.join(', ')}]`);
      }
      current = { data: replaced.data as Float32Array, owned: false };
    }
  }
  return current;
}

function describe(x: unknown): string {
  return x instanceof Tensor ? `[${x.shape.join(', ')}]` : String(x);
}

function accumulateIntoLeaf(leaf: Tensor, pending: PendingGrad): void {
  const g = runHooks(leaf._hooks, pending, leaf.shape);
  if (leaf.grad === null) {
    leaf.grad = new Tensor(g.owned ? g.data : g.data.slice(), leaf.shape);
  } else {
    const d = leaf.grad.data as Float32Array;
    const s = g.data;
    for (let i = 0; i < d.length; i++) d[i] += s[i];
  }
}

/** The engine behind Tensor.backward(): `gradient` already has the root's shape. */
export function runBackward(root: Tensor, gradient: Float32Array, retainGraph: boolean): void {
  const rootNode = root.gradFn;
  if (rootNode === null) {
    accumulateIntoLeaf(root, { data: gradient, owned: false });
    return;
  }
  // Count, for every node reachable from the root, how many edges lead into it.
  const dependencies = new Map<Node, number>();
  const stack: Node[] = [rootNode];
  const seen = new Set<Node>([rootNode]);
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

  const pending = new Map<Node | Tensor, PendingGrad>();
  const leaves: Tensor[] = [];
  pending.set(rootNode, { data: gradient, owned: false });
  const ready: Node[] = [rootNode];
  while (ready.length > 0) {
    const node = ready.pop()!;
    let grad = pending.get(node);
    pending.delete(node);
    // A node that received no gradient at all (every path to it returned null) propagates
    // nothing, but still releases its children's dependency counts.
    let inputGrads: ReadonlyArray<Float32Array | null> | null = null;
    if (grad !== undefined) {
      grad = runHooks(node.hooks, grad, node.outputShape);
      inputGrads = node.apply(grad.data, retainGraph);
    }
    for (let i = 0; i < node.next.length; i++) {
      const edge = node.next[i];
      if (edge === null) continue;
      const g = inputGrads === null ? null : inputGrads[i];
      // A backward function allocates fresh arrays, except when it hands the incoming gradient
      // through (views, add) or returns one array for two inputs: those must not be added into.
      const owned = g != null && g !== grad!.data && inputGrads!.indexOf(g) === i && inputGrads!.lastIndexOf(g) === i;
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
  }
  // Leaves get their summed gradient once, so that hooks see it whole (PyTorch's AccumulateGrad).
  for (const leaf of leaves) accumulateIntoLeaf(leaf, pending.get(leaf)!);
}
