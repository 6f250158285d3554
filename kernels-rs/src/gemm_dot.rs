//! C = alpha * A * B^T + beta * C with both operands read in place along K: the Linear
//! forward's X W^T, whose rows (of X and of W) are contiguous in K. A 2 x 4 tile of dot
//! products (8 f32x4 accumulators over 4 consecutive k, reduced across lanes at the end)
//! needs no packing: sgemm's splat kernel packed all of W (n x k, 4x4 transposes) and X on
//! every call, ~6 % of the forward at batch 64.
//!
//! Registers: V8 loads the tile's 6 vectors of one step ahead of its arithmetic, so 8
//! accumulators + 6 operands + 1 product fill the 15 xmm registers it allocates.

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

/// K in blocks of at most this many: 4 rows of B (16 KiB) stay in L1 while all of A's row
/// pairs pass over them.
const KB: usize = 1024;

/// C (m x n, row stride ldc) = alpha * A B^T + beta * C, A m x k (row stride lda), B n x k
/// (row stride ldb). beta == 0 never reads C. Needs m, n, k >= 1.
pub unsafe fn sgemm_nt_dot(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    let blocks = (k + KB - 1) / KB;
    let kb_even = (k + blocks - 1) / blocks;
    let mut p0 = 0;
    while p0 < k {
        let kb = (k - p0).min(kb_even);
        let beta_block = if p0 == 0 { beta } else { 1.0 };
        let mut j = 0;
        while j < n {
            let nr = (n - j).min(4);
            // Rows past n repeat the last real row; their sums are not stored.
            let brow = |t: usize| b.add((j + t.min(nr - 1)) * ldb + p0);
            let bp = [brow(0), brow(1), brow(2), brow(3)];
            let mut i = 0;
            while i < m {
                let mr = (m - i).min(2);
                let a0 = a.add(i * lda + p0);
                let a1 = a.add((i + mr - 1) * lda + p0);
                let sums = tile(kb, a0, a1, bp);
                let va = f32x4_splat(alpha);
                for (r, s) in sums.iter().enumerate().take(mr) {
                    let row = c.add((i + r) * ldc + j);
                    let mut v = f32x4_mul(va, *s);
                    if nr == 4 {
                        if beta_block == 1.0 {
                            v = f32x4_add(v, load4(row));
                        } else if beta_block != 0.0 {
                            v = f32x4_add(v, f32x4_mul(f32x4_splat(beta_block), load4(row)));
                        }
                        store4(row, v);
                    } else {
                        let mut out = [0.0f32; 4];
                        store4(out.as_mut_ptr(), v);
                        for (t, x) in out.iter().enumerate().take(nr) {
                            let dst = row.add(t);
                            *dst = if beta_block == 0.0 { *x } else { *x + beta_block * *dst };
                        }
                    }
                }
                i += 2;
            }
            j += 4;
        }
        p0 += kb;
    }
}

/// The 2 x 4 dot products of rows a0, a1 with rows b[0..4] over kb values: [row 0 sums, row 1 sums].
#[inline(always)]
unsafe fn tile(kb: usize, a0: *const f32, a1: *const f32, b: [*const f32; 4]) -> [v128; 2] {
    let mut acc = [f32x4_splat(0.0); 8];
    let mut p = 0;
    while p + 4 <= kb {
        let x0 = load4(a0.add(p));
        let x1 = load4(a1.add(p));
        for t in 0..4 {
            let y = load4(b[t].add(p));
            acc[t] = f32x4_add(acc[t], f32x4_mul(x0, y));
            acc[4 + t] = f32x4_add(acc[4 + t], f32x4_mul(x1, y));
        }
        p += 4;
    }
    // Lane sums: transposing the 4 accumulators of a row puts each dot product's 4 partial
    // sums in one lane.
    let mut out = [f32x4_splat(0.0); 2];
    for r in 0..2 {
        let t = crate::gemm::transpose4([acc[4 * r], acc[4 * r + 1], acc[4 * r + 2], acc[4 * r + 3]]);
        out[r] = f32x4_add(f32x4_add(t[0], t[1]), f32x4_add(t[2], t[3]));
    }
    // The last k % 4 values, one at a time.
    while p < kb {
        let y = f32x4(*b[0].add(p), *b[1].add(p), *b[2].add(p), *b[3].add(p));
        out[0] = f32x4_add(out[0], f32x4_mul(f32x4_splat(*a0.add(p)), y));
        out[1] = f32x4_add(out[1], f32x4_mul(f32x4_splat(*a1.add(p)), y));
        p += 1;
    }
    out
}
