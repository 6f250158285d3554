/**
 * The random draws are torch 1.13's bit for bit (fixtures from scripts/gen-fixtures-random.py):
 * rand, uniform_, randn, normal_, normal, randint, randperm, bernoulli, bernoulli_, dropout,
 * nn.init, Linear and Conv2d's default init, the DataLoader's shuffle and randomSplit, for
 * several seeds (one above 2^32) and sizes on both sides of the 16 where torch's normal
 * switches algorithm. Each case also checks torch.rand(3) drawn right after, so the number of
 * draws (and the cached normal) must be torch's too.
 */
import * as path from 'path';
import {
  F, Generator, Tensor, cat, initialSeed, linspace, manualSeed, nn, normal, rand, randint, randn, randperm, bernoulli,
  setBackend, zeros, data,
} from '../src';
import { readFixture, f32, F32Json } from './helpers/fixtures';

interface Case {
  seed: number | null;
  op: string;
  args: Array<number | boolean | null | number[]>;
  shape?: number[];
  f32?: string;
  ints?: number[] | number[][];
  after?: string;
  initialSeed?: string;
}

const DIR = path.join(__dirname, 'fixtures', 'random');
const fixture = readFixture<{ torch: string; cases: Case[] }>('random.json', DIR);

function floats(b64: string): Float32Array {
  return f32({ shape: [Buffer.from(b64, 'base64').length / 4], dtype: 'f32', b64 } as F32Json).data;
}

/** The float32 bit patterns, so that -0 and NaN compare exactly too. */
function bits(a: ArrayLike<number>): number[] {
  return Array.from(new Int32Array(Float32Array.from(a).buffer));
}

const flat = (t: Tensor): number[] => Array.from(t.dataSync());

function run(c: Case): number[] | number[][] {
  const a = c.args as number[];
  const n = a[0];
  const lin = (lo: number, hi: number) => linspace(lo, hi, n);
  switch (c.op) {
    case 'rand': return flat(rand([n]));
    case 'uniform_': return flat(zeros([n]).uniform_(a[1], a[2]));
    case 'randn': return flat(randn([n]));
    case 'normal_': return flat(zeros([n]).normal_(a[1], a[2]));
    case 'normal': return flat(normal(a[1], a[2], [n]));
    case 'normalMeanTensor': return flat(normal(lin(-1, 1), a[1]));
    case 'normalStdTensor': return flat(normal(a[1], lin(0.1, 2)));
    case 'normalBothTensors': return flat(normal(lin(-1, 1), lin(0.1, 2)));
    case 'randint': return flat(randint(a[1], a[2], [n]));
    case 'randperm': return flat(randperm(n));
    case 'bernoulli': return flat(bernoulli(lin(0, 1)));
    case 'bernoulli_': return flat(zeros([n]).bernoulli_(a[1]));
    case 'dropout': return flat(F.dropout(lin(-3, 3), a[1], true));
    case 'Dropout': return flat(new nn.Dropout(a[1]).forward(lin(-3, 3)));
    case 'randnThenRandn': return flat(cat([randn([7]), randn([3])]));
    case 'randnThenRand': return flat(cat([randn([7]), rand([5]), randn([1])]));
    case 'randnRandnBig': return flat(cat([randn([3]), randn([20]), randn([1])]));
    case 'uniformT': return flat(zeros(a).t().uniform_(-1, 2));
    case 'normalT': return flat(zeros(a).t().normal_(0.5, 2));
    case 'bernoulliT': return flat(zeros(a).t().bernoulli_(0.4));
    case 'bernoulliTensorT': return flat(zeros(a).t().bernoulli_(linspace(0, 1, a[0] * a[1]).reshape([a[1], a[0]])));
    case 'uniformStrided': return flat(zeros([a[0], 2 * a[1]]).index(':, ::2').uniform_());
    case 'normalPermuted3d': return flat(zeros([2, a[0], a[1]]).permute(2, 0, 1).normal_());
    case 'initUniformT': return flat(nn.init.uniform_(zeros(a).t(), -0.1, 0.2));
    case 'initNormalT': return flat(nn.init.normal_(zeros(a).t(), 0.1, 0.02));
    case 'kaimingUniform_': return flat(nn.init.kaimingUniform_(zeros(a), Math.sqrt(5)));
    case 'kaimingNormal_': return flat(nn.init.kaimingNormal_(zeros(a)));
    case 'xavierUniform_': return flat(nn.init.xavierUniform_(zeros(a)));
    case 'xavierNormal_': return flat(nn.init.xavierNormal_(zeros(a)));
    case 'initUniform_': return flat(nn.init.uniform_(zeros(a), -0.1, 0.2));
    case 'initNormal_': return flat(nn.init.normal_(zeros(a), 0.1, 0.02));
    case 'Linear': {
      const m = new nn.Linear(a[0], a[1], { bias: c.args[2] as boolean });
      return [...flat(m.weight), ...(m.bias ? flat(m.bias) : [])];
    }
    case 'Conv2d': {
      const m = new nn.Conv2d(a[0], a[1], a[2], { bias: c.args[3] as boolean });
      return [...flat(m.weight), ...(m.bias ? flat(m.bias) : [])];
    }
    case 'DataLoader': {
      const dataset = { length: n, get: (i: number) => i };
      const generator = c.args[2] === null ? undefined : new Generator(c.args[2] as number);
      const loader = new data.DataLoader(dataset, { batchSize: 4, shuffle: c.args[1] as boolean, generator, collate: (s: number[]) => s });
      return [0, 1].map(() => [...loader.iter()].flat());
    }
    case 'randomSplit': {
      const dataset = { length: n, get: (i: number) => i };
      const generator = c.args[2] === null ? undefined : new Generator(c.args[2] as number);
      return data.randomSplit(dataset, c.args[1] as number[], { generator }).map((s) => s.indices);
    }
    default: throw new Error(`no runner for ${c.op}`);
  }
}

