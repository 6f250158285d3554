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
    products::<R, V>(k, a, lda, b, ldb, &mut acc);
    for (i, row) in acc.iter().enumerate() {
        for (v, x) in row.iter().enumerate() {
            store4(c.add(i * ldc + 4 * v), *x);
        }
    }
}

/// acc[i][v] += sum over p of A[i, p] * B[p, 4 v..4 v + 4], p in order.
#[inline(always)]
unsafe fn products<const R: usize, const V: usize>(
    k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, acc: &mut [[v128; V]; R],
) {
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
}

/// C[m, n] += A * B with C in float64: the product is summed in float32 (as gemm_nn's) and
/// each value then added to C promoted, in the register tile's epilogue (backward-weight's
/// float64 sums over the batch, without storing the float32 product and reading it back).
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_nn_add_f64(
    m: usize, n: usize, k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f64, ldc: usize,
) {
    debug_assert!(n % 4 == 0);
    let mut i = 0;
    while i < m {
        let rows = (m - i).min(4);
        let (ai, ci) = (a.add(i * lda), c.add(i * ldc));
        match rows {
            4 => row_block_f64::<4>(n, k, ai, lda, b, ldb, ci, ldc),
            3 => row_block_f64::<3>(n, k, ai, lda, b, ldb, ci, ldc),
            2 => row_block_f64::<2>(n, k, ai, lda, b, ldb, ci, ldc),
            _ => row_block_f64::<1>(n, k, ai, lda, b, ldb, ci, ldc),
        }
        i += rows;
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn row_block_f64<const R: usize>(
    n: usize, k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f64, ldc: usize,
) {
    let mut j = 0;
    while j + 8 <= n {
        tile_f64::<R, 2>(k, a, lda, b.add(j), ldb, c.add(j), ldc);
        j += 8;
    }
    if j < n {
        tile_f64::<R, 1>(k, a, lda, b.add(j), ldb, c.add(j), ldc);
    }
}

#[inline(always)]
unsafe fn tile_f64<const R: usize, const V: usize>(
    k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f64, ldc: usize,
) {
    let mut acc = [[f32x4_splat(0.0); V]; R];
    products::<R, V>(k, a, lda, b, ldb, &mut acc);
    for (i, row) in acc.iter().enumerate() {
        for (v, x) in row.iter().enumerate() {
            let (lo, hi) = (f64x2_promote_low_f32x4(*x), f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(*x, *x)));
            let (s0, s1) = (c.add(i * ldc + 4 * v) as *mut v128, c.add(i * ldc + 4 * v + 2) as *mut v128);
            core::ptr::write_unaligned(s0, f64x2_add(core::ptr::read_unaligned(s0), lo));
            core::ptr::write_unaligned(s1, f64x2_add(core::ptr::read_unaligned(s1), hi));
        }
    }
}
