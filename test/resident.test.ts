/**
 * Tensors resident in wasm memory (src/backend/wasm-memory.ts, resident.ts, src/scope.ts):
 * one backend per thread, views that survive memory.grow, and every way a block is freed
 * (release of consumed gradients, zeroGrad, scope, the garbage collector), with memory that
 * stays bounded in a loop that never yields.
 */
import * as v8 from 'v8';
import * as vm from 'vm';
import { setBackend, getBackend, wasmMemoryBytes, wasmResidentStats, setWasmResidentLimit } from '../src/backend';
import { createWasmBackend } from '../src/backend/wasm';
import { MIN_RESIDENT_BYTES } from '../src/backend/wasm-memory';
import { Tensor } from '../src/tensor';
import { randn, randint, zeros } from '../src/creation';
import { manualSeed } from '../src/random';
import { scope } from '../src/scope';
import { allocFloat32 } from '../src/storage';
import { Net } from '../src/models/seedNet';
import { CrossEntropyLoss } from '../src/nn';
import { SGD, Adam, Adadelta, Adagrad, AdamW, RMSprop } from '../src/optim';
import { noGrad } from '../src/autograd';
import { maxPool2d } from '../src/ops/pool';
import { dropout } from '../src/ops/dropout';
import { crossEntropy } from '../src/ops/loss';

const wasm = () => createWasmBackend();
const stats = () => wasmResidentStats()!;
const owns = (a: Float32Array | Int32Array | Uint8Array) => wasm().memory.owns(a);

let gcFn: (() => void) | null = null;
/**
 * Full collections, each followed by a turn of the event loop for the FinalizationRegistry
 * callbacks: two, or until `done()` holds (at most 2 s). V8 runs the callbacks as a task of
 * its own, which on a loaded machine (CI's two jest workers) did not always come within two
 * 10 ms turns.
 */
async function collect(done: () => boolean = () => false): Promise<void> {
  if (gcFn === null) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 100 && (i < 2 || !done()); i++) {
    gcFn();
    await new Promise((resolve) => setTimeout(resolve, i < 2 ? 10 : 20));
  }
}

beforeEach(() => setBackend('wasm'));

function seedStep(net: Net, optimizer: SGD | Adam, inputs: Tensor, labels: Tensor): number {
  optimizer.zeroGrad();
  const loss = new CrossEntropyLoss().forward(net.forward(inputs), labels);
  loss.backward();
  optimizer.step();
  return loss.item();
}

describe('one wasm backend per thread', () => {
  test("100 setBackend('wasm') switches return the same backend and do not grow wasm memory", () => {
    const first = setBackend('wasm');
    setBackend('js');
    setBackend('wasm');
    const before = wasmMemoryBytes();
    const blocks = stats().blocks;
    for (let i = 0; i < 100; i++) {
      expect(setBackend('wasm')).toBe(first);
      setBackend('js');
    }
    setBackend('wasm');
    expect(wasmMemoryBytes()).toBe(before);
    expect(stats().blocks).toBe(blocks);
  });
});

