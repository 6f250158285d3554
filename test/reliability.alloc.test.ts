/**
 * A tensor too large to allocate fails with what was asked for and the limit, as PyTorch's
 * allocator says "you tried to allocate N bytes", not with V8's bare "Invalid typed array
 * length".
 */
import { arange, full, ones, rand, randint, randn, tensor, zeros } from '../src/creation';
import { MAX_TENSOR_BYTES } from '../src/index';
import { allocateTensorData, tensorBytes } from '../src/alloc';

const limit = `more than the limit of ${MAX_TENSOR_BYTES} bytes (4 GiB, what WebAssembly memory can address)`;

test.each([
  // Shapes of 2^33 elements and more: before the check, V8 refused them with a bare message (a
  // smaller one might have been allocated and filled, which a test must not risk).
  ['zeros', () => zeros(131072, 65536), '[131072, 65536]', 34359738368n],
  ['ones', () => ones([1 << 20, 1 << 20]), '[1048576, 1048576]', 4398046511104n],
  ['full', () => full([2 ** 31, 3], 1), '[2147483648, 3]', 25769803776n],
  ['rand', () => rand(2 ** 40), '[1099511627776]', 4398046511104n],
  ['randn', () => randn([2 ** 31, 4]), '[2147483648, 4]', 34359738368n],
  ['randint', () => randint(0, 5, [2 ** 53, 2 ** 20]), '[9007199254740992, 1048576]', 37778931862957161709568n],
  ['arange', () => arange(2 ** 33), '[8589934592]', 34359738368n],
])('%s names the bytes asked for and the limit', (op, make, shape, bytes) => {
  const dtype = op === 'randint' ? 'int32' : 'float32';
  expect(make).toThrow(RangeError);
  expect(make).toThrow(`${op}: cannot allocate a ${dtype} tensor of shape ${shape}: you tried to allocate ${bytes} bytes, ${limit}`);
});

test('the byte count is exact past 2^53', () => {
  expect(tensorBytes([2 ** 53 + 1, 3])).toBe(BigInt(2 ** 53 + 1) * 12n);
});

test('one element past the limit is refused; small tensors are unaffected', () => {
  expect(() => allocateTensorData('t', [MAX_TENSOR_BYTES / 4 + 1])).toThrow(/you tried to allocate 4294967300 bytes, more than the limit/);
  // Small tensors are unaffected.
  expect(Array.from(zeros(2, 2).dataSync())).toEqual([0, 0, 0, 0]);
  expect(tensor([[1, 2], [3, 4]]).shape).toEqual([2, 2]);
});
