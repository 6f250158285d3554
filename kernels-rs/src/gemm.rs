//! Single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, row-major.
//!
//! Goto/BLIS structure: op(B) is packed into KC x NR panels, op(A) into MR x KC panels (both
//! zero-padded to whole panels, which also absorbs the transposes), and a 4x8 register-tiled
//! micro-kernel in XNNPACK's wasmsimd "splat" style does the arithmetic: 8 f32x4
//! accumulators, each A value broadcast, each B row of the panel loaded as two vectors.

use crate::scratch::{PACK_A, PACK_B};
use crate::simd::{load4, store4};
use core::arch::wasm32::*;

pub const MR: usize = 4;
pub const NR: usize = 8;
const KC: usize = 512;
const MC: usize = 128;
const NC: usize = 1024;
/// `gemm` computes A B^T with N below this by gemm_dot.rs (measured: N = 10 ~1.35x faster,
/// N = 120 and 512 ~10-15 % slower than the packed splat kernel).
const DOT_MAX_N: usize = 16;
/// sgemm reads a row-major op(B) in place, without packing, when M is at most this.
const B_IN_PLACE_MAX_M: usize = 12;
/// Floats of a kc x nc block of B from which sgemm packs it panel by panel (M <= MC).
const ONE_PASS_MIN_BLOCK: usize = 32 * 1024;

/// A strided matrix view: element (r, c) is at `ptr[r * rs + c * cs]`.
#[derive(Clone, Copy)]
pub struct View {
    pub ptr: *const f32,
    pub rs: usize,
    pub cs: usize,
}

#[no_mangle]
pub unsafe extern "C" fn gemm(
    trans_a: i32,
    trans_b: i32,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    b: *const f32,
    beta: f32,
    c: *mut f32,
) {
    if trans_a == 0 && trans_b != 0 && n < DOT_MAX_N && m > 0 && n > 0 && k > 0 && alpha != 0.0 {
        // Thin A B^T (a classifier's forward): dot products along the contiguous K, no
        // packing, 4-row tiles of B (gemm_dot.rs); wider N stays on the splat kernel, faster there.
        crate::gemm_dot::sgemm_nt_dot(m, n, k, alpha, a, k, b, k, beta, c, n);
        return;
    }
    // op(A) is m x k; A is stored m x k, or k x m when transposed.
    let av = if trans_a != 0 { View { ptr: a, rs: 1, cs: m } } else { View { ptr: a, rs: k, cs: 1 } };
    // op(B) is k x n; B is stored k x n, or n x k when transposed.
    let bv = if trans_b != 0 { View { ptr: b, rs: 1, cs: k } } else { View { ptr: b, rs: n, cs: 1 } };
    sgemm(m, n, k, alpha, av, bv, beta, c, n);
}

