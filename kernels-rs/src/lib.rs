//! SIMD128 kernels for torchlet, exported over the C ABI.
//!
//! Every export takes raw pointers into this module's linear memory; the TypeScript side
//! (`src/backend/wasm.ts`) allocates with `alloc`, copies tensors in, calls a kernel and copies
//! results out. Kernels may grow memory themselves (scratch buffers), which detaches every
//! typed-array view held by JS: the loader re-creates views after each call.

mod conv;
mod conv_direct;
mod elementwise;
mod gemm;
mod loss;
mod pool;
mod quads;
mod scratch;
mod simd;
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

/// Frees a block returned by `alloc(bytes)` (same `bytes`).
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
    unsafe { scratch::release_all() }
}
