/**
 * Containers and module utilities: clipGradNorm_ / clipGradValue_, calculateGain and the
 * spread of nn.init against PyTorch 1.13 (scripts/gen-fixtures-nn-utils.py); Sequential,
 * ModuleList, ModuleDict, hooks, requiresGrad_ and buffers by PyTorch's documented semantics.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, nn } from '../src';

interface Enc { shape: number[]; values: string[] }
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'nn-utils', 'nn-utils.json'), 'utf8'));
const decode = (e: Enc): Tensor => new Tensor(Float32Array.from(e.values.map(Number)), e.shape);

function expectValues(actual: Tensor, expected: Enc, rtol = 2e-6): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  expected.values.map(Number).forEach((e, i) => expect(Math.abs(a[i] - e)).toBeLessThanOrEqual(rtol * Math.abs(e) + 1e-7));
}

describe('nn.utils against PyTorch', () => {
  test.each(fixture.clipGradNorm.map((c: unknown, i: number) => [i, c]) as Array<[number, any]>)('clipGradNorm_ case %i', (_i, c) => {
    const params = c.grads.map((g: Enc) => {
      const p = new nn.Parameter(new Tensor(new Float32Array(g.values.length), g.shape));
      p.grad = decode(g);
      return p;
    });
    const before = params.map((p: nn.Parameter) => p.grad!._version);
    const total = nn.utils.clipGradNorm_(params, c.maxNorm, Number(c.normType));
    expect(Math.abs(total.item() - Number(c.total))).toBeLessThanOrEqual(2e-6 * Math.abs(Number(c.total)));
    params.forEach((p: nn.Parameter, k: number) => {
      expectValues(p.grad!, c.clipped[k]);
      expect(p.grad!._version).toBeGreaterThan(before[k]);
    });
  });

  test('clipGradValue_', () => {
    for (const c of fixture.clipGradValue) {
      const p = new nn.Parameter(new Tensor(new Float32Array(12), [3, 4]));
      p.grad = decode(c.grad);
      nn.utils.clipGradValue_([p], c.clipValue);
      expectValues(p.grad!, c.clipped, 0);
    }
  });

  test('clipGradNorm_ errorIfNonfinite', () => {
    const p = new nn.Parameter(new Tensor(new Float32Array(2), [2]));
    p.grad = new Tensor(Float32Array.from([Infinity, 1]), [2]);
    expect(() => nn.utils.clipGradNorm_([p], 1, { errorIfNonfinite: true })).toThrow(/non-finite/);
    expect(nn.utils.clipGradNorm_(p, 1).item()).toBe(Infinity);
  });
});

describe('nn.init against PyTorch', () => {
  test('calculateGain', () => {
    for (const c of fixture.calculateGain) {
      expect(nn.init.calculateGain(c.nonlinearity, c.param)).toBeCloseTo(c.gain, 12);
    }
    expect(() => nn.init.calculateGain('swish' as never)).toThrow('Unsupported nonlinearity swish');
  });

  test.each(fixture.spread.map((c: any, i: number) => [i, c.init, JSON.stringify(c.args), c]) as Array<[number, string, string, any]>)('%i: %s %s', (_i, name, _a, c) => {
    const t = new Tensor(new Float32Array(c.shape.reduce((a: number, b: number) => a * b, 1)), c.shape);
    const a = c.args;
    switch (name) {
      case 'kaimingUniform_': nn.init.kaimingUniform_(t, { a: a.a, mode: a.mode, nonlinearity: a.nonlinearity }); break;
      case 'kaimingNormal_': nn.init.kaimingNormal_(t, { mode: a.mode, nonlinearity: a.nonlinearity }); break;
      case 'xavierUniform_': nn.init.xavierUniform_(t, a.gain); break;
      case 'xavierNormal_': nn.init.xavierNormal_(t, a.gain); break;
      case 'uniform_': nn.init.uniform_(t, a.a, a.b); break;
      case 'normal_': nn.init.normal_(t, a.mean, a.std); break;
      default: throw new Error(name);
    }
    const v = Array.from(t.dataSync());
    const n = v.length;
    const mean = v.reduce((s, x) => s + x, 0) / n;
    const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    // 18k+ samples: the std agrees within 3%, the mean within 3% of the std.
    expect(Math.abs(std - c.std)).toBeLessThan(0.03 * c.std);
    expect(Math.abs(mean - c.mean)).toBeLessThan(0.03 * c.std);
    if (name.endsWith('Uniform_') || name === 'uniform_') {
      const width = c.max - c.min;
      expect(Math.min(...v)).toBeGreaterThanOrEqual(c.min - 0.01 * width);
      expect(Math.max(...v)).toBeLessThanOrEqual(c.max + 0.01 * width);
    }
  });

  test('zeros_, ones_, constant_ bump the version', () => {
    const t = new Tensor(new Float32Array(4), [2, 2]);
    const v = t._version;
    nn.init.ones_(t);
    expect([...t.dataSync()]).toEqual([1, 1, 1, 1]);
    nn.init.constant_(t, 0.5);
    expect([...t.dataSync()]).toEqual([0.5, 0.5, 0.5, 0.5]);
    nn.init.zeros_(t);
    expect([...t.dataSync()]).toEqual([0, 0, 0, 0]);
    expect(t._version).toBe(v + 3);
    expect(() => nn.init.kaimingNormal_(t, { mode: 'fan_avg' as never })).toThrow('Mode fan_avg not supported');
  });
});

describe('containers', () => {
  const model = (): nn.Sequential => new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));

  test('Sequential: indexing (negative too), slicing under the original names, iteration, append, length', () => {
    const m = model();
    expect(m.length).toBe(3);
    expect(m.at(0)).toBeInstanceOf(nn.Linear);
    expect(m.at(-1)).toBe(m.at(2));
    expect(() => m.at(3)).toThrow('index 3 is out of range');
    expect(() => m.at(-4)).toThrow('index -4 is out of range');
    const tail = m.slice(1);
    expect(tail.namedChildren().map(([k]) => k)).toEqual(['1', '2']);
    expect(tail.at(0)).toBe(m.at(1));
    expect(m.slice(-2, -1).length).toBe(1);
    expect([...m]).toEqual(m.children());
    m.append(new nn.Sigmoid());
    expect(Object.keys(m.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(m.namedChildren().map(([k]) => k)).toEqual(['0', '1', '2', '3']);
    const named = new nn.Sequential(new Map<string, nn.Module>([['fc', new nn.Linear(2, 2)], ['act', new nn.Tanh()]]));
    expect(Object.keys(named.stateDict())).toEqual(['fc.weight', 'fc.bias']);
  });

  test('ModuleList and ModuleDict register their modules', () => {
    const list = new nn.ModuleList([new nn.Linear(2, 2)]);
    list.append(new nn.Linear(2, 1)).extend([new nn.ReLU()]);
    expect(list.length).toBe(3);
    expect(list.at(-2)).toBe(list.at(1));
    expect(list.slice(1).namedChildren().map(([k]) => k)).toEqual(['0', '1']);
    expect(list.parameters()).toHaveLength(4);
    const dict = new nn.ModuleDict({ enc: new nn.Linear(2, 2), act: new nn.ReLU() });
    dict.set('dec', new nn.Linear(2, 1));
    expect(dict.keys()).toEqual(['enc', 'act', 'dec']);
    expect([...dict]).toEqual(['enc', 'act', 'dec']);
    expect(dict.get('act')).toBeInstanceOf(nn.ReLU);
    expect(() => dict.get('nope')).toThrow("KeyError: 'nope'");
    expect(() => dict.set('forward', new nn.ReLU())).toThrow(/already exists/);
    expect(Object.keys(dict.stateDict())).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    dict.pop('enc');
    expect(dict.length).toBe(2);
  });

  test('namedModules, children, namedChildren, apply', () => {
    const outer = new nn.Sequential(model(), new nn.Tanh());
    expect(outer.namedModules().map(([k]) => k)).toEqual(['', '0', '0.0', '0.1', '0.2', '1']);
    expect(outer.children()).toHaveLength(2);
    const seen: string[] = [];
    outer.apply((m) => seen.push(m.constructor.name));
    // Children first, then the module itself (PyTorch's order).
    expect(seen).toEqual(['Linear', 'ReLU', 'Linear', 'Sequential', 'Tanh', 'Sequential']);
  });

  test('requiresGrad_ freezes and unfreezes every parameter', () => {
    const m = model();
    m.requiresGrad_(false);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(m.call(new Tensor(new Float32Array(2), [1, 2])).requiresGrad).toBe(false);
    m.requiresGrad_();
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
  });

  test('registerBuffer: in stateDict, not in parameters', () => {
    const m = new nn.Linear(2, 2);
    m.registerBuffer('running', new Tensor(Float32Array.from([1, 2]), [2]));
    expect(Object.keys(m.stateDict())).toEqual(['weight', 'bias', 'running']);
    expect(m.parameters()).toHaveLength(2);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['running']);
  });

  test('forward hooks and pre-hooks: order, replacement, removal, and inside Sequential', () => {
    const lin = new nn.Linear(2, 2);
    const calls: string[] = [];
    const pre = lin.registerForwardPreHook((_m, args) => { calls.push('pre'); return [args[0].mul(0)]; });
    const post = lin.registerForwardHook((_m, _args, out) => { calls.push('post'); return out.add(1); });
    const seq = new nn.Sequential(lin);
    const y = seq.call(new Tensor(Float32Array.from([3, 4]), [1, 2]));
    expect(calls).toEqual(['pre', 'post']);
    const bias = lin.bias!.dataSync();
    expect([...y.dataSync()]).toEqual([bias[0] + 1, bias[1] + 1].map(Math.fround));
    pre.remove();
    post.remove();
    post.remove();
    calls.length = 0;
    lin.call(new Tensor(Float32Array.from([3, 4]), [1, 2]));
    expect(calls).toEqual([]);
  });
});