/// C (m x n, row stride ldc) = alpha * A * B + beta * C. beta == 0 never reads C.
pub unsafe fn sgemm(m: usize, n: usize, k: usize, alpha: f32, a: View, b: View, beta: f32, c: *mut f32, ldc: usize) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == 0.0 {
        scale_matrix(m, n, beta, c, ldc);
        return;
    }
    let mut jc = 0;
    while jc < n {
        let nc = (n - jc).min(NC);
        // K in equal blocks of at most KC (784 = 2 x 392, not 3 x 256 + 16): a short last block
        // pays a whole pass of C loads and stores for a few multiply-adds.
        let kc_even = div_ceil(k, div_ceil(k, KC));
        let mut pc = 0;
        while pc < k {
            let kc = (k - pc).min(kc_even);
            let beta_block = if pc == 0 { beta } else { 1.0 };
            // When all of M is one MC block, each B panel is used by one pass of the A panels
            // and never again: it is packed into one kc x NR buffer, reused panel after panel,
            // right before that pass. Packing the whole kc x nc block instead (1.6 MB for the
            // MLP's 784 x 512 weight) wrote every packed line out past L2 and read it back
            // (in-process A/B: NT 64x512x784 1.13 vs 1.18 ms, NN 64x512x512 0.75 vs 0.78).
            // A small block (K = 6: a conv's gemm over 6 channels) stays in cache anyway and
            // keeps the block-wide packing: a call per panel cost ~3 % there.
            let one_pass = m <= MC && kc * nc >= ONE_PASS_MIN_BLOCK;
            let pb = PACK_B.get(if one_pass { NR * kc } else { round_up(nc, NR) * kc });
            // With few rows of A each B value is used only m times, and packing B cost more
            // than the multiply-adds (the weight gradient G^T X of a 10-output layer): whole
            // 8-column panels of a row-major B are then read in place, only the last partial
            // panel is packed (reading past its row end could leave the memory). Not when
            // B's rows are a multiple of 4 KiB apart: all of a panel's rows then share one L1
            // set, and reading them in place was slower than packing (10 x 1024 x 64: 0.076
            // vs 0.062 ms; 2, 3, 6 KiB apart: 1.1-1.3x faster in place).
            let b_in_place = b.cs == 1 && m <= B_IN_PLACE_MAX_M && b.rs % 1024 != 0;
            let full = if b_in_place { nc / NR * NR } else { 0 };
            if !one_pass {
                pack_b(kc, nc - full, b, pc, jc + full, pb.add(full * kc));
            }
            let mut ic = 0;
            while ic < m {
                let mc = (m - ic).min(MC);
                let pa = PACK_A.get(round_up(mc, MR) * kc);
                pack_a(mc, kc, a, ic, pc, pa);
                let mut jr = 0;
                while jr < nc {
                    let nr = (nc - jr).min(NR);
                    if one_pass && jr >= full {
                        pack_b(kc, nr, b, pc, jc + jr, pb);
                    }
                    let mut ir = 0;
                    while ir < mc {
                        let mr = (mc - ir).min(MR);
                        let (b_panel, b_step) = if jr < full {
                            (b.ptr.add(pc * b.rs + jc + jr), b.rs)
                        } else if one_pass {
                            (pb as *const f32, NR)
                        } else {
                            (pb.add(jr * kc) as *const f32, NR)
                        };
                        micro_kernel(
                            kc,
                            pa.add(ir * kc),
                            b_panel,
                            b_step,
                            c.add((ic + ir) * ldc + jc + jr),
                            ldc,
                            mr,
                            nr,
                            alpha,
                            beta_block,
                        );
                        ir += MR;
                    }
                    jr += NR;
                }
                ic += MC;
            }
            pc += kc;
        }
        jc += NC;
    }
}

#[inline(always)]
fn div_ceil(x: usize, d: usize) -> usize {
    (x + d - 1) / d
}

#[inline(always)]
fn round_up(x: usize, to: usize) -> usize {
    (x + to - 1) / to * to
}

/// C = beta * C, where beta == 0 writes zeros without reading C.
unsafe fn scale_matrix(m: usize, n: usize, beta: f32, c: *mut f32, ldc: usize) {
    if beta == 1.0 {
        return;
    }
    for i in 0..m {
        let row = c.add(i * ldc);
        if beta == 0.0 {
            crate::elementwise::fill_raw(row, n, 0.0);
        } else {
            crate::elementwise::scale_raw(row, n, beta);
        }
    }
}