const name = (c: Case) => `${c.op}(${JSON.stringify(c.args)}) seed ${c.seed}`;
const seeded = fixture.cases.filter((c) => c.seed !== null);

describe.each(['js', 'wasm'])('torch 1.13 random draws, bit for bit (%s backend)', (backend) => {
  beforeAll(() => setBackend(backend));

  test('fixtures are torch 1.13 and cover every op', () => {
    expect(fixture.torch).toMatch(/^1\.13/);
    expect(new Set(seeded.map((c) => c.op)).size).toBe(35);
  });

  test.each(seeded.map((c) => [name(c), c] as const))('%s', (_n, c) => {
    manualSeed(c.seed!);
    const got = run(c);
    if (c.f32 !== undefined) expect(bits(got as number[])).toEqual(bits(floats(c.f32)));
    else expect(got).toEqual(c.ints);
    expect(bits(flat(rand([3])))).toEqual(bits(floats(c.after!)));
  });
});

describe('Generator seeding as torch.Generator', () => {
  test.each(fixture.cases.filter((c) => c.op === 'GeneratorRand').map((c) => [String(c.args[0]), c] as const))(
    'Generator(%s).rand(20) and initialSeed', (_n, c) => {
      const g = c.args[0] === null ? new Generator() : new Generator(c.args[0] as number);
      expect(String(g.initialSeed())).toBe(c.initialSeed);
      expect(bits(flat(rand([20], { generator: g })))).toEqual(bits(floats(c.f32!)));
    });

  test('a negative seed wraps to uint64, as torch.manual_seed(-1)', () => {
    const c = fixture.cases.find((x) => x.op === 'negativeSeed')!;
    manualSeed(-1);
    expect(String(initialSeed())).toBe(c.initialSeed);
    expect(bits(flat(rand([5])))).toEqual(bits(floats(c.f32!)));
  });
});

describe('Generator state', () => {
  test('getState/setState continue the stream exactly, mid-block and with a cached normal', () => {
    const g = new Generator(2 ** 40 + 3);
    g.fillUint32(new Uint32Array(700));
    g.nextNormal();
    const saved = JSON.parse(JSON.stringify(g.getState()));
    expect(saved.nextDoubleNormal).not.toBeNull();
    const next = [g.nextNormal(), g.nextNormal(), g.nextUint32(), g.nextDouble()];
    const h = new Generator(1);
    h.setState(saved);
    expect([h.nextNormal(), h.nextNormal(), h.nextUint32(), h.nextDouble()]).toEqual(next);
    expect(h.initialSeed()).toBe(2 ** 40 + 3);
  });

  test('a xoshiro128** state from before is refused with a message saying why', () => {
    const old = { words: [1, 2, 3, 4], spareNormal: null };
    expect(() => new Generator().setState(old as never)).toThrow(
      /xoshiro128\*\* state from a torchlet release before the generator became PyTorch's mt19937; it cannot be continued/);
  });

  test('shuffle leaves items as items[randperm(n)], drawing what randperm draws', () => {
    const items = Array.from({ length: 50 }, (_, i) => `item${i}`);
    const perm = new Generator(3).permutation(50);
    const g = new Generator(3);
    expect(g.shuffle([...items])).toEqual(Array.from(perm, (i) => items[i]));
    const h = new Generator(3);
    h.permutation(50);
    expect(g.nextUint32()).toBe(h.nextUint32());
  });

  test('seed() reseeds with a fresh seed and initialSeed() reports it', () => {
    const g = new Generator(0);
    const s = g.seed();
    expect(g.initialSeed()).toBe(s);
    expect(g.nextUint32()).toBe(new Generator(s).nextUint32());
  });

  test('seeds outside [-2^63, 2^64) are refused', () => {
    expect(() => new Generator(2n ** 64n)).toThrow(/manualSeed: seed must be an integer in/);
    expect(() => manualSeed(0.5)).toThrow(/manualSeed: seed must be an integer in/);
  });
});
