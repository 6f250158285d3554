/**
 * What 32-bit WebAssembly memory can address: 4 GiB. No tensor and no kernel scratch buffer can
 * be larger, whatever the machine has; errors name this limit and the bytes asked for, as
 * PyTorch's allocator says "you tried to allocate N bytes".
 */
export const WASM32_ADDRESS_BYTES = 2 ** 32;

/** ", more than the limit of 4294967296 bytes (4 GiB, ...)": the tail of every such error. */
export const OVER_WASM32_LIMIT = `more than the limit of ${WASM32_ADDRESS_BYTES} bytes (4 GiB, what WebAssembly memory can address)`;
