/**
 * Kernel scratch memory past what wasm32 can address or what the memory can grow to. Before the
 * fix, the im2col buffer's size `len * 4` wrapped in 32-bit arithmetic: a convolution needing
 * 8 GiB of columns failed with "memory access out of bounds" (or an "unreachable" trap), and a
 * legal convolution afterwards in the same process reused the tiny buffer and returned wrong
 * values. Now the size is computed in 64 bits, the JS side refuses such a call before making it
 * (naming the bytes and the 4 GiB limit), a request the memory cannot grow to meet becomes a
 * RangeError naming its size, and the module stays usable.
 */
import { F, randn, setBackend, Tensor, zeros } from '../src';
import { manualSeed } from '../src/random';
import { loadKernels } from '../src/backend/wasm-kernels';

const limit = 'more than the limit of 4294967296 bytes (4 GiB, what WebAssembly memory can address)';

/** conv2d on the JS reference and on wasm, for a legal geometry of each kernel path. */
function expectConvMatchesReference(x: Tensor, w: Tensor, options: Parameters<typeof F.conv2d>[3]): void {
  setBackend('js');
  const xj = x.detach().requiresGrad_(true);
  const wj = w.detach().requiresGrad_(true);
  const yj = F.conv2d(xj, wj, null, options);
  yj.sum().backward();
  setBackend('wasm');
  const xw = x.detach().requiresGrad_(true);
  const ww = w.detach().requiresGrad_(true);
  const yw = F.conv2d(xw, ww, null, options);
  yw.sum().backward();
  const close = (a: Tensor, b: Tensor) => {
    const [u, v] = [a.dataSync(), b.dataSync()];
    expect(u.length).toBe(v.length);
    let worst = 0;
    for (let i = 0; i < u.length; i++) worst = Math.max(worst, Math.abs(u[i] - v[i]) / (1 + Math.abs(v[i])));
    expect(worst).toBeLessThan(1e-4);
  };
  close(yw, yj);
  close(xw.grad!, xj.grad!);
  close(ww.grad!, wj.grad!);
}

function legalConvolutionsAreRight(): void {
  manualSeed(3);
  // im2col (stride 2), the stride-1 implicit gemm, and a pointwise convolution.
  expectConvMatchesReference(randn(2, 3, 11, 13), randn(4, 3, 3, 3), { stride: 2, padding: 1 });
  expectConvMatchesReference(randn(2, 3, 9, 10), randn(5, 3, 3, 3), { padding: 1 });
  expectConvMatchesReference(randn(3, 4, 6, 6), randn(2, 4, 1, 1), {});
}

afterAll(() => setBackend('js'));

test('a convolution whose im2col columns exceed 4 GiB is refused with the bytes; a legal one afterwards is right', () => {
  setBackend('wasm');
  legalConvolutionsAreRight();
  setBackend('wasm');
  // Columns of K = 64*64 rows by P = 512*1024 positions: 2^31 floats, 8 GiB (2^33 bytes, 0 in u32).
  const x = zeros(1, 1, 64, 65);
  const w = zeros(1, 1, 64, 64);
  expect(() => F.conv2d(x, w, null, { stride: [2, 1], padding: 511 })).toThrow(RangeError);
  expect(() => F.conv2d(x, w, null, { stride: [2, 1], padding: 511 }))
    .toThrow(`conv2d: cannot allocate the convolution's scratch memory: you tried to allocate 8589934592 bytes, ${limit}`);
  legalConvolutionsAreRight();
});

test('the stride-1 path: a padded image past 4 GiB is refused too (its size wrapped in u32 before)', () => {
  setBackend('wasm');
  // A 1x1 image padded by 32768 each side (65537^2 floats) and a 2x2 kernel dilated by 65536: a
  // 1x1 output, whose padded copy alone needs 16 GiB.
  const x = zeros(1, 1, 1, 1);
  const w = zeros(1, 1, 2, 2);
  expect(() => F.conv2d(x, w, null, { padding: 32768, dilation: 65536 }))
    .toThrow(/^conv2d: cannot allocate the convolution's scratch memory: you tried to allocate \d+ bytes, more than the limit of 4294967296 bytes/);
  legalConvolutionsAreRight();
});

test('scratch the memory cannot grow to hold (3 GiB, under the 4 GiB limit) is a RangeError naming it, not "unreachable"', () => {
  setBackend('wasm');
  // K = 3*32*32, P = 512*512: 3 * 2^28 floats of columns, 3 GiB; the memory's maximum is smaller.
  const x = zeros(1, 3, 32, 32);
  const w = zeros(1, 3, 32, 32);
  const call = () => F.conv2d(x, w, null, { stride: 2, padding: 511 });
  expect(call).toThrow(RangeError);
  expect(call).toThrow(/^conv2d: cannot allocate the kernel's scratch memory: you tried to allocate 3221225472 bytes, and WebAssembly memory \(\d+ bytes now\) could not grow to hold it$/);
  legalConvolutionsAreRight();
});

// A trap skips the epilogues that restore wasm's shadow-stack pointer: left as it was, each
// failure leaked some stack, and some thousands of them ran it into the heap's data.
test('a failed request leaves the stack pointer where it was, and the module usable', () => {
  setBackend('wasm');
  const k = loadKernels();
  const before = k.__stack_pointer.value;
  const x = zeros(1, 3, 32, 32);
  const w = zeros(1, 3, 32, 32);
  for (let i = 0; i < 3; i++) expect(() => F.conv2d(x, w, null, { stride: 2, padding: 511 })).toThrow(RangeError);
  expect(k.__stack_pointer.value).toBe(before);
  legalConvolutionsAreRight();
});
