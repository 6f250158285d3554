//! SIMD128 kernels for torchlet, exported over the C ABI.
//!
//! Every export takes raw pointers into this module's linear memory. The memory is imported and
//! shared (a SharedArrayBuffer on the JS side, never detached by `memory.grow`), so the
//! TypeScript side (`src/backend/wasm-memory.ts`) keeps tensors resident in it as typed-array
//! views over blocks from `alloc_zeroed`, and kernels read and write them in place; tensors on
//! the JS heap are copied through a staging arena. Kernels may grow memory themselves
//! (scratch buffers); views stay valid.

mod conv;
mod conv_direct;
mod dropout;
mod elementwise;
mod gemm;
mod gemm_dot;
mod loss;
mod pool;
mod quads;
mod adam;
mod batch_norm;
mod adadelta;
mod scratch;
mod simd;
mod winograd;
mod winograd_gemm;
mod winograd4;
mod winograd4_bw;
mod winograd4_bi;
mod sgd;

use std::alloc::{alloc as sys_alloc, dealloc as sys_dealloc, Layout};

/// Every allocation is 16-byte aligned so that v128 loads of whole tensors are aligned.
const ALIGN: usize = 16;

/// Allocates `bytes` bytes (16-byte aligned). A zero-size request returns a non-null dangling
/// pointer that must not be dereferenced; `dealloc` ignores it.
#[no_mangle]
pub extern "C" fn alloc(bytes: usize) -> *mut u8 {
    if bytes == 0 {
        return ALIGN as *mut u8;
    }
    match Layout::from_size_align(bytes, ALIGN) {
        Ok(layout) => unsafe { sys_alloc(layout) },
        Err(_) => core::ptr::null_mut(),
    }
}

/// As `alloc`, with the block's bytes zeroed (fresh pages from `memory.grow` are not written
/// again).
#[no_mangle]
pub extern "C" fn alloc_zeroed(bytes: usize) -> *mut u8 {
    if bytes == 0 {
        return ALIGN as *mut u8;
    }
    match Layout::from_size_align(bytes, ALIGN) {
        Ok(layout) => unsafe { std::alloc::alloc_zeroed(layout) },
        Err(_) => core::ptr::null_mut(),
    }
}

/// Frees a block returned by `alloc(bytes)` or `alloc_zeroed(bytes)` (same `bytes`).
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, bytes: usize) {
    if bytes == 0 || ptr.is_null() {
        return;
    }
    sys_dealloc(ptr, Layout::from_size_align_unchecked(bytes, ALIGN));
}

/// Frees the kernels' internal scratch buffers (packing panels, im2col columns).
#[no_mangle]
pub extern "C" fn release_scratch() {
    unsafe {
        scratch::release_all();
        winograd::release();
        winograd4::release();
        winograd4_bw::release();
        winograd4_bi::release();
    }
}

/// Bytes of the scratch request that stopped the last kernel with a trap (0: none), then 0:
/// the JS side reads it after a trap to say how much memory was asked for.
#[no_mangle]
pub extern "C" fn scratch_failed_bytes() -> f64 {
    scratch::take_failed_bytes() as f64
}
