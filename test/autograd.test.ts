/** Autograd, Tensor, Module and Optimizer behaviour and error messages, as PyTorch has them. */
import {
  Tensor, tensor, zeros, ones, randn, arange, manualSeed, noGrad, enableGrad, isGradEnabled,
  nn, optim, F, setBackend,
} from '../src';
import { Net } from '../src/models/seedNet';

beforeAll(() => {
  setBackend(process.env.TORCHLET_BACKEND ?? 'wasm');
});

const arr = (t: Tensor | null): number[] => Array.from(t!.dataSync());

describe('backward', () => {
  test('a second backward through a freed graph says to pass { retainGraph: true }', () => {
    const x = tensor([1, -2, 3], { requiresGrad: true });
    const y = F.relu(x).mul(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time.*retainGraph: true/s);
  });

  test('retainGraph allows a second backward, which accumulates', () => {
    const x = tensor([1, -2, 3], { requiresGrad: true });
    const y = F.relu(x).mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    expect(arr(x.grad)).toEqual([2, 0, 6]);
    y.backward();
    expect(arr(x.grad)).toEqual([4, 0, 12]);
  });

  test('a non-scalar needs a gradient argument', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/grad can be implicitly created only for scalar outputs/);
    y.backward(tensor([1, 10]));
    expect(arr(x.grad)).toEqual([2, 20]);
    expect(() => x.mul(2).backward(tensor([1, 2, 3]))).toThrow(/Mismatch in shape/);
    expect(() => zeros([2, 3], { requiresGrad: true }).mul(2).backward(zeros(3, 2))).toThrow(/\[3, 2\] and output\[0\] has a shape of \[2, 3\]/);
  });

  test('a tensor that does not require grad cannot backward', () => {
    expect(() => tensor([1, 2]).sum().backward()).toThrow(/does not require grad/);
  });

  test('gradients accumulate into leaves and grad buffers are kept', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.sum().backward();
    const buffer = x.grad;
    x.mul(3).sum().backward();
    expect(x.grad).toBe(buffer);
    expect(arr(x.grad)).toEqual([4, 4, 4, 4]);
    expect(x.isLeaf).toBe(true);
    expect(x.mul(2).isLeaf).toBe(false);
    expect(x.mul(2).gradFn!.name).toBe('MulBackward0');
  });

  test('int32 tensors cannot require grad', () => {
    expect(() => tensor(new Int32Array([1, 2]), { requiresGrad: true })).toThrow(/floating point/);
    expect(tensor([1, 2], { dtype: 'int32' }).dtype).toBe('int32');
  });
});

describe('grad mode', () => {
  test('noGrad records nothing and restores the mode, even on throw', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return x.mul(2).add(1);
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(isGradEnabled()).toBe(true);
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  test('enableGrad records inside noGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => enableGrad(() => x.mul(2)));
    expect(y.requiresGrad).toBe(true);
  });
});

describe('hooks, detach, retainGrad', () => {
  test('a leaf hook sees the summed gradient once and can replace it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    x.registerHook((g) => { seen.push(arr(g)); return g.mul(10); });
    x.mul(2).add(x).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(arr(x.grad)).toEqual([30, 30]);
  });

  test('a non-leaf hook replaces the gradient flowing through it; remove() unregisters', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const handle = h.registerHook((g) => g.mul(0));
    h.sum().backward();
    expect(arr(x.grad)).toEqual([0, 0]);
    handle.remove();
    x.grad = null;
    const h2 = x.mul(3);
    h2.registerHook(() => undefined);
    h2.sum().backward();
    expect(arr(x.grad)).toEqual([3, 3]);
  });

  test('retainGrad keeps the gradient of a non-leaf', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    h.retainGrad();
    h.mul(h).sum().backward();
    expect(arr(h.grad)).toEqual([6, 12]);
    expect(arr(x.grad)).toEqual([18, 36]);
  });

  test('detach shares the data and cuts the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    const y = x.detach();
    expect(y._storage).toBe(x._storage);
    const z = x.mul(x.detach()).sum();
    z.backward();
    expect(arr(x.grad)).toEqual([1, 2]);
  });
});