describe('resident arrays', () => {
  test('tensors the wasm backend makes live in wasm memory; small ones on the JS heap unless persistent', () => {
    expect(owns(randn(64, 64)._dense())).toBe(true);
    expect(owns(randn(4)._dense())).toBe(false);
    expect(owns(allocFloat32(4, true))).toBe(true);
    setBackend('js');
    expect(owns(randn(64, 64)._dense())).toBe(false);
  });

  test('a view stays valid when memory grows, and kernels still use it in place', () => {
    const x = randn(32, 32);
    const values = x.dataSync();
    const before = wasmMemoryBytes();
    const big = allocFloat32(16 * 2 ** 20, true); // 64 MB: grows the memory
    expect(owns(big)).toBe(true);
    expect(wasmMemoryBytes()).toBeGreaterThan(before);
    expect(x._dense().length).toBe(1024);
    expect(Array.from(x.dataSync())).toEqual(Array.from(values));
    const y = x.relu();
    expect(Array.from(y.dataSync())).toEqual(Array.from(values, (v) => Math.max(v, 0)));
    getBackend().release(big);
  });

  test('release frees an array no tensor was made over, and ignores one a tensor wraps', () => {
    const n = MIN_RESIDENT_BYTES; // floats: 4x the threshold in bytes
    const a = allocFloat32(n);
    const s0 = stats();
    getBackend().release(a);
    expect(stats().released).toBe(s0.released + 1);
    expect(stats().residentBytes).toBe(s0.residentBytes - 4 * n);
    const b = allocFloat32(n);
    const t = new Tensor(b, [n]);
    const s1 = stats();
    getBackend().release(b);
    expect(stats().released).toBe(s1.released);
    expect(t.sum().item()).toBe(0);
  });

  test('the engine gives back the gradients it consumed; the gradients match the js backend', () => {
    manualSeed(1);
    const net = new Net(3);
    const inputs = randn(4, 3, 32, 32);
    const labels = randint(0, 10, [4]);
    const s0 = stats();
    new CrossEntropyLoss().forward(net.forward(inputs), labels).backward();
    expect(stats().released).toBeGreaterThan(s0.released);
    const wasmGrads = net.parameters().map((p) => p.grad!.dataSync());
    setBackend('js');
    net.zeroGrad();
    new CrossEntropyLoss().forward(net.forward(inputs), labels).backward();
    net.parameters().forEach((p, i) => {
      const g = p.grad!.dataSync();
      for (let k = 0; k < g.length; k++) expect(wasmGrads[i][k]).toBeCloseTo(g[k], 5);
    });
  });

  test('a backward pass leaves nothing resident but the gradients it made (tiny ones on the JS heap), and frees pool indices', () => {
    manualSeed(6);
    const net = new Net(3);
    const loss = new CrossEntropyLoss().forward(net.forward(randn(16, 3, 32, 32)), randint(0, 10, [16]));
    const before = stats().residentBytes;
    loss.backward();
    // Gradients of at most 16 elements (conv1's and conv2's biases, fc3's) stay on the JS heap.
    const tiny = (p: { numel: number }): boolean => p.numel <= 16;
    const params = net.parameters();
    expect(params.filter(tiny).length).toBe(3);
    const gradBytes = params.filter((p) => !tiny(p)).reduce((n, p) => n + 4 * p.numel, 0);
    expect(params.every((p) => owns(p.grad!._dense()) === !tiny(p))).toBe(true);
    // conv1's pooling indices [16, 6, 14, 14] (int32, a block of their own) went with the graph;
    // conv2's are carved from a shared nursery chunk, freed with it by the collector.
    expect(stats().residentBytes - before).toBe(gradBytes - 4 * 16 * 6 * 14 * 14);
  });

  test('a subarray of a resident tensor keeps its block alive after the tensor is gone', async () => {
    let base: Tensor | null = randn(4096);
    const root = new WeakRef(base._dense());
    const view = base.narrow(0, 1024, 1024)._dense();
    const expected = Array.from(view);
    base = null;
    await collect();
    expect(root.deref()).toBeDefined();
    expect(Array.from(view)).toEqual(expected);
  });
});

