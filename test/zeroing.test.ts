/**
 * The semantics the seed recipe is about: backward ADDS into .grad, and zeroGrad resets it
 * (to null by default, or to zeros in place), for modules and optimizers alike.
 */
import { Tensor, manualSeed, randn, tensor, nn, optim, setBackend } from '../src';
import { Net } from '../src/models/seedNet';

beforeAll(() => {
  setBackend(process.env.TORCHLET_BACKEND ?? 'wasm');
});

function batch(seed: number, size: number): { x: Tensor; y: Tensor } {
  manualSeed(seed);
  const x = randn(size, 3, 32, 32);
  const y = tensor(Int32Array.from({ length: size }, (_, i) => (i * 7 + seed) % 10));
  return { x, y };
}

function gradsOf(net: nn.Module): Float32Array[] {
  return net.parameters().map((p) => (p.grad!.dataSync() as Float32Array).slice());
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > tol * (1 + Math.abs(b[i]))) {
      throw new Error(`element ${i}: ${a[i]} vs ${b[i]} (tolerance ${tol})`);
    }
  }
}

test('two backward passes without zeroing give twice the gradient', () => {
  manualSeed(1);
  const net = new Net();
  const criterion = new nn.CrossEntropyLoss();
  const { x, y } = batch(2, 4);
  criterion.forward(net.forward(x), y).backward();
  const once = gradsOf(net);
  criterion.forward(net.forward(x), y).backward();
  const twice = gradsOf(net);
  once.forEach((g, i) => expectClose(twice[i], g.map((v) => 2 * v), 1e-5));
});

test('zeroGrad({ setToNone: false }) keeps the grad buffers and fills them with zeros', () => {
  manualSeed(1);
  const net = new Net();
  const { x, y } = batch(2, 4);
  new nn.CrossEntropyLoss().forward(net.forward(x), y).backward();
  const before = net.parameters().map((p) => p.grad);
  const optimizer = new optim.SGD(net.parameters(), { lr: 0.1 });
  optimizer.zeroGrad({ setToNone: false });
  net.parameters().forEach((p, i) => {
    expect(p.grad).toBe(before[i]);
    expect(Array.from(p.grad!.dataSync()).every((v) => v === 0)).toBe(true);
  });
  // The next backward accumulates into the same buffers.
  new nn.CrossEntropyLoss().forward(net.forward(x), y).backward();
  net.parameters().forEach((p, i) => expect(p.grad).toBe(before[i]));
});

test('zeroGrad() (setToNone: true, the default) sets grad to null', () => {
  manualSeed(1);
  const net = new Net();
  const { x, y } = batch(2, 4);
  new nn.CrossEntropyLoss().forward(net.forward(x), y).backward();
  expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
  new optim.SGD(net.parameters(), { lr: 0.1 }).zeroGrad();
  expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  net.forward(x).sum().backward();
  net.zeroGrad({ setToNone: true });
  expect(net.parameters().every((p) => p.grad === null)).toBe(true);
});

test('SGD skips a parameter whose grad is null (no momentum update) but steps one with a zero grad', () => {
  const skipped = new nn.Parameter(tensor([1, 2]));
  const zeroed = new nn.Parameter(tensor([1, 2]));
  const optimizer = new optim.SGD([skipped, zeroed], { lr: 0.1, momentum: 0.9 });
  skipped.grad = tensor([1, 1]);
  zeroed.grad = tensor([1, 1]);
  optimizer.step(); // both: buf = g = 1, p -= 0.1
  expect(Array.from(skipped.dataSync())).toEqual(Array.from(Float32Array.from([0.9, 1.9])));
  const bufferBefore = Array.from((optimizer.state.get(skipped)!.momentumBuffer as Tensor).dataSync());

  optimizer.zeroGrad({ setToNone: false }); // both zero-filled...
  skipped.grad = null; // ...then one set to None
  optimizer.step();
  // Skipped: parameter and momentum buffer untouched.
  expect(Array.from(skipped.dataSync())).toEqual(Array.from(Float32Array.from([0.9, 1.9])));
  expect(Array.from((optimizer.state.get(skipped)!.momentumBuffer as Tensor).dataSync())).toEqual(bufferBefore);
  // Zero grad: buf = 0.9 * 1 + 0 = 0.9, p -= 0.1 * 0.9.
  expect(Array.from((optimizer.state.get(zeroed)!.momentumBuffer as Tensor).dataSync())).toEqual([Math.fround(0.9), Math.fround(0.9)]);
  expectClose(zeroed.dataSync(), [0.9 - 0.09, 1.9 - 0.09], 1e-6);
});

