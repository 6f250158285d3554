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

    /// A buffer of at least `n` floats; contents are unspecified. Grows geometrically. Sizes are
    /// computed in u64: a wasm32 `len * 4` wraps past 4 GiB, and the tiny block allocated then
    /// was trusted by later calls (wrong values after the failed one). A request that cannot
    /// be met stops the kernel (`fail`), with this buffer left empty.
    pub unsafe fn get(&mut self, n: usize) -> *mut f32 {
        if n > self.len {
            self.release();
            let wanted = n as u64;
            // Geometric growth first; if that much is not to be had, exactly what was asked for.
            let grown = (self.len as u64 * 3 / 2).max(wanted).max(64);
            let (p, len) = match try_alloc(grown * 4) {
                Some(p) => (p, grown),
                None => (try_alloc(wanted * 4).unwrap_or_else(|| fail(wanted * 4)), wanted),
            };
            self.ptr = p as *mut f32;
            self.len = len as usize;
        }
        self.ptr
    }

    pub unsafe fn release(&mut self) {
        if !self.ptr.is_null() {
            dealloc(self.ptr as *mut u8, Layout::from_size_align_unchecked(self.len * 4, 16));
        }
        // Volatile: when `get` goes on to fail, the only thing after these stores is a trap,
        // before which the optimizer treats them as dead; the buffer kept its freed block, and
        // the next call wrote into memory the allocator had handed out again.
        core::ptr::write_volatile(&mut self.ptr, core::ptr::null_mut());
        core::ptr::write_volatile(&mut self.len, 0);
    }
}

/// A 16-byte aligned block of `bytes`, or None if it does not fit the address space or the
/// memory cannot grow to hold it.
unsafe fn try_alloc(bytes: u64) -> Option<*mut u8> {
    let size = usize::try_from(bytes).ok()?;
    let layout = Layout::from_size_align(size, 16).ok()?;
    let p = alloc(layout);
    if p.is_null() { None } else { Some(p) }
}

/// Bytes of the last scratch request that could not be met (0: none since it was read).
static mut FAILED_BYTES: u64 = 0;

/// Stops the running kernel because `bytes` of scratch cannot be had: records the size for
/// `take_failed_bytes` (the JS side turns the trap into a RangeError naming it) and traps.
/// Every scratch buffer is consistent at this point (empty or whole), so the module stays
/// usable.
pub fn fail(bytes: u64) -> ! {
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(FAILED_BYTES), bytes) };
    core::arch::wasm32::unreachable()
}

/// Stops the kernel unless `floats` (a size computed in u64) fits a wasm32 buffer.
pub fn check_floats(floats: u64) {
    if floats.saturating_mul(4) > u32::MAX as u64 {
        fail(floats.saturating_mul(4));
    }
}

/// The size recorded by the last `fail`, then 0.
pub fn take_failed_bytes() -> u64 {
    unsafe { core::mem::replace(&mut FAILED_BYTES, 0) }
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