/// Packs rows [i0, i0+mc) x cols [p0, p0+kc) of A into MR-row panels: panel r holds
/// `dst[r*MR*kc + p*MR + i]`, rows past `mc` zero.
pub unsafe fn pack_a(mc: usize, kc: usize, a: View, i0: usize, p0: usize, dst: *mut f32) {
    let mut ir = 0;
    let mut out = dst;
    while ir < mc {
        let mr = (mc - ir).min(MR);
        let base = a.ptr.add((i0 + ir) * a.rs + p0 * a.cs);
        if mr == MR && a.rs == 1 {
            // A transposed: the MR values of one column are contiguous.
            for p in 0..kc {
                let v = load4(base.add(p * a.cs));
                store4(out.add(p * MR), v);
            }
        } else if mr == MR && a.cs == 1 {
            // Four contiguous rows: transpose 4x4 blocks.
            let r0 = base;
            let r1 = base.add(a.rs);
            let r2 = base.add(2 * a.rs);
            let r3 = base.add(3 * a.rs);
            let mut p = 0;
            while p + 4 <= kc {
                let t = transpose4([load4(r0.add(p)), load4(r1.add(p)), load4(r2.add(p)), load4(r3.add(p))]);
                for (i, v) in t.iter().enumerate() {
                    store4(out.add((p + i) * MR), *v);
                }
                p += 4;
            }
            while p < kc {
                store4(out.add(p * MR), f32x4(*r0.add(p), *r1.add(p), *r2.add(p), *r3.add(p)));
                p += 1;
            }
        } else if mr == MR {
            let r0 = base;
            let r1 = base.add(a.rs);
            let r2 = base.add(2 * a.rs);
            let r3 = base.add(3 * a.rs);
            for p in 0..kc {
                let v = f32x4(*r0.add(p * a.cs), *r1.add(p * a.cs), *r2.add(p * a.cs), *r3.add(p * a.cs));
                store4(out.add(p * MR), v);
            }
        } else {
            for p in 0..kc {
                for i in 0..MR {
                    *out.add(p * MR + i) = if i < mr { *base.add(i * a.rs + p * a.cs) } else { 0.0 };
                }
            }
        }
        out = out.add(MR * kc);
        ir += MR;
    }
}

/// Packs rows [p0, p0+kc) x cols [j0, j0+nc) of B into NR-column panels: panel j holds
/// `dst[j*NR*kc + p*NR + jj]`, columns past `nc` zero.
unsafe fn pack_b(kc: usize, nc: usize, b: View, p0: usize, j0: usize, dst: *mut f32) {
    let mut jr = 0;
    let mut out = dst;
    while jr < nc {
        let nr = (nc - jr).min(NR);
        let base = b.ptr.add(p0 * b.rs + (j0 + jr) * b.cs);
        if nr == NR && b.cs == 1 {
            for p in 0..kc {
                let src = base.add(p * b.rs);
                store4(out.add(p * NR), load4(src));
                store4(out.add(p * NR + 4), load4(src.add(4)));
            }
        } else if nr == NR && b.rs == 1 {
            // B transposed: each of the NR columns is contiguous along p; transpose 4x4 blocks.
            let col = |jj: usize| base.add(jj * b.cs);
            let mut p = 0;
            while p + 4 <= kc {
                let lo = transpose4([load4(col(0).add(p)), load4(col(1).add(p)), load4(col(2).add(p)), load4(col(3).add(p))]);
                let hi = transpose4([load4(col(4).add(p)), load4(col(5).add(p)), load4(col(6).add(p)), load4(col(7).add(p))]);
                for i in 0..4 {
                    store4(out.add((p + i) * NR), lo[i]);
                    store4(out.add((p + i) * NR + 4), hi[i]);
                }
                p += 4;
            }
            while p < kc {
                for jj in 0..NR {
                    *out.add(p * NR + jj) = *col(jj).add(p);
                }
                p += 1;
            }
        } else if nr == NR {
            for jj in 0..NR {
                let src = base.add(jj * b.cs);
                for p in 0..kc {
                    *out.add(p * NR + jj) = *src.add(p * b.rs);
                }
            }
        } else {
            for p in 0..kc {
                for jj in 0..NR {
                    *out.add(p * NR + jj) = if jj < nr { *base.add(p * b.rs + jj * b.cs) } else { 0.0 };
                }
            }
        }
        out = out.add(NR * kc);
        jr += NR;
    }
}

