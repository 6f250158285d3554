/**
 * F.embedding / nn.Embedding against PyTorch 1.13 (test/fixtures/layers/embedding.json, written
 * by scripts/fixtures-embedding.py): random weights and index shapes (0-d, empty, 1- to 3-d),
 * paddingIdx, maxNorm with every normType (the weight renormalised in place), scaleGradByFreq,
 * NaN in the weight, contiguous and non-contiguous weights and indices, on both backends;
 * PyTorch's errors; the module's init, fromPretrained and options.
 */
import { F, nn, setBackend, tensor, randn, manualSeed, Tensor } from '../src';
import type { ArrayJson } from './helpers/fixtures';
import { expectMatches, leafInput, readLayersFixture, torchMessage, toTensor } from './helpers/layers';

interface Case {
  name: string;
  paddingIdx: number | null;
  maxNorm: number | null;
  normType: number | 'inf';
  scaleGradByFreq: boolean;
  weight: ArrayJson;
  indices: ArrayJson;
  output: ArrayJson;
  weightAfter: ArrayJson;
  gradOutput: ArrayJson;
  gradWeight: ArrayJson;
}

interface ErrorCase {
  name: string;
  message: string;
  indices: number[];
  float?: boolean;
  paddingIdx?: number;
  weightShape?: number[];
}

const fixture = readLayersFixture<{ torch: string; cases: Case[]; errors: ErrorCase[] }>('embedding.json');

describe.each(['js', 'wasm'])(`embedding vs PyTorch ${fixture.torch} on the %s backend`, (backend) => {
  beforeAll(() => setBackend(backend));

  describe.each(['contiguous', 'strided'] as const)('%s weight and indices', (layout) => {
    test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const w = leafInput(c.weight, layout);
      const indices = leafInput(c.indices, layout, false).input;
      const y = F.embedding(indices, w.input, {
        paddingIdx: c.paddingIdx, maxNorm: c.maxNorm, normType: c.normType === 'inf' ? Infinity : c.normType,
        scaleGradByFreq: c.scaleGradByFreq,
      });
      expectMatches('output', y, c.output);
      expectMatches('weight after the forward', w.input, c.weightAfter);
      expect(y.gradFn!.name).toBe('EmbeddingBackward0');
      y.backward(toTensor(c.gradOutput));
      expectMatches('gradWeight', w.grad(), c.gradWeight);
    });
  });
});

describe('embedding errors and nn.Embedding', () => {
  test.each(fixture.errors.map((e) => [e.name, e] as const))('%s', (_name, e) => {
    const indices = e.float ? tensor(e.indices) : tensor(e.indices, { dtype: 'int32' });
    const weight = randn(...(e.weightShape ?? [5, 3]));
    expect(() => F.embedding(indices, weight, { paddingIdx: e.paddingIdx })).toThrow(`embedding: ${torchMessage(e.message)}`);
    if (e.paddingIdx !== undefined) expect(() => new nn.Embedding(5, 3, { paddingIdx: e.paddingIdx })).toThrow(torchMessage(e.message));
  });

  test('the module draws N(0, 1), zeroes the padding row and runs F.embedding', () => {
    manualSeed(3);
    const emb = new nn.Embedding(10, 4, { paddingIdx: -2 });
    expect(emb.paddingIdx).toBe(8);
    expect(emb.weight.shape).toEqual([10, 4]);
    expect(Array.from(emb.weight.select(0, 8).dataSync())).toEqual([0, 0, 0, 0]);
    const w = Array.from(emb.weight.dataSync());
    const m = w.reduce((a, b) => a + b, 0) / w.length;
    expect(Math.abs(m)).toBeLessThan(0.6);
    const idx = tensor([[1, 8], [3, 3]], { dtype: 'int32' });
    const y = emb.call(idx);
    expect(y.shape).toEqual([2, 2, 4]);
    y.sum().backward();
    const g = emb.weight.grad!;
    expect(Array.from(g.select(0, 8).dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(g.select(0, 3).dataSync())).toEqual([2, 2, 2, 2]);
    expect(emb.extraRepr()).toBe('10, 4, paddingIdx=8');
    expect(Object.keys(emb.stateDict())).toEqual(['weight']);
  });

  test('fromPretrained shares the tensor, freezes it by default and takes the options', () => {
    const pre = tensor([[1, 2], [3, 4], [6, 8]]);
    const frozen = nn.Embedding.fromPretrained(pre);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(Array.from(frozen.call(tensor([2, 0], { dtype: 'int32' })).dataSync())).toEqual([6, 8, 1, 2]);
    const trainable = nn.Embedding.fromPretrained(pre, { freeze: false, maxNorm: 5 });
    expect(trainable.weight.requiresGrad).toBe(true);
    const y = trainable.call(tensor([2], { dtype: 'int32' }));
    // ||(6, 8)|| = 10 > 5: the row is rescaled in place to norm 5 (PyTorch divides by norm + 1e-7).
    expect(Array.from(y.dataSync()).map((v) => Number(v.toFixed(5)))).toEqual([3, 4]);
    expect(() => nn.Embedding.fromPretrained(tensor([1, 2]))).toThrow('Embeddings parameter is expected to be 2-dimensional');
  });

  test('sparse and unknown options are refused', () => {
    expect(() => new nn.Embedding(3, 2, { sparse: true })).toThrow(/sparse=true is not supported/);
    expect(() => F.embedding(tensor([0], { dtype: 'int32' }), randn(3, 2), { sparse: true })).toThrow(/sparse=true is not supported/);
    expect(() => new nn.Embedding(3, 2, { padding_idx: 0 } as never)).toThrow(/unknown option 'padding_idx'/);
    expect(() => new nn.Embedding(3, 2, { _weight: randn(2, 2) })).toThrow('Shape of weight does not match num_embeddings and embedding_dim');
    const bool = new Tensor(new Uint8Array([1]), [1]);
    expect(() => F.embedding(bool, randn(3, 2))).toThrow(/but got torch.BoolTensor instead/);
  });
});
