/**
 * torch.autograd's user-facing API: grad(), backward() over several roots, custom Functions,
 * next_functions, and grad modes (async functions are refused, not silently mis-recorded).
 */
import { tensor, Tensor, noGrad, enableGrad, inferenceMode, isGradEnabled, autograd } from '../src';

const arr = (t: Tensor | null): number[] => Array.from(t!.dataSync());

describe('autograd.grad', () => {
  test('returns the gradients backward() would accumulate, without touching .grad', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const w = tensor([0.5, -1, 2], { requiresGrad: true });
    const y = x.mul(w).mul(x).sum();
    const [gx, gw] = autograd.grad(y, [x, w], { retainGraph: true });
    expect(x.grad).toBeNull();
    y.backward();
    expect(arr(gx)).toEqual(arr(x.grad));
    expect(arr(gw)).toEqual(arr(w.grad));
  });

  test('with respect to a non-leaf, and with gradOutputs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const y = h.mul(h);
    const [gh] = autograd.grad(y, h, { gradOutputs: tensor([1, 10]) });
    expect(arr(gh)).toEqual([6, 120]);
  });

  test('unused inputs raise unless allowUnused', () => {
    const x = tensor([1], { requiresGrad: true });
    const z = tensor([1], { requiresGrad: true });
    expect(() => autograd.grad(x.mul(2).sum(), [x, z], { retainGraph: true })).toThrow(/appears to not have been used/);
    const [, gz] = autograd.grad(x.mul(2).sum(), [x, z], { allowUnused: true });
    expect(gz).toBeNull();
    expect(() => autograd.grad(x.sum(), x, { createGraph: true })).toThrow(/not supported/);
    expect(() => autograd.grad(x.sum(), x, { retain: true } as never)).toThrow(/unknown option 'retain'/);
  });

  test('backward over several roots sums their gradients', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    autograd.backward([x.mul(2).sum(), x.mul(x).sum()]);
    expect(arr(x.grad)).toEqual([4, 6]);
  });
});

class MyExp extends autograd.Function {
  static override forward(ctx: autograd.FunctionCtx, x: Tensor): Tensor {
    const y = x.exp();
    ctx.saveForBackward(y);
    return y;
  }

  static override backward(ctx: autograd.FunctionCtx, g: Tensor): Tensor {
    const [y] = ctx.savedTensors;
    return g.mul(y);
  }
}

class SplitScale extends autograd.Function {
  static override forward(ctx: autograd.FunctionCtx, x: Tensor, k: number): Tensor[] {
    ctx.k = k;
    return [x.mul(k), x.mul(2 * k)];
  }

  static override backward(ctx: autograd.FunctionCtx, ga: Tensor, gb: Tensor): Array<Tensor | null> {
    const k = ctx.k as number;
    return [ga.mul(k).add(gb.mul(2 * k)), null];
  }
}

describe('autograd.Function', () => {
  test('a user-written op matches the built-in one, forward and backward', () => {
    const x = tensor([0.5, -1, 2], { requiresGrad: true });
    const y = MyExp.apply(x);
    expect(y.gradFn!.name).toBe('MyExpBackward');
    y.sum().backward();
    const x2 = tensor([0.5, -1, 2], { requiresGrad: true });
    x2.exp().sum().backward();
    expect(arr(x.grad)).toEqual(arr(x2.grad));
  });

  test('several outputs and a non-tensor argument', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [a, b] = SplitScale.apply(x, 3);
    a.sum().add(b.mul(b).sum()).backward();
    // d/dx [3x + (6x)^2] = 3 + 72x
    expect(arr(x.grad)).toEqual([75, 147]);
  });

  test('saved tensors are version-checked and freed after backward', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = MyExp.apply(x);
    noGrad(() => y.mul_(2));
    expect(() => y.sum().backward()).toThrow(/modified by an inplace operation/);
    const z = MyExp.apply(x).sum();
    z.backward();
    expect(() => z.backward()).toThrow(/backward through the graph a second time/);
  });

  test('a gradient of the wrong shape is refused', () => {
    class Bad extends autograd.Function {
      static override forward(_ctx: autograd.FunctionCtx, x: Tensor): Tensor { return x.mul(2); }
      static override backward(): Tensor { return tensor([1, 2, 3]); }
    }
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => Bad.apply(x).sum().backward()).toThrow(/BadBackward returned an invalid gradient at index 0/);
  });

  test('forward runs without recording; needsInputGrad says which inputs need gradients', () => {
    let seen: boolean[] = [];
    let recording = true;
    class Probe extends autograd.Function {
      static override forward(ctx: autograd.FunctionCtx, a: Tensor, b: Tensor): Tensor {
        seen = ctx.needsInputGrad;
        recording = isGradEnabled();
        return a.add(b);
      }
      static override backward(_ctx: autograd.FunctionCtx, g: Tensor): Array<Tensor | null> { return [g, null]; }
    }
    Probe.apply(tensor([1], { requiresGrad: true }), tensor([2]));
    expect(seen).toEqual([true, false]);
    expect(recording).toBe(false);
  });
});

describe('graph introspection', () => {
  test('nextFunctions names the producing nodes and AccumulateGrad for leaves, as PyTorch', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4]);
    const y = a.t().mul(b);
    const next = y.gradFn!.nextFunctions;
    expect(next.length).toBe(2);
    expect(next[0][0]!.name).toBe('TBackward0');
    expect(next[1][0]).toBeNull();
    const acc = (next[0][0] as autograd.Node).nextFunctions[0][0] as autograd.AccumulateGrad;
    expect(acc.name).toBe('AccumulateGrad');
    expect(acc.variable).toBe(a);
  });
});

describe('grad modes', () => {
  test('noGrad, enableGrad and inferenceMode nest and restore', () => {
    const x = tensor([1], { requiresGrad: true });
    noGrad(() => {
      expect(x.mul(2).requiresGrad).toBe(false);
      enableGrad(() => expect(x.mul(2).requiresGrad).toBe(true));
      expect(isGradEnabled()).toBe(false);
    });
    expect(inferenceMode(() => x.mul(2)).requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });

  test('async functions are refused with a clear error instead of recording anyway', () => {
    expect(() => noGrad(async () => 1)).toThrow(/must be synchronous/);
    expect(() => noGrad(() => Promise.resolve(1))).toThrow(/returned a promise/);
    expect(isGradEnabled()).toBe(true);
  });
});
