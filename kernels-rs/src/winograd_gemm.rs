//! The small gemms of the Winograd transformed domain (winograd.rs), without packing: per
//! transform index their operands are a few KB (K = 16-512 channels or a chunk of tiles, the
//! other sides a chunk of tiles and the channels), already in L1/L2 in the layout the
//! transforms wrote, so gemm.rs's packing (both operands re-packed for each of the 16 gemms of
//! every chunk) cost more than it saved. Two register-tiled kernels:
//!   nn: C[m, n] (+)= A[m, k] * B[k, n], n a multiple of 4: 4 rows x 8 columns of C per tile
//!       (A broadcast with load32_splat, B rows loaded as two f32x4), as gemm.rs's micro-kernel;
//!   nt: C[m, n] += A[m, k] * B[n, k]^T, k a multiple of 4: 4 x 2 dot products with lanes over
//!       k, reduced horizontally once per tile.

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

/// C[m, n] += A[m, k] * B[n, k]^T; row-major with leading dimensions; k % 4 == 0.
pub unsafe fn gemm_nt_acc(
    m: usize, n: usize, k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f32, ldc: usize,
) {
    debug_assert!(k % 4 == 0);
    let mut i = 0;
    while i < m {
        let rows = (m - i).min(4);
        let (ai, ci) = (a.add(i * lda), c.add(i * ldc));
        match rows {
            4 => row_block_nt::<4>(n, k, ai, lda, b, ldb, ci, ldc),
            3 => row_block_nt::<3>(n, k, ai, lda, b, ldb, ci, ldc),
            2 => row_block_nt::<2>(n, k, ai, lda, b, ldb, ci, ldc),
            _ => row_block_nt::<1>(n, k, ai, lda, b, ldb, ci, ldc),
        }
        i += rows;
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn row_block_nt<const R: usize>(
    n: usize, k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f32, ldc: usize,
) {
    let mut j = 0;
    while j + 2 <= n {
        tile_nt::<R, 2>(k, a, lda, b.add(j * ldb), ldb, c.add(j), ldc);
        j += 2;
    }
    if j < n {
        tile_nt::<R, 1>(k, a, lda, b.add(j * ldb), ldb, c.add(j), ldc);
    }
}

#[inline(always)]
unsafe fn tile_nt<const R: usize, const S: usize>(
    k: usize, a: *const f32, lda: usize, b: *const f32, ldb: usize, c: *mut f32, ldc: usize,
) {
    let mut acc = [[f32x4_splat(0.0); S]; R];
    let mut p = 0;
    while p < k {
        let mut bv = [f32x4_splat(0.0); S];
        for (s, x) in bv.iter_mut().enumerate() {
            *x = load4(b.add(s * ldb + p));
        }
        for (i, row) in acc.iter_mut().enumerate() {
            let av = load4(a.add(i * lda + p));
            for (s, x) in row.iter_mut().enumerate() {
                *x = f32x4_add(*x, f32x4_mul(av, bv[s]));
            }
        }
        p += 4;
    }
    for (i, row) in acc.iter().enumerate() {
        for (s, x) in row.iter().enumerate() {
            let h = f32x4_add(*x, i32x4_shuffle::<2, 3, 0, 1>(*x, *x));
            let h = f32x4_add(h, i32x4_shuffle::<1, 0, 3, 2>(h, h));
            *c.add(i * ldc + s) += f32x4_extract_lane::<0>(h);
        }
    }
}