test('four micro-batches of size 1 with loss / 4 and one step() equal one batch of 4', () => {
  manualSeed(3);
  const big = new Net();
  const small = new Net();
  small.loadStateDict(big.stateDict());
  const criterion = new nn.CrossEntropyLoss();
  const { x, y } = batch(4, 4);
  const bigOptimizer = new optim.SGD(big.parameters(), { lr: 0.01, momentum: 0.9 });
  const smallOptimizer = new optim.SGD(small.parameters(), { lr: 0.01, momentum: 0.9 });

  for (let step = 0; step < 2; step++) {
    bigOptimizer.zeroGrad();
    criterion.forward(big.forward(x), y).backward();
    bigOptimizer.step();

    smallOptimizer.zeroGrad();
    for (let i = 0; i < 4; i++) {
      const xi = new Tensor((x.dataSync() as Float32Array).slice(i * 3072, (i + 1) * 3072), [1, 3, 32, 32]);
      const yi = new Tensor((y.dataSync() as Int32Array).slice(i, i + 1), [1]);
      criterion.forward(small.forward(xi), yi).div(4).backward();
    }
    expect(small.parameters().map((p) => p.grad!.numel)).toEqual(big.parameters().map((p) => p.grad!.numel));
    small.parameters().forEach((p, i) => expectClose(p.grad!.dataSync(), big.parameters()[i].grad!.dataSync(), 1e-4));
    smallOptimizer.step();
  }
  const bigParams = big.parameters();
  small.parameters().forEach((p, i) => expectClose(p.dataSync(), bigParams[i].dataSync(), 1e-5));
});

test('model.zeroGrad() equals optimizer.zeroGrad() when every parameter is in the optimizer', () => {
  for (const setToNone of [true, false]) {
    manualSeed(5);
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    const { x, y } = batch(6, 2);
    const criterion = new nn.CrossEntropyLoss();
    for (const net of [a, b]) criterion.forward(net.forward(x), y).backward();
    a.zeroGrad({ setToNone });
    new optim.SGD(b.parameters(), { lr: 0.1 }).zeroGrad({ setToNone });
    const pb = b.parameters();
    a.parameters().forEach((p, i) => {
      if (setToNone) expect([p.grad, pb[i].grad]).toEqual([null, null]);
      else expect(Array.from(p.grad!.dataSync())).toEqual(Array.from(pb[i].grad!.dataSync()));
    });
    // And after another backward both hold the same (fresh) gradient.
    for (const net of [a, b]) criterion.forward(net.forward(x), y).backward();
    a.parameters().forEach((p, i) => expect(Array.from(p.grad!.dataSync())).toEqual(Array.from(pb[i].grad!.dataSync())));
  }
});

test('a parameter outside the optimizer keeps its grad after optimizer.zeroGrad()', () => {
  manualSeed(7);
  const net = new Net();
  const { x, y } = batch(8, 2);
  new nn.CrossEntropyLoss().forward(net.forward(x), y).backward();
  const outside = net.fc3.weight;
  const kept = (outside.grad!.dataSync() as Float32Array).slice();
  const optimizer = new optim.SGD(net.parameters().filter((p) => p !== outside), { lr: 0.1, momentum: 0.9 });
  optimizer.zeroGrad();
  expect(outside.grad).not.toBeNull();
  expect(Array.from(outside.grad!.dataSync())).toEqual(Array.from(kept));
  expect(net.parameters().filter((p) => p !== outside).every((p) => p.grad === null)).toBe(true);
  optimizer.zeroGrad({ setToNone: false });
  expect(Array.from(outside.grad!.dataSync())).toEqual(Array.from(kept));
});
