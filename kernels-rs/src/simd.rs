//! Unaligned f32x4 loads and stores (tensors are 16-byte aligned, but rows and panels inside
//! them are not; wasm's v128.load has no alignment requirement).

use core::arch::wasm32::v128;

#[inline(always)]
pub unsafe fn load4(p: *const f32) -> v128 {
    core::ptr::read_unaligned(p as *const v128)
}

#[inline(always)]
pub unsafe fn store4(p: *mut f32, v: v128) {
    core::ptr::write_unaligned(p as *mut v128, v)
}
