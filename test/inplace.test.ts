/**
 * In-place ops, version counters and `.data` against PyTorch (test/fixtures/views/inplace.json,
 * written by scripts/gen-fixtures-views.py). Each scenario is a small program over named
 * tensors, replayed statement by statement: after every statement the error (or none) and the
 * `_version` of every tensor must be PyTorch's; at the end, every tensor's values and every
 * leaf's gradient. Scenarios cover writes through views into the base and into parameters
 * (under noGrad, through `.data`, through `detach()`), leaf errors, saved tensors modified
 * before backward, in-place chains on non-leaves, views whose base changed, memory overlap.
 *
 * Where torchlet refuses on purpose (an in-place op on a view that takes part in autograd,
 * which PyTorch handles with CopySlices), the scenario checks the refusal and stops there.
 * Scenarios whose PyTorch error comes from a tensor saved by an op that still records plain
 * arrays (recordLegacy, no version check) are listed as skipped, naming the ops they wait for.
 */
import { Tensor, add, div, mul, noGrad, setBackend, sub, tensor } from '../src';
import { OpDef, SavedTensor, needsGrad, record, save } from '../src/autograd';
import { binaryInplace } from '../src/ops/inplace';
import { ArrayJson, VIEWS_DIR, expectClose, f32, i32, readFixture } from './helpers/fixtures';
import { TorchError, applyStep, errorMismatch, expectAllMatch, tensorOf, torchGradFnName } from './helpers/view-steps';

type Arg = number | { ref: string };

interface Statement {
  s: 'tensor' | 'view' | 'inplace' | 'op' | 'backward' | 'grad';
  name?: string;
  of?: string;
  target?: string;
  op?: string;
  args?: Arg[];
  value?: ArrayJson;
  requiresGrad?: boolean;
  noGrad?: boolean;
  error: TorchError | null;
  torchletRefuses?: string;
  versions: Record<string, number>;
  /** After an in-place op: the target's grad_fn name in PyTorch. */
  gradFn?: string | null;
}

interface Scenario {
  name: string;
  statements: Statement[];
  values: Record<string, ArrayJson>;
  grads: Record<string, ArrayJson | null>;
}

const { scenarios } = readFixture<{ scenarios: Scenario[] }>('inplace.json', VIEWS_DIR);

/** What torchlet says when it refuses a statement on purpose. */
const REFUSALS: Record<string, RegExp> = {
  CopySlices: /in-place modification of a view that takes part in autograd/,
  ellipses: /single ellipsis/,
};

class Replay {
  readonly env = new Map<string, Tensor>();

  private resolve(a: Arg): Tensor | number {
    if (typeof a === 'number') return a;
    const t = this.env.get(a.ref);
    if (t === undefined) throw new Error(`test: no tensor named ${a.ref}`);
    return t;
  }

  private get(name: string): Tensor {
    return this.resolve({ ref: name }) as Tensor;
  }

  run(st: Statement): void {
    const body = (): void => this.execute(st);
    if (st.noGrad) noGrad(body);
    else body();
  }

  private execute(st: Statement): void {
    const args = st.s === 'inplace' || st.s === 'op' ? (st.args ?? []).map((a) => this.resolve(a)) : [];
    switch (st.s) {
      case 'tensor':
        this.env.set(st.name!, tensorOf(st.value!, st.requiresGrad));
        return;
      case 'view':
        this.env.set(st.name!, applyStep(this.get(st.of!), { op: st.op!, args: st.args ?? [] }));
        return;
      case 'inplace': {
        const t = this.get(st.target!) as unknown as Record<string, (...a: unknown[]) => Tensor>;
        if (typeof t[st.op!] !== 'function') throw new Error(`test: no in-place op ${st.op}`);
        t[st.op!](...args);
        return;
      }
      case 'op': {
        const [a, b] = args as [Tensor, Tensor | number];
        const binary: Record<string, (x: Tensor, y: Tensor | number) => Tensor> = { mul, add, sub, div };
        let out: Tensor;
        if (st.op! in binary) out = binary[st.op!](a, b);
        else if (st.op === 'pow') out = a.pow(b as number);
        else out = (a as unknown as Record<string, () => Tensor>)[st.op!]();
        this.env.set(st.name!, out);
        return;
      }
      case 'backward':
        this.get(st.of!).backward();
        return;
      case 'grad': {
        const g = this.get(st.of!).grad;
        if (g === null) throw new Error(`${st.of}.grad is null; PyTorch had a gradient`);
        this.env.set(st.name!, g);
        return;
      }
    }
  }
}