describe('tensor basics', () => {
  test('creation, shape, item, toArray, views', () => {
    expect(tensor([[1, 2, 3], [4, 5, 6]]).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(zeros(2, 3).shape).toEqual([2, 3]);
    expect(ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(arr(arange(4))).toEqual([0, 1, 2, 3]);
    expect(arr(arange(1, 2, 0.5))).toEqual([1, 1.5]);
    expect(tensor(3).item()).toBe(3);
    expect(() => tensor([1, 2]).item()).toThrow(/cannot be converted/);
    const t = arange(24).view(2, -1, 4);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.reshape(-1)._storage).toBe(t._storage);
    expect(t.flatten(1).shape).toEqual([2, 12]);
    expect(t.sum(1).shape).toEqual([2, 4]);
    expect(t.mean(-1, true).shape).toEqual([2, 3, 1]);
    expect(arr(tensor([[1, 5, 2], [7, 0, 7]]).argmax(1))).toEqual([1, 0]);
    expect(tensor([[1, 5, 2], [7, 0, 7]]).argmax(1).dtype).toBe('int32');
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(/5 elements but shape \[2, 3\] needs 6/);
    manualSeed(9);
    const a = randn(3);
    manualSeed(9);
    expect(arr(randn(3))).toEqual(arr(a));
  });
});

describe('shape mismatch errors name the op and both shapes', () => {
  test.each([
    ['add', () => tensor([[1, 2, 3], [4, 5, 6]]).add(tensor([1, 2])), /add: .*\[2, 3\] and \[2\]/],
    ['mul', () => zeros(2, 3).mul(zeros(3, 2)), /mul: .*\[2, 3\] and \[3, 2\]/],
    ['matmul', () => zeros(2, 3).matmul(zeros(2, 3)), /matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/],
    ['linear', () => F.linear(zeros(4, 5), zeros(3, 6)), /linear: .*\[4, 5\].*\[3, 6\]/],
    ['conv2d', () => F.conv2d(zeros(1, 1, 8, 8), zeros(6, 3, 5, 5)), /conv2d: .*\[6, 3, 5, 5\].*\[1, 1, 8, 8\].*3 channels/],
    ['view', () => zeros(2, 3).view(4, -1), /view: shape \[4, -1\] is invalid for input of size 6/],
    ['crossEntropy batch', () => F.crossEntropy(zeros(4, 10), tensor(new Int32Array(3))), /crossEntropy: .*\(4\).*\[4, 10\].*\[3\]/],
    ['crossEntropy target', () => F.crossEntropy(zeros(2, 10), tensor(new Int32Array([1, 10]))), /crossEntropy: Target 10 .*out of bounds/],
    ['crossEntropy dtype', () => F.crossEntropy(zeros(2, 10), tensor([1, 2])), /crossEntropy: target must be an int32 Tensor/],
    ['maxPool2d', () => F.maxPool2d(zeros(2, 3), 2), /maxPool2d: .*\[2, 3\]/],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('Module', () => {
  test('registers parameters and submodules by name, in order, with dotted names', () => {
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual([
      'conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias',
      'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
    expect(net.children().length).toBe(6);
    expect(net.modules().length).toBe(7);
    const seq = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2, { bias: false }));
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight']);
    expect(seq.call(zeros(5, 4)).shape).toEqual([5, 2]);
    seq.eval();
    expect(seq.modules().every((m) => !m.training)).toBe(true);
    seq.train();
    expect(seq.modules().every((m) => m.training)).toBe(true);
  });

  test('default init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), reproducible under manualSeed', () => {
    manualSeed(42);
    const a = new Net();
    manualSeed(42);
    const b = new Net();
    expect(arr(a.fc3.bias)).toEqual(arr(b.fc3.bias));
    const bound = 1 / Math.sqrt(3 * 5 * 5);
    const w = arr(a.conv1.weight);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Math.max(...arr(a.fc1.bias).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(400));
  });

  test('loadStateDict reports missing and unexpected keys and shape mismatches', () => {
    const net = new Net();
    const sd = net.stateDict();
    const other = new Net();
    other.loadStateDict(sd);
    expect(arr(other.conv1.weight)).toEqual(arr(net.conv1.weight));

    const missing = { ...sd };
    delete missing['fc3.bias'];
    expect(() => other.loadStateDict(missing)).toThrow(/Missing key\(s\) in stateDict: "fc3.bias"/);
    expect(() => other.loadStateDict({ ...sd, extra: zeros(1) })).toThrow(/Unexpected key\(s\) in stateDict: "extra"/);
    expect(() => other.loadStateDict({ ...sd, 'fc1.weight': zeros(120, 401) }))
      .toThrow(/size mismatch for fc1.weight: copying a param with shape \[120, 401\] from checkpoint, the shape in current model is \[120, 400\]/);
    expect(other.loadStateDict(missing, { strict: false })).toEqual({ missingKeys: ['fc3.bias'], unexpectedKeys: [] });
    expect(() => other.loadStateDict({ ...sd, 'fc1.weight': zeros(1) }, { strict: false })).toThrow(/size mismatch/);
  });
});

describe('optimizers', () => {
  test('SGD follows torch.optim.SGD: weight decay, dampening, nesterov', () => {
    for (const o of [
      { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.01, nesterov: false },
      { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.1, nesterov: true },
      { lr: 0.05, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
    ]) {
      const p = new nn.Parameter(tensor([1, -2]));
      const opt = new optim.SGD([p], o);
      const ref = [1, -2];
      let buf: number[] | null = null;
      const grads = [[0.5, 1], [-1, 0.25], [2, 2]];
      for (const g of grads) {
        p.grad = tensor(g);
        opt.step();
        const d = g.map((v, i) => v + o.weightDecay * ref[i]);
        let step = d;
        if (o.momentum !== 0) {
          buf = buf === null ? d : buf.map((b, i) => o.momentum * b + (1 - o.dampening) * d[i]);
          step = o.nesterov ? d.map((v, i) => v + o.momentum * buf![i]) : buf;
        }
        step.forEach((v, i) => { ref[i] -= o.lr * v; });
        arr(p).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
      }
    }
  });

  test('SGD rejects nesterov without momentum or with dampening, and bad values', () => {
    const p = new nn.Parameter(zeros(2));
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum/);
    expect(() => new optim.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/zero dampening/);
    expect(() => new optim.SGD([p], { lr: -1 })).toThrow(/Invalid learning rate/);
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new optim.SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 })).toThrow(/more than one parameter group/);
  });

  test('Adam matches the update computed by hand (with weight decay and amsgrad)', () => {
    for (const amsgrad of [false, true]) {
      const p = new nn.Parameter(tensor([0.5, -1.5]));
      const lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1;
      const opt = new optim.Adam([p], { lr, betas: [b1, b2], eps, weightDecay: wd, amsgrad });
      const ref = [0.5, -1.5];
      const m = [0, 0], v = [0, 0], vMax = [0, 0];
      const grads = [[1, -2], [0.5, 0.1], [-3, 0.2], [0.01, 1]];
      grads.forEach((g, k) => {
        const t = k + 1;
        p.grad = tensor(g);
        opt.step();
        for (let i = 0; i < 2; i++) {
          const gi = g[i] + wd * ref[i];
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          vMax[i] = Math.max(vMax[i], v[i]);
          const second = amsgrad ? vMax[i] : v[i];
          ref[i] -= (lr / (1 - b1 ** t)) * m[i] / (Math.sqrt(second) / Math.sqrt(1 - b2 ** t) + eps);
        }
        arr(p).forEach((x, i) => expect(x).toBeCloseTo(ref[i], 5));
      });
      expect(opt.state.get(p)!.step).toBe(4);
    }
  });

  test('per-group options apply to their group only', () => {
    const a = new nn.Parameter(tensor([1]));
    const b = new nn.Parameter(tensor([1]));
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    a.grad = tensor([1]);
    b.grad = tensor([1]);
    opt.step();
    expect(arr(a)[0]).toBeCloseTo(0.9, 6);
    expect(arr(b)[0]).toBeCloseTo(0.5, 6);
    expect(opt.paramGroups[1].lr).toBe(0.5);
  });

  test.each(['SGD', 'Adam'])('%s stateDict round trip continues the run identically', (kind) => {
    const make = (params: nn.Parameter[]): optim.Optimizer<object> => kind === 'SGD'
      ? new optim.SGD(params, { lr: 0.01, momentum: 0.9 }) as optim.Optimizer<object>
      : new optim.Adam(params, { lr: 0.01 }) as optim.Optimizer<object>;
    manualSeed(11);
    const net = new Net();
    const x = randn(2, 3, 32, 32);
    const y = tensor(new Int32Array([3, 8]));
    const criterion = new nn.CrossEntropyLoss();
    const opt = make(net.parameters());
    const train = (n: nn.Module, o: optim.Optimizer<object>): void => {
      o.zeroGrad();
      criterion.forward(n.forward(x), y).backward();
      o.step();
    };
    train(net, opt);
    train(net, opt);
    const saved = opt.stateDict();
    expect(saved.paramGroups[0].params).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Object.keys(saved.state).length).toBe(10);

    const clone = new Net();
    clone.loadStateDict(net.stateDict());
    const cloneOpt = make(clone.parameters());
    cloneOpt.loadStateDict(saved);
    train(net, opt);
    train(clone, cloneOpt);
    const a = net.parameters();
    clone.parameters().forEach((p, i) => expect(arr(p)).toEqual(arr(a[i])));

    expect(() => make(clone.parameters().slice(1)).loadStateDict(saved))
      .toThrow(/doesn't match the size of optimizer's group/);
    const bad = { ...saved, state: { ...saved.state, 0: { ...saved.state[0] } } };
    const firstKey = Object.keys(bad.state[0]).find((k) => bad.state[0][k] instanceof Tensor)!;
    bad.state[0][firstKey] = zeros(3);
    expect(() => make(clone.parameters()).loadStateDict(bad)).toThrow(/has shape \[3\]/);
  });
});
