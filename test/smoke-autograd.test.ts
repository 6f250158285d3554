import { manualSeed, randn, tensor, nn, optim, setBackend } from '../src';
import { Net } from '../src/models/seedNet';

describe.each(['js', 'wasm'])('smoke on %s', (backend) => {
  beforeAll(() => setBackend(backend));
  test('seed Net trains', () => {
    manualSeed(0);
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias',
      'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
    const x = randn(4, 3, 32, 32);
    const y = tensor(new Int32Array([1, 2, 3, 4]));
    const crit = new nn.CrossEntropyLoss();
    const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      const loss = crit.forward(net.forward(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(losses[29]).toBeLessThan(losses[0]);
  });
});
