//! The small gemms of the Winograd transformed domain (winograd.rs), without packing: per
//! transform index their operands are a few KB (K = 16-512 channels or a chunk of tiles, the
//! other sides a chunk of tiles and the channels), already in L1/L2 in the layout the
//! transforms wrote, so gemm.rs's packing (both operands re-packed for each of the 16 gemms of
//! every chunk) cost more than it saved. C[m, n] (+)= A[m, k] * B[k, n], n a multiple of 4:
//! 4 rows x 8 columns of C per register tile (A broadcast with load32_splat, B rows loaded as
//! two f32x4), as gemm.rs's micro-kernel. (A 4 x 2 dot-product tile with lanes over k, for
//! backward-weight's A * B^T, measured slower than transposing B and running this one.)

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

/// C[m, n] = A * B (or += when `accumulate`); row-major with leading dimensions; n % 4 == 0.
pub unsafe fn gemm_nn(
    m: usize, n: usize, k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f32, ldc: usize,
    accumulate: bool,
) {
    debug_assert!(n % 4 == 0);
    let mut i = 0;
    while i < m {
        let rows = (m - i).min(4);
        let (ai, ci) = (a.add(i * lda), c.add(i * ldc));
        match rows {
            4 => row_block_nn::<4>(n, k, ai, lda, b, ldb, ci, ldc, accumulate),
            3 => row_block_nn::<3>(n, k, ai, lda, b, ldb, ci, ldc, accumulate),
            2 => row_block_nn::<2>(n, k, ai, lda, b, ldb, ci, ldc, accumulate),
            _ => row_block_nn::<1>(n, k, ai, lda, b, ldb, ci, ldc, accumulate),
        }
        i += rows;
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn row_block_nn<const R: usize>(
    n: usize, k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f32, ldc: usize, accumulate: bool,
) {
    let mut j = 0;
    while j + 8 <= n {
        tile_nn::<R, 2>(k, a, lda, b.add(j), ldb, c.add(j), ldc, accumulate);
        j += 8;
    }
    if j < n {
        tile_nn::<R, 1>(k, a, lda, b.add(j), ldb, c.add(j), ldc, accumulate);
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_nn<const R: usize, const V: usize>(
    k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f32, ldc: usize, accumulate: bool,
) {
    let mut acc = [[f32x4_splat(0.0); V]; R];
    if accumulate {
        for (i, row) in acc.iter_mut().enumerate() {
            for (v, x) in row.iter_mut().enumerate() {
                *x = load4(c.add(i * ldc + 4 * v));
            }
        }
    }
    for p in 0..k {
        let bp = b.add(p * ldb);
        let mut bv = [f32x4_splat(0.0); V];
        for (v, x) in bv.iter_mut().enumerate() {
            *x = load4(bp.add(4 * v));
        }
        for (i, row) in acc.iter_mut().enumerate() {
            let s = v128_load32_splat(a.add(i * lda + p) as *const u32);
            for (v, x) in row.iter_mut().enumerate() {
                *x = f32x4_add(*x, f32x4_mul(s, bv[v]));
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (v, x) in row.iter().enumerate() {
            store4(c.add(i * ldc + 4 * v), *x);
        }
    }
}