describe('freeing', () => {
  test('zeroGrad frees gradients nobody outside saw, and keeps one the caller holds', () => {
    manualSeed(2);
    const net = new Net(3);
    const optimizer = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const inputs = randn(4, 3, 32, 32);
    const labels = randint(0, 10, [4]);
    seedStep(net, optimizer, inputs, labels);
    const s0 = stats();
    optimizer.zeroGrad();
    expect(stats().released).toBeGreaterThan(s0.released);

    seedStep(net, optimizer, inputs, labels);
    const held = net.fc1.weight.grad!; // seen: zeroGrad must leave it alone
    const values = held.dataSync();
    optimizer.zeroGrad();
    expect(net.fc1.weight.grad).toBeNull();
    seedStep(net, optimizer, inputs, labels);
    expect(Array.from(held.dataSync())).toEqual(Array.from(values));
  });

  // The loop optimizers (LoopOptimizer) read the gradient without marking it seen: otherwise
  // every step's gradients were left to the garbage collector (4.8 MB a step on the mnist Net,
  // a forced full collection every few steps).
  test.each([
    ['Adadelta', (p: Tensor[]) => new Adadelta(p, { lr: 1.0 })],
    ['Adagrad', (p: Tensor[]) => new Adagrad(p, { lr: 0.01 })],
    ['AdamW', (p: Tensor[]) => new AdamW(p, { lr: 0.01 })],
    ['RMSprop', (p: Tensor[]) => new RMSprop(p, { lr: 0.01 })],
  ])('%s.step() leaves the gradients for zeroGrad to free', (_name, make) => {
    manualSeed(2);
    const net = new Net(3);
    const optimizer = make(net.parameters());
    const inputs = randn(4, 3, 32, 32);
    const labels = randint(0, 10, [4]);
    for (let i = 0; i < 2; i++) {
      optimizer.zeroGrad();
      new CrossEntropyLoss().forward(net.forward(inputs), labels).backward();
      optimizer.step();
    }
    // Every resident gradient (the seed Net's larger ones) is freed at once.
    const resident = net.parameters().filter((p) => p._peekGrad()!._storage.resident).length;
    expect(resident).toBeGreaterThanOrEqual(5);
    const s0 = stats();
    optimizer.zeroGrad();
    expect(stats().released - s0.released).toBe(resident);
  });

  // Resident sizes: the input [64, 6, 28, 28] and its [64, 6, 14, 14] pooled output are past the
  // nursery's 64 KB, so each array is a block of its own and residentBytes counts it exactly.
  const poolInput = () => randn([64, 6, 28, 28], { requiresGrad: true });
  const bytes = (t: Tensor) => 4 * t.numel;

  test('max-pool indices only the graph holds are freed with it after backward, and at once without a graph', () => {
    manualSeed(11);
    const x = poolInput();
    const r0 = stats().residentBytes;
    const y = maxPool2d(x, 2);
    expect(stats().residentBytes - r0).toBe(2 * bytes(y)); // output + indices
    y.sum().backward();
    // Left: the output and x's gradient; the indices went with the node.
    expect(stats().residentBytes - r0).toBe(bytes(y) + bytes(x));
    const r1 = stats().residentBytes;
    const z = noGrad(() => maxPool2d(x, 2));
    expect(stats().residentBytes - r1).toBe(bytes(z));
  });

  test('indices a caller asked for stay allocated and unchanged after backward; the gradients match', () => {
    manualSeed(12);
    const x = poolInput();
    maxPool2d(x, 2).sum().backward();
    const gradOwned = x.grad!.dataSync();
    x.grad = null;
    const [y, indices] = maxPool2d(x, 2, { returnIndices: true });
    const kept = Array.from(indices.dataSync());
    const r0 = stats().residentBytes;
    y.sum().backward();
    expect(stats().residentBytes - r0).toBe(bytes(x)); // only the gradient: indices kept
    randn([64, 6, 14, 14]).relu(); // new blocks must not land on the indices
    expect(Array.from(indices.dataSync())).toEqual(kept);
    expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(gradOwned));
  });

  test('a dropout mask and cross-entropy log-probabilities are freed with the node', () => {
    manualSeed(13);
    const x = randn([64, 4096], { requiresGrad: true });
    const r0 = stats().residentBytes;
    const y = dropout(x, 0.5, true);
    expect(stats().residentBytes - r0).toBe(2 * bytes(y)); // output + mask
    y.sum().backward();
    expect(stats().residentBytes - r0).toBe(bytes(y) + bytes(x));
    const r1 = stats().residentBytes;
    noGrad(() => dropout(x, 0.5, true));
    expect(stats().residentBytes - r1).toBe(bytes(y));

    const logits = randn([16384, 10], { requiresGrad: true });
    const labels = randint(0, 10, [16384]);
    const r2 = stats().residentBytes;
    const loss = crossEntropy(logits, labels);
    expect(stats().residentBytes - r2).toBe(bytes(logits) + 4 * 16384); // log-probabilities + a copy of the targets
    loss.backward();
    expect(stats().residentBytes - r2).toBe(bytes(logits)); // only the gradient
  });

  test('scope frees what fn made, keeps what it returns and the persistent state, and refuses a graph', () => {
    manualSeed(3);
    const net = new Net(3);
    const optimizer = new Adam(net.parameters(), { lr: 1e-3 });
    const inputs = randn(8, 3, 32, 32);
    const labels = randint(0, 10, [8]);
    seedStep(net, optimizer, inputs, labels); // Adam's state and the gradients exist from here on
    const before = stats().residentBytes;
    let leaked: Tensor | null = null;
    const kept = scope(() => {
      seedStep(net, optimizer, inputs, labels);
      leaked = net.forward(inputs).detach();
      return zeros(64, 64).add(1);
    });
    expect(stats().residentBytes - before).toBeLessThanOrEqual(64 * 64 * 4 + 62006 * 4);
    expect(kept.sum().item()).toBe(4096);
    expect(() => leaked!.sum()).toThrow(/freed at the end of the scope/);
    // Gradients and Adam's moments survived: another step works and changes the weights.
    const w = net.fc3.weight.dataSync();
    seedStep(net, optimizer, inputs, labels);
    expect(Array.from(net.fc3.weight.dataSync())).not.toEqual(Array.from(w));
    expect(() => scope(() => net.forward(inputs))).toThrow(/carries an autograd graph/);
    expect(() => scope((async () => 1) as unknown as () => number)).toThrow(/synchronous/);
  });

  test('small kernel outputs share chunks, freed once all their arrays are collected', async () => {
    await collect();
    const kept = randn(4, 10).relu(); // 160 bytes: carved from a chunk
    expect(owns(kept._dense())).toBe(true);
    const values = Array.from(kept.dataSync());
    const s0 = stats();
    for (let i = 0; i < 4000; i++) randn(4, 10).relu(); // ~640 KB of small outputs: several chunks
    const grown = stats().residentBytes - s0.residentBytes;
    expect(grown).toBeGreaterThan(0);
    await collect(() => stats().finalized > s0.finalized);
    expect(stats().finalized).toBeGreaterThan(s0.finalized);
    expect(stats().residentBytes - s0.residentBytes).toBeLessThan(grown);
    expect(Array.from(kept.dataSync())).toEqual(values); // its chunk stayed
  });

  test('blocks left to the collector are freed after a collection', async () => {
    await collect(); // earlier tests' garbage first
    const s0 = stats();
    for (let i = 0; i < 20; i++) randn(256, 256).relu();
    await collect(() => stats().finalized - s0.finalized >= 30);
    const s1 = stats();
    expect(s1.finalized - s0.finalized).toBeGreaterThanOrEqual(30);
    expect(s1.residentBytes).toBeLessThanOrEqual(s0.residentBytes + 2 * 256 * 256 * 4);
  });
});

