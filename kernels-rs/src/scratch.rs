//! Growable scratch buffers kept between calls, so kernels do not allocate per call.
//!
//! The module is single-threaded (wasm32 without threads), so plain `static mut` is sound as
//! long as no two live borrows of the same buffer overlap; each kernel uses distinct buffers.

use std::alloc::{alloc, dealloc, Layout};

pub struct Scratch {
    ptr: *mut f32,
    len: usize,
}

impl Scratch {
    pub const fn new() -> Self {
        Scratch { ptr: core::ptr::null_mut(), len: 0 }
    }

    /// A buffer of at least `n` floats; contents are unspecified. Grows geometrically.
    pub unsafe fn get(&mut self, n: usize) -> *mut f32 {
        if n > self.len {
            self.release();
            let len = core::cmp::max(n, self.len + self.len / 2).max(64);
            let p = alloc(Layout::from_size_align_unchecked(len * 4, 16)) as *mut f32;
            if p.is_null() {
                core::arch::wasm32::unreachable();
            }
            self.ptr = p;
            self.len = len;
        }
        self.ptr
    }

    pub unsafe fn release(&mut self) {
        if !self.ptr.is_null() {
            dealloc(self.ptr as *mut u8, Layout::from_size_align_unchecked(self.len * 4, 16));
        }
        self.ptr = core::ptr::null_mut();
        self.len = 0;
    }
}

/// Packed panels of op(A) for gemm.
pub static mut PACK_A: Scratch = Scratch::new();
/// Packed panels of op(B) for gemm.
pub static mut PACK_B: Scratch = Scratch::new();
/// im2col / col2im columns for conv2d.
pub static mut COLUMNS: Scratch = Scratch::new();

/// Zero-padded copy of one image for the stride-1 implicit-gemm convolution.
pub static mut DIRECT_SRC: Scratch = Scratch::new();
/// Reduction offsets (u32) of the implicit-gemm convolution.
pub static mut DIRECT_OFFSETS: Scratch = Scratch::new();
/// Full-width output tile rows of the implicit-gemm convolution.
pub static mut DIRECT_OUT: Scratch = Scratch::new();

pub unsafe fn release_all() {
    DIRECT_SRC.release();
    DIRECT_OFFSETS.release();
    DIRECT_OUT.release();
    PACK_A.release();
    PACK_B.release();
    COLUMNS.release();
}