function describeStatement(st: Statement): string {
  const args = (st.args ?? []).map((a) => (typeof a === 'number' ? String(a) : a.ref)).join(', ');
  const prefix = st.noGrad ? 'noGrad: ' : '';
  switch (st.s) {
    case 'tensor': return `${prefix}${st.name} = tensor${JSON.stringify(st.value!.shape)}${st.requiresGrad ? ' (requiresGrad)' : ''}`;
    case 'view': return `${prefix}${st.name} = ${st.of}.${st.op}(${(st.args ?? []).map((a) => JSON.stringify(a)).join(', ')})`;
    case 'inplace': return `${prefix}${st.target}.${st.op}(${args})`;
    case 'op': return `${prefix}${st.name} = ${st.op}(${args})`;
    case 'backward': return `${prefix}${st.of}.backward()`;
    case 'grad': return `${prefix}${st.name} = ${st.of}.grad`;
  }
}

/** Every difference from PyTorch in one scenario, as readable lines (empty when it matches). */
function check(sc: Scenario): string[] {
  const replay = new Replay();
  const problems: string[] = [];
  let raised = false;
  for (const st of sc.statements) {
    const where = `after \`${describeStatement(st)}\``;
    if (st.torchletRefuses !== undefined) {
      const pattern = st.torchletRefuses.includes('CopySlices') ? REFUSALS.CopySlices : REFUSALS.ellipses;
      try {
        replay.run(st);
        problems.push(`${where}: did not refuse (${st.torchletRefuses})`);
      } catch (e) {
        if (!pattern.test((e as Error).message)) problems.push(`${where}: refused with "${(e as Error).message}"`);
      }
      return problems; // PyTorch went on; torchlet stopped on purpose
    }
    if (st.error !== null) {
      const mismatch = errorMismatch(() => replay.run(st), st.error);
      if (mismatch !== null) return [...problems, `${where}: ${mismatch}`];
      raised = true;
    } else {
      try {
        replay.run(st);
      } catch (e) {
        return [...problems, `${where}: raised "${(e as Error).message}"; PyTorch did not`];
      }
    }
    if (st.s === 'inplace' && !st.noGrad && st.gradFn !== undefined && OWN_INPLACE.has(st.op!)) {
      const got = replay.env.get(st.target!)!.gradFn?.name ?? null;
      if (got !== torchGradFnName(st.gradFn)) problems.push(`${where}: gradFn ${got}, PyTorch ${st.gradFn}`);
    }
    for (const [name, version] of Object.entries(st.versions)) {
      const got = replay.env.get(name)?._version;
      if (got !== version) problems.push(`${where}: ${name}._version is ${got}, PyTorch ${version}`);
    }
    if (raised) break; // the scenario stops at its first error, as the generator did
  }

  for (const [name, expected] of Object.entries(sc.values)) {
    const t = replay.env.get(name);
    if (t === undefined) {
      problems.push(`${name}: missing`);
      continue;
    }
    if (expected.dtype === 'i32') {
      const want = i32(expected);
      if (JSON.stringify([t.shape, Array.from(t.dataSync())]) !== JSON.stringify([want.shape, Array.from(want.data)])) {
        problems.push(`${name}: ${JSON.stringify(Array.from(t.dataSync()))}, PyTorch ${JSON.stringify(Array.from(want.data))}`);
      }
      continue;
    }
    try {
      expectClose(`values of ${name}`, t.dataSync(), f32(expected), 1e-5, t.shape);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (!raised) {
    for (const [name, expected] of Object.entries(sc.grads)) {
      const g = replay.env.get(name)?.grad ?? null;
      if (expected === null || g === null) {
        if ((expected === null) !== (g === null)) problems.push(`${name}.grad is ${g === null ? 'null' : 'set'}, PyTorch's ${expected === null ? 'None' : 'set'}`);
        continue;
      }
      try {
        expectClose(`${name}.grad`, g.dataSync(), f32(expected), 1e-5, g.shape);
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
  }
  return problems;
}

function listing(sc: Scenario): string {
  return sc.statements.map((st) => `      ${describeStatement(st)}${st.error ? `   -> PyTorch: ${st.error.message.slice(0, 70)}` : ''}`).join('\n');
}

/** In-place ops whose grad_fn this file's ops define (the others take the out-of-place op's). */
const OWN_INPLACE = new Set(['fill_', 'zero_', 'copy_']);

/**
 * Ops still recorded through recordLegacy with saved plain arrays: autograd cannot see their
 * saved values change, so PyTorch's "modified by an inplace operation" error cannot fire for
 * them yet. Found by probing each op, so that the scenarios run as soon as the op saves through
 * save().
 */
const LEGACY_SAVING = new Set<string>();
{
  setBackend('js');
  const leaf = (): Tensor => new Tensor(Float32Array.from([0.5, -1]), [2], { requiresGrad: true });
  const probes: Record<string, () => Tensor> = {
    mul: () => mul(leaf(), leaf()), add: () => add(leaf(), leaf()), sub: () => sub(leaf(), leaf()),
    div: () => div(leaf(), leaf()), sigmoid: () => leaf().sigmoid(), exp: () => leaf().exp(),
    tanh: () => leaf().tanh(), relu: () => leaf().relu(), pow: () => leaf().pow(2), sum: () => leaf().sum(),
    clone: () => leaf().clone(),
    mul_: () => leaf().mul(1).mul_(leaf()), div_: () => leaf().mul(1).div_(leaf()), add_: () => leaf().mul(1).add_(leaf()),
    sub_: () => leaf().mul(1).sub_(leaf()), relu_: () => leaf().mul(1).relu_(), neg_: () => leaf().mul(1).neg_(),
    clamp_: () => leaf().mul(1).clamp_(-0.5, 0.5),
  };
  for (const [op, make] of Object.entries(probes)) {
    if ((make().gradFn as unknown as { legacyHolds?: boolean }).legacyHolds) LEGACY_SAVING.add(op);
  }
}

/** The legacy ops a scenario depends on, when PyTorch raised the saved-tensor version error. */
function waitsFor(sc: Scenario): string[] {
  const versionError = sc.statements.some((st) => st.error?.message.startsWith('one of the variables needed for gradient'));
  if (!versionError) return [];
  return [...new Set(sc.statements.filter((st) => st.s === 'op' || st.s === 'inplace').map((st) => st.op!))]
    .filter((op) => LEGACY_SAVING.has(op));
}

const groups = new Map<string, Scenario[]>();
const pending = new Map<string, Scenario[]>();
for (const sc of scenarios) {
  const group = sc.name.startsWith('brief: ') ? 'brief' : sc.name.split('#')[0];
  const into = waitsFor(sc).length > 0 ? pending : groups;
  into.set(group, [...(into.get(group) ?? []), sc]);
}

test('the fixtures cover the kinds of scenario, PyTorch errors and torchlet refusals', () => {
  expect([...groups.keys()].sort()).toEqual(['base-after-view', 'brief', 'int-copy', 'leaf', 'nonleaf-chain',
    'param-update', 'saved', 'view-in-graph', 'view-write']);
  const messages = scenarios.flatMap((sc) => sc.statements.map((st) => st.error?.message ?? ''));
  for (const start of ['a leaf Variable that requires grad', 'a view of a leaf Variable',
    'one of the variables needed for gradient computation', 'unsupported operation: more than one element',
    'unsupported operation: some elements', 'A view was created in no_grad mode']) {
    expect(messages.filter((m) => m.startsWith(start)).length).toBeGreaterThan(0);
  }
  expect(scenarios.filter((sc) => sc.statements.some((st) => st.torchletRefuses)).length).toBeGreaterThan(10);
});

describe.each(['js', 'wasm'])('in-place scenarios vs PyTorch (%s backend)', (backend) => {
  beforeAll(() => setBackend(backend));

  test.each([...groups.entries()].map(([group, list]) => [group, list.length, list] as const))(
    '%s: %i scenarios', (_group, _n, list) => expectAllMatch(list, check, (sc) => `${sc.name}\n${listing(sc)}`));

  for (const [group, list] of pending) {
    const ops = [...new Set(list.flatMap(waitsFor))].sort().join(', ');
    test.skip(`${group}: ${list.length} scenarios where PyTorch raises the saved-tensor version error wait for ` +
      `${ops} to save through save() (they record plain arrays today)`, () => undefined);
  }
});

/**
 * The in-place machinery with an op written the new way (OpDef + save()), independent of which
 * ops have moved: PyTorch saves the original self (a copy) for an in-place op's backward, but
 * `other` as it is, so y.mul_(y2) differentiates through y's old values and y.mul_(y) fails.
 */
describe('in-place ops over an op that saves through save()', () => {
  interface ProductState { a: SavedTensor | null; b: SavedTensor | null }
  const productDef: OpDef<ProductState> = {
    name: 'MulBackward0',
    backward(state, g) {
      const ga = state.b === null ? null : g.map((v, i) => v * state.b!.values[i]);
      const gb = state.a === null ? null : g.map((v, i) => v * state.a!.values[i]);
      return [ga, gb];
    },
  };
  function product(a: Tensor, b: Tensor): Tensor {
    const x = a.dataSync();
    const y = b.dataSync();
    const out = new Tensor(x.map((v, i) => v * y[i]) as Float32Array, a.shape);
    if (needsGrad(a, b)) record(productDef, out, [a, b], { a: b.requiresGrad ? save(a) : null, b: a.requiresGrad ? save(b) : null });
    return out;
  }
  const productInplace = (self: Tensor, other: Tensor): Tensor =>
    binaryInplace(self, 'mul_', (s, o) => product(s, o as Tensor), other);

  test("y.mul_(y2): the gradient for y2 uses y's values from before the write", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const x2 = tensor([4, 5, 6], { requiresGrad: true });
    const y = x.mul(2);
    const y2 = x2.mul(3);
    productInplace(y, y2);
    expect(Array.from(y.dataSync())).toEqual([24, 60, 108]);
    expect(y._version).toBe(1);
    y.sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([24, 30, 36]); // 2 * y2
    expect(Array.from(x2.grad!.dataSync())).toEqual([6, 12, 18]); // 3 * old y
  });

  test('y.mul_(y): the saved `other` is y itself, modified by the op: PyTorch\'s error at backward', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    productInplace(y, y);
    expect(() => y.sum().backward()).toThrow(/one of the variables needed for gradient computation has been modified by an inplace operation/);
  });

  test('a saved tensor modified afterwards is caught; through .data it is not', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const w = tensor([1, 1, 1], { requiresGrad: true });
    const y = x.mul(1);
    const z = product(y, w); // saves y for w's gradient
    y.add_(1);
    expect(() => z.sum().backward()).toThrow(/modified by an inplace operation: \[torch.FloatTensor \[3\]\], which is output 0 of/);
    const y2 = x.mul(1);
    const z2 = product(y2, w);
    y2.data.add_(1);
    expect(y2._version).toBe(0);
    z2.sum().backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([2, 3, 4]);
  });
});