describe('memory stays bounded', () => {
  test('a loop that never yields stays under the limit of blocks left to the collector, and trains as before', async () => {
    await collect(); // earlier tests' garbage first
    manualSeed(4);
    const net = new Net(3);
    const optimizer = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const inputs = randn(16, 3, 32, 32);
    const labels = randint(0, 10, [16]);
    const limit = stats().collectorBytes + 8 * 2 ** 20;
    const old = setWasmResidentLimit(limit);
    const before = stats().residentBytes;
    try {
      const losses: number[] = [];
      for (let i = 0; i < 300; i++) {
        losses.push(seedStep(net, optimizer, inputs, labels));
        expect(stats().collectorBytes).toBeLessThanOrEqual(limit);
        // Besides those, only the momentum buffers and one set of gradients (freed by zeroGrad).
        expect(stats().residentBytes).toBeLessThanOrEqual(before + 8 * 2 ** 20 + 2 * 4 * 62006);
      }
      expect(stats().overLimit).toBeGreaterThan(0); // it did run into the limit
      expect(losses[299]).toBeLessThan(losses[0] / 2);
    } finally {
      setWasmResidentLimit(old);
    }
  });

  test('a loop in a scope keeps wasm memory flat over 500 steps', () => {
    manualSeed(5);
    const net = new Net(3);
    const optimizer = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const inputs = randn(8, 3, 32, 32);
    const labels = randint(0, 10, [8]);
    const step = () => scope(() => seedStep(net, optimizer, inputs, labels));
    for (let i = 0; i < 20; i++) step();
    const [bytes, resident] = [wasmMemoryBytes(), stats().residentBytes];
    for (let i = 0; i < 500; i++) step();
    expect(wasmMemoryBytes()).toBe(bytes);
    expect(stats().residentBytes).toBeLessThanOrEqual(resident);
  });
});
