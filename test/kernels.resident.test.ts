/**
 * test/kernels.test.ts again, with the wasm kernels running in place on arrays resident in
 * wasm memory (the path tensors take with the wasm backend) instead of on staged copies.
 */
process.env.KERNELS_TEST_CANDIDATE = 'resident';
// eslint-disable-next-line @typescript-eslint/no-var-requires
require('./kernels.test');