/// Rows r0..r3 in, columns out: out[i] = (r0[i], r1[i], r2[i], r3[i]).
#[inline(always)]
pub fn transpose4(r: [v128; 4]) -> [v128; 4] {
    let a = i32x4_shuffle::<0, 4, 1, 5>(r[0], r[1]);
    let b = i32x4_shuffle::<0, 4, 1, 5>(r[2], r[3]);
    let c = i32x4_shuffle::<2, 6, 3, 7>(r[0], r[1]);
    let d = i32x4_shuffle::<2, 6, 3, 7>(r[2], r[3]);
    [
        i32x4_shuffle::<0, 1, 4, 5>(a, b),
        i32x4_shuffle::<2, 3, 6, 7>(a, b),
        i32x4_shuffle::<0, 1, 4, 5>(c, d),
        i32x4_shuffle::<2, 3, 6, 7>(c, d),
    ]
}

/// The 4x8 register tile: C[0..mr, 0..nr] = alpha * Apanel * Bpanel + beta * C.
#[inline(always)]
unsafe fn micro_kernel(
    kc: usize,
    a: *const f32,
    b: *const f32,
    b_step: usize,
    c: *mut f32,
    ldc: usize,
    mr: usize,
    nr: usize,
    alpha: f32,
    beta: f32,
) {
    let mut c0l = f32x4_splat(0.0);
    let mut c0h = f32x4_splat(0.0);
    let mut c1l = f32x4_splat(0.0);
    let mut c1h = f32x4_splat(0.0);
    let mut c2l = f32x4_splat(0.0);
    let mut c2h = f32x4_splat(0.0);
    let mut c3l = f32x4_splat(0.0);
    let mut c3h = f32x4_splat(0.0);
    let mut pa = a;
    let mut pb = b;
    for _ in 0..kc {
        let bl = load4(pb);
        let bh = load4(pb.add(4));
        let a0 = v128_load32_splat(pa as *const u32);
        let a1 = v128_load32_splat(pa.add(1) as *const u32);
        let a2 = v128_load32_splat(pa.add(2) as *const u32);
        let a3 = v128_load32_splat(pa.add(3) as *const u32);
        c0l = f32x4_add(c0l, f32x4_mul(a0, bl));
        c0h = f32x4_add(c0h, f32x4_mul(a0, bh));
        c1l = f32x4_add(c1l, f32x4_mul(a1, bl));
        c1h = f32x4_add(c1h, f32x4_mul(a1, bh));
        c2l = f32x4_add(c2l, f32x4_mul(a2, bl));
        c2h = f32x4_add(c2h, f32x4_mul(a2, bh));
        c3l = f32x4_add(c3l, f32x4_mul(a3, bl));
        c3h = f32x4_add(c3h, f32x4_mul(a3, bh));
        pa = pa.add(MR);
        pb = pb.add(b_step);
    }
    let acc = [c0l, c0h, c1l, c1h, c2l, c2h, c3l, c3h];
    let va = f32x4_splat(alpha);
    if mr == MR && nr == NR {
        for i in 0..MR {
            let row = c.add(i * ldc);
            let mut lo = f32x4_mul(va, acc[2 * i]);
            let mut hi = f32x4_mul(va, acc[2 * i + 1]);
            if beta != 0.0 {
                let vb = f32x4_splat(beta);
                if beta == 1.0 {
                    lo = f32x4_add(lo, load4(row));
                    hi = f32x4_add(hi, load4(row.add(4)));
                } else {
                    lo = f32x4_add(lo, f32x4_mul(vb, load4(row)));
                    hi = f32x4_add(hi, f32x4_mul(vb, load4(row.add(4))));
                }
            }
            store4(row, lo);
            store4(row.add(4), hi);
        }
    } else {
        let mut tile = [0.0f32; MR * NR];
        for (i, v) in acc.iter().enumerate() {
            store4(tile.as_mut_ptr().add(i * 4), f32x4_mul(va, *v));
        }
        for i in 0..mr {
            let row = c.add(i * ldc);
            for j in 0..nr {
                let t = tile[i * NR + j];
                *row.add(j) = if beta == 0.0 { t } else { t + beta * *row.add(j) };
            }
        }
    }
}
