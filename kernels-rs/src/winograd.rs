//! Winograd F(2x2, 3x3) convolution (3x3 kernel, stride 1, no dilation, one group): forward,
//! backward-input and backward-weight, each as 16 gemms in the transformed domain, which
//! does 2.25x fewer multiply-adds than the direct convolution (16 per 2x2 outputs per channel
//! pair instead of 36). With the transforms (Lavin & Gray 2015)
//!   V = B^T d B  (4x4 input tile d, tiles overlapping by 2),   U = G g G^T  (3x3 kernel g),
//!   Y = A^T M A  (2x2 output tile),                             M = sum_c U[o, c] . V[c]
//! and, for the backwards, Z = A dY A^T (the 2x2 gradOutput tile), per transform index xi:
//!   forward          M_xi[o, t] = U_xi[o, c] * V_xi[c, t]
//!   backward input   N_xi[c, t] = U_xi^T[c, o] * Z_xi[o, t],  dX tile = B N B^T (overlap-added)
//!   backward weight  dU_xi[o, c] += Z_xi[o, t] * V_xi^T[t, c], dW = G^T dU G
//! The tiles t of a chunk are a few tile rows of one image, 4 tiles of a row per f32x4 (the
//! row of tiles is padded to a multiple of 4; padded tiles read zeros and are not stored).
//! The gemms are winograd_gemm.rs's unpacked register-tiled kernels.

use crate::winograd_gemm::gemm_nn;
use crate::scratch::Scratch;
use crate::simd::{load4, store4};
use core::arch::wasm32::*;

static mut SRC: Scratch = Scratch::new();
static mut GRAD: Scratch = Scratch::new();
static mut TV: Scratch = Scratch::new();
static mut TM: Scratch = Scratch::new();
static mut TU: Scratch = Scratch::new();
static mut TVT: Scratch = Scratch::new();

pub unsafe fn release() {
    SRC.release();
    GRAD.release();
    TV.release();
    TM.release();
    TU.release();
    TVT.release();
}

/// Tiles per chunk (a few tile rows): keeps V and M of a chunk near L2.
const CHUNK_TILES: usize = 64;

/// Which of the three kernels asks (their break-even points differ).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    Forward,
    BackwardInput,
    BackwardWeight,
}

/// Whether the Winograd path takes this convolution: 3x3, stride 1, no dilation, one group,
/// padding 0..2, an output of at least 2x2, and enough channels for the transforms and the
/// short gemms (K = channels) to pay. Break-even measured against conv_direct.rs, A/B in one
/// process (kernels-rs/README.md): forward and backward-input win from 16 channels on both
/// sides; backward-weight from in_c * out_c >= 16 * 32, and at 16 x 16 only on planes of 256
/// outputs or more whose rows are whole groups of 4 tiles (out_w % 8 == 0: at 8x8 outputs,
/// or 26x26 with 3 of 16 tile columns padding, direct measured faster).
#[allow(clippy::too_many_arguments)]
pub fn applies(
    pass: Pass, in_c: usize, out_c: usize, k_h: usize, k_w: usize, stride_h: usize, stride_w: usize,
    pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize, groups: usize, out_h: usize, out_w: usize,
) -> bool {
    fits(in_c, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w)
        && in_c >= 16
        && out_c >= 16
        && match pass {
            Pass::BackwardInput | Pass::Forward => true,
            Pass::BackwardWeight => in_c * out_c >= 16 * 32 || (out_h * out_w >= 256 && out_w % 8 == 0),
        }
}

/// The shapes the kernels below compute (any channel counts >= 1).
#[allow(clippy::too_many_arguments)]
pub fn fits(
    in_c: usize, out_c: usize, k_h: usize, k_w: usize, stride_h: usize, stride_w: usize, pad_h: usize, pad_w: usize,
    dil_h: usize, dil_w: usize, groups: usize, out_h: usize, out_w: usize,
) -> bool {
    k_h == 3 && k_w == 3 && stride_h == 1 && stride_w == 1 && dil_h == 1 && dil_w == 1 && groups == 1
        && pad_h <= 2 && pad_w <= 2 && out_h >= 2 && out_w >= 2 && in_c >= 1 && out_c >= 1
}

struct Geo {
    c: usize,
    h: usize,
    w: usize,
    o: usize,
    pad_t: usize,
    pad_l: usize,
    out_h: usize,
    out_w: usize,
    /// Tile rows and tiles per row (padded to a multiple of 4).
    th: usize,
    tw4: usize,
    /// Padded input planes: hs x ws.
    hs: usize,
    ws: usize,
    /// Padded gradOutput planes: (2 th) x gw.
    gw: usize,
    /// Tile rows per chunk.
    rows: usize,
}

impl Geo {
    #[allow(clippy::too_many_arguments)]
    fn new(c: usize, h: usize, w: usize, o: usize, pad_t: usize, pad_l: usize, out_h: usize, out_w: usize) -> Geo {
        let th = (out_h + 1) / 2;
        let tw4 = ((out_w + 1) / 2 + 3) / 4 * 4;
        let rows = (CHUNK_TILES / tw4).max(1).min(th);
        Geo { c, h, w, o, pad_t, pad_l, out_h, out_w, th, tw4, hs: 2 * th + 2, ws: 2 * tw4 + 4, gw: 2 * tw4, rows }
    }
    fn src_plane(&self) -> usize {
        self.hs * self.ws
    }
    fn grad_plane(&self) -> usize {
        2 * self.th * self.gw
    }
    fn chunk_tiles(&self) -> usize {
        self.rows * self.tw4
    }
    /// Floats between the transform-index planes of a chunk of `ch` channels: one cache line
    /// more than the plane, so that the 16 planes a tile transform writes (or reads) at once do
    /// not all map to one L1 set (ch x 64 tiles x 4 bytes is a multiple of 4 KB at 16 channels).
    fn xi_stride(&self, ch: usize) -> usize {
        ch * self.chunk_tiles() + 16
    }
}

/// Zero-padded copy of `ch` planes h x w at (pad_t, pad_l) in planes of ph x pw.
pub(crate) unsafe fn pad_into(src: *const f32, ch: usize, h: usize, w: usize, pad_t: usize, pad_l: usize, ph: usize, pw: usize, dst: *mut f32) {
    crate::elementwise::fill_raw(dst, ch * ph * pw + 16, 0.0);
    for c in 0..ch {
        for y in 0..h {
            let s = src.add((c * h + y) * w);
            let d = dst.add(c * ph * pw + (y + pad_t) * pw + pad_l);
            core::ptr::copy_nonoverlapping(s, d, w);
        }
    }
}

/// U[xi][o][c] = (G g G^T)[xi] for every kernel g = weight[o, c] (3x3).
unsafe fn transform_weights(weight: *const f32, o_n: usize, c_n: usize, u: *mut f32) {
    let oc = o_n * c_n;
    for o in 0..o_n {
        for c in 0..c_n {
            let g = weight.add((o * c_n + c) * 9);
            // Rows: G g (4 x 3).
            let mut r = [[0.0f32; 3]; 4];
            for j in 0..3 {
                let (g0, g1, g2) = (*g.add(j), *g.add(3 + j), *g.add(6 + j));
                r[0][j] = g0;
                r[1][j] = 0.5 * (g0 + g1 + g2);
                r[2][j] = 0.5 * (g0 - g1 + g2);
                r[3][j] = g2;
            }
            for (i, row) in r.iter().enumerate() {
                let (g0, g1, g2) = (row[0], row[1], row[2]);
                let vals = [g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2];
                for (j, v) in vals.iter().enumerate() {
                    *u.add((4 * i + j) * oc + o * c_n + c) = *v;
                }
            }
        }
    }
}

/// V[xi][c][t] = (B^T d B)[xi] for the tiles of tile rows ty0.. of one padded image.
unsafe fn transform_input(g: &Geo, src: *const f32, ty0: usize, rows: usize, v: *mut f32) {
    let tc = g.chunk_tiles();
    let stride_xi = g.xi_stride(g.c);
    for c in 0..g.c {
        let plane = src.add(c * g.src_plane());
        for r in 0..rows {
            for tx0 in (0..g.tw4).step_by(4) {
                let base = plane.add(2 * (ty0 + r) * g.ws + 2 * tx0);
                let mut d = [[f32x4_splat(0.0); 4]; 4];
                for (i, di) in d.iter_mut().enumerate() {
                    let row = base.add(i * g.ws);
                    let (a, b, cc) = (load4(row), load4(row.add(4)), load4(row.add(8)));
                    let even = i32x4_shuffle::<0, 2, 4, 6>(a, b);
                    let odd = i32x4_shuffle::<1, 3, 5, 7>(a, b);
                    *di = [even, odd, i32x4_shuffle::<1, 2, 3, 4>(even, cc), i32x4_shuffle::<1, 2, 3, 5>(odd, cc)];
                }
                let mut t = [[f32x4_splat(0.0); 4]; 4];
                for j in 0..4 {
                    t[0][j] = f32x4_sub(d[0][j], d[2][j]);
                    t[1][j] = f32x4_add(d[1][j], d[2][j]);
                    t[2][j] = f32x4_sub(d[2][j], d[1][j]);
                    t[3][j] = f32x4_sub(d[1][j], d[3][j]);
                }
                let at = v.add(c * tc + r * g.tw4 + tx0);
                for (i, ti) in t.iter().enumerate() {
                    let vals = [f32x4_sub(ti[0], ti[2]), f32x4_add(ti[1], ti[2]), f32x4_sub(ti[2], ti[1]), f32x4_sub(ti[1], ti[3])];
                    for (j, x) in vals.iter().enumerate() {
                        store4(at.add((4 * i + j) * stride_xi), *x);
                    }
                }
            }
        }
    }
}

/// Z[xi][o][t] = (A dY A^T)[xi] for the tiles of tile rows ty0.. of one padded gradOutput.
unsafe fn transform_grad_output(g: &Geo, go: *const f32, ty0: usize, rows: usize, z: *mut f32) {
    let tc = g.chunk_tiles();
    let stride_xi = g.xi_stride(g.o);
    for o in 0..g.o {
        let plane = go.add(o * g.grad_plane());
        for r in 0..rows {
            for tx0 in (0..g.tw4).step_by(4) {
                let base = plane.add(2 * (ty0 + r) * g.gw + 2 * tx0);
                let mut y = [[f32x4_splat(0.0); 2]; 2];
                for (a, ya) in y.iter_mut().enumerate() {
                    let row = base.add(a * g.gw);
                    let (lo, hi) = (load4(row), load4(row.add(4)));
                    *ya = [i32x4_shuffle::<0, 2, 4, 6>(lo, hi), i32x4_shuffle::<1, 3, 5, 7>(lo, hi)];
                }
                // Rows: A y (4 x 2).
                let r4 = [
                    y[0],
                    [f32x4_add(y[0][0], y[1][0]), f32x4_add(y[0][1], y[1][1])],
                    [f32x4_sub(y[0][0], y[1][0]), f32x4_sub(y[0][1], y[1][1])],
                    [f32x4_neg(y[1][0]), f32x4_neg(y[1][1])],
                ];
                let at = z.add(o * tc + r * g.tw4 + tx0);
                for (i, ri) in r4.iter().enumerate() {
                    let vals = [ri[0], f32x4_add(ri[0], ri[1]), f32x4_sub(ri[0], ri[1]), f32x4_neg(ri[1])];
                    for (j, x) in vals.iter().enumerate() {
                        store4(at.add((4 * i + j) * stride_xi), *x);
                    }
                }
            }
        }
    }
}

#[inline(always)]
unsafe fn load16(p: *const f32, stride: usize) -> [[v128; 4]; 4] {
    let mut m = [[f32x4_splat(0.0); 4]; 4];
    for (i, mi) in m.iter_mut().enumerate() {
        for (j, x) in mi.iter_mut().enumerate() {
            *x = load4(p.add((4 * i + j) * stride));
        }
    }
    m
}

/// Stores the lanes of an interleaved output row (8 values from x0) that fall before out_w.
#[inline(always)]
unsafe fn store_row8(row: *mut f32, x0: usize, out_w: usize, lo: v128, hi: v128) {
    if x0 + 8 <= out_w {
        store4(row.add(x0), lo);
        store4(row.add(x0 + 4), hi);
    } else {
        let mut t = [0.0f32; 8];
        store4(t.as_mut_ptr(), lo);
        store4(t.as_mut_ptr().add(4), hi);
        for (i, x) in t.iter().enumerate().take(out_w.saturating_sub(x0)) {
            *row.add(x0 + i) = *x;
        }
    }
}

/// out[o] tiles of tile rows ty0.. = A^T M A (+ bias), cropped to out_h x out_w.
unsafe fn transform_output(g: &Geo, m: *const f32, ty0: usize, rows: usize, bias: *const f32, out: *mut f32) {
    let tc = g.chunk_tiles();
    let stride_xi = g.xi_stride(g.o);
    for o in 0..g.o {
        let vb = f32x4_splat(if bias.is_null() { 0.0 } else { *bias.add(o) });
        let plane = out.add(o * g.out_h * g.out_w);
        for r in 0..rows {
            let y = 2 * (ty0 + r);
            if y >= g.out_h {
                break;
            }
            for tx0 in (0..g.tw4).step_by(4) {
                let x0 = 2 * tx0;
                if x0 >= g.out_w {
                    break;
                }
                let mm = load16(m.add(o * tc + r * g.tw4 + tx0), stride_xi);
                let mut s = [[f32x4_splat(0.0); 4]; 2];
                for j in 0..4 {
                    s[0][j] = f32x4_add(f32x4_add(mm[0][j], mm[1][j]), mm[2][j]);
                    s[1][j] = f32x4_sub(f32x4_sub(mm[1][j], mm[2][j]), mm[3][j]);
                }
                for (a, sa) in s.iter().enumerate() {
                    if y + a >= g.out_h {
                        break;
                    }
                    let y0 = f32x4_add(f32x4_add(f32x4_add(sa[0], sa[1]), sa[2]), vb);
                    let y1 = f32x4_add(f32x4_sub(f32x4_sub(sa[1], sa[2]), sa[3]), vb);
                    let lo = i32x4_shuffle::<0, 4, 1, 5>(y0, y1);
                    let hi = i32x4_shuffle::<2, 6, 3, 7>(y0, y1);
                    store_row8(plane.add((y + a) * g.out_w), x0, g.out_w, lo, hi);
                }
            }
        }
    }
}

/// Adds B N B^T of the chunk's tiles into the padded gradInput planes. Tiles overlap by 2
/// columns: a tile's last two columns (e2, e3) land on the next tile's first two, so they are
/// shifted one tile along (carried across groups of 4 tiles) and both contributions are added
/// in registers before one aligned read-modify-write per 4 columns. (Overlapping f32x4
/// read-modify-writes made each load straddle two pending stores, a store-forwarding stall that
/// left this pass ~2x slower than the forward at 16 channels.) Each column still receives its
/// two terms in the order of those overlapping writes (the previous tile's e2 first at a
/// group's first column pair, e0 first elsewhere), so results are bit for bit as before.
unsafe fn transform_grad_input(g: &Geo, n: *const f32, ty0: usize, rows: usize, gi: *mut f32) {
    let tc = g.chunk_tiles();
    let stride_xi = g.xi_stride(g.c);
    let zero = f32x4_splat(0.0);
    for c in 0..g.c {
        let plane = gi.add(c * g.src_plane());
        for r in 0..rows {
            let base = plane.add(2 * (ty0 + r) * g.ws);
            // Per tile row a: the previous group's (e2, e3) columns, interleaved, of its last 2 tiles.
            let mut carry = [zero; 4];
            for tx0 in (0..g.tw4).step_by(4) {
                let nn = load16(n.add(c * tc + r * g.tw4 + tx0), stride_xi);
                let mut t = [[zero; 4]; 4];
                for j in 0..4 {
                    t[0][j] = nn[0][j];
                    t[1][j] = f32x4_add(f32x4_sub(nn[1][j], nn[2][j]), nn[3][j]);
                    t[2][j] = f32x4_add(f32x4_sub(nn[1][j], nn[0][j]), nn[2][j]);
                    t[3][j] = f32x4_neg(nn[3][j]);
                }
                for (a, ta) in t.iter().enumerate() {
                    let e0 = ta[0];
                    let e1 = f32x4_add(f32x4_sub(ta[1], ta[2]), ta[3]);
                    let e2 = f32x4_add(f32x4_sub(ta[1], ta[0]), ta[2]);
                    let e3 = f32x4_neg(ta[3]);
                    // Columns 0..8 of the group: (e0, e1) per tile, (e2, e3) one tile along.
                    let (e01_lo, e01_hi) = (i32x4_shuffle::<0, 4, 1, 5>(e0, e1), i32x4_shuffle::<2, 6, 3, 7>(e0, e1));
                    let (e23_lo, e23_hi) = (i32x4_shuffle::<0, 4, 1, 5>(e2, e3), i32x4_shuffle::<2, 6, 3, 7>(e2, e3));
                    let sh_lo = i32x4_shuffle::<2, 3, 4, 5>(carry[a], e23_lo);
                    let sh_hi = i32x4_shuffle::<2, 3, 4, 5>(e23_lo, e23_hi);
                    carry[a] = e23_hi;
                    let row = base.add(a * g.ws + 2 * tx0);
                    let first = i32x4_shuffle::<0, 1, 6, 7>(sh_lo, e01_lo);
                    let second = i32x4_shuffle::<4, 5, 2, 3>(sh_lo, e01_lo);
                    store4(row, f32x4_add(f32x4_add(load4(row), first), second));
                    store4(row.add(4), f32x4_add(f32x4_add(load4(row.add(4)), e01_hi), sh_hi));
                }
            }
            // The last tile's e2, e3 (columns 2 tw4 and 2 tw4 + 1; ws = 2 tw4 + 4).
            for (a, ca) in carry.iter().enumerate() {
                let row = base.add(a * g.ws + 2 * g.tw4);
                *row += f32x4_extract_lane::<2>(*ca);
                *row.add(1) += f32x4_extract_lane::<3>(*ca);
            }
        }
    }
}

/// Tile rows [ty0, ty0 + rows) for each chunk of the image.
fn chunks(g: &Geo) -> impl Iterator<Item = (usize, usize)> {
    let (th, step) = (g.th, g.rows);
    (0..th).step_by(step).map(move |ty0| (ty0, step.min(th - ty0)))
}

#[allow(clippy::too_many_arguments)]
pub unsafe fn forward(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize,
    out_h: usize, out_w: usize, input: *const f32, weight: *const f32, bias: *const f32, output: *mut f32,
) {
    let g = Geo::new(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let tc = g.chunk_tiles();
    let u = TU.get(16 * g.o * g.c);
    transform_weights(weight, g.o, g.c, u);
    let src = SRC.get(g.c * g.src_plane() + 16);
    let v = TV.get(16 * g.xi_stride(g.c));
    let m = TM.get(16 * g.xi_stride(g.o));
    for n in 0..batch {
        pad_into(input.add(n * g.c * g.h * g.w), g.c, g.h, g.w, g.pad_t, g.pad_l, g.hs, g.ws, src);
        let out = output.add(n * g.o * g.out_h * g.out_w);
        for (ty0, rows) in chunks(&g) {
            transform_input(&g, src, ty0, rows, v);
            for xi in 0..16 {
                gemm_nn(g.o, rows * g.tw4, g.c, u.add(xi * g.o * g.c), g.c, v.add(xi * g.xi_stride(g.c)), tc, m.add(xi * g.xi_stride(g.o)), tc, false);
            }
            transform_output(&g, m, ty0, rows, bias, out);
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe fn backward_input(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize,
    out_h: usize, out_w: usize, grad_output: *const f32, weight: *const f32, grad_input: *mut f32,
) {
    let g = Geo::new(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let tc = g.chunk_tiles();
    let u = TU.get(2 * 16 * g.o * g.c);
    transform_weights(weight, g.o, g.c, u);
    // U_xi^T [c][o], the A operand of the backward gemms.
    let ut = u.add(16 * g.o * g.c);
    for xi in 0..16 {
        let (s, d) = (u.add(xi * g.o * g.c), ut.add(xi * g.o * g.c));
        for o in 0..g.o {
            for c in 0..g.c {
                *d.add(c * g.o + o) = *s.add(o * g.c + c);
            }
        }
    }
    let gi = SRC.get(g.c * g.src_plane() + 16);
    let go = GRAD.get(g.o * g.grad_plane() + 16);
    let z = TM.get(16 * g.xi_stride(g.o));
    let nt = TV.get(16 * g.xi_stride(g.c));
    for n in 0..batch {
        pad_into(grad_output.add(n * g.o * g.out_h * g.out_w), g.o, g.out_h, g.out_w, 0, 0, 2 * g.th, g.gw, go);
        crate::elementwise::fill_raw(gi, g.c * g.src_plane() + 16, 0.0);
        for (ty0, rows) in chunks(&g) {
            transform_grad_output(&g, go, ty0, rows, z);
            for xi in 0..16 {
                gemm_nn(g.c, rows * g.tw4, g.o, ut.add(xi * g.o * g.c), g.o, z.add(xi * g.xi_stride(g.o)), tc, nt.add(xi * g.xi_stride(g.c)), tc, false);
            }
            transform_grad_input(&g, nt, ty0, rows, gi);
        }
        // Crop the padded planes into gradInput.
        let dst = grad_input.add(n * g.c * g.h * g.w);
        for c in 0..g.c {
            for y in 0..g.h {
                let s = gi.add(c * g.src_plane() + (y + g.pad_t) * g.ws + g.pad_l);
                core::ptr::copy_nonoverlapping(s, dst.add((c * g.h + y) * g.w), g.w);
            }
        }
    }
}

/// vt[t][c] = v[c][t] for t < tiles (a multiple of 4), c < c4 (rows c >= c_n read as zeros).
pub(crate) unsafe fn transpose_chunk(v: *const f32, c_n: usize, tc: usize, tiles: usize, c4: usize, vt: *mut f32) {
    let zero = f32x4_splat(0.0);
    for c0 in (0..c4).step_by(4) {
        for t0 in (0..tiles).step_by(4) {
            let mut r = [zero; 4];
            for (i, x) in r.iter_mut().enumerate() {
                if c0 + i < c_n {
                    *x = load4(v.add((c0 + i) * tc + t0));
                }
            }
            for (j, col) in crate::gemm::transpose4(r).iter().enumerate() {
                store4(vt.add((t0 + j) * c4 + c0), *col);
            }
        }
    }
}

/// Adds the weight gradient into grad_weight (zeroed by the caller). Per chunk and transform
/// index, dU[o][c] += Z[o][t] V[c][t]^T runs as an nn gemm over V transposed to [t][c] (rows of
/// c padded to a multiple of 4), so that K = tiles is the inner loop of a register tile.
#[allow(clippy::too_many_arguments)]
pub unsafe fn backward_weight(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize,
    out_h: usize, out_w: usize, input: *const f32, grad_output: *const f32, grad_weight: *mut f32,
) {
    let g = Geo::new(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let tc = g.chunk_tiles();
    let c4 = (g.c + 3) / 4 * 4;
    let oc = g.o * c4;
    let du = TU.get(16 * oc);
    crate::elementwise::fill_raw(du, 16 * oc, 0.0);
    let src = SRC.get(g.c * g.src_plane() + 16);
    let go = GRAD.get(g.o * g.grad_plane() + 16);
    let v = TV.get(16 * g.xi_stride(g.c));
    let z = TM.get(16 * g.xi_stride(g.o));
    let vt = TVT.get(tc * c4);
    for n in 0..batch {
        pad_into(input.add(n * g.c * g.h * g.w), g.c, g.h, g.w, g.pad_t, g.pad_l, g.hs, g.ws, src);
        pad_into(grad_output.add(n * g.o * g.out_h * g.out_w), g.o, g.out_h, g.out_w, 0, 0, 2 * g.th, g.gw, go);
        for (ty0, rows) in chunks(&g) {
            transform_input(&g, src, ty0, rows, v);
            transform_grad_output(&g, go, ty0, rows, z);
            let tiles = rows * g.tw4;
            for xi in 0..16 {
                transpose_chunk(v.add(xi * g.xi_stride(g.c)), g.c, tc, tiles, c4, vt);
                gemm_nn(g.o, c4, tiles, z.add(xi * g.xi_stride(g.o)), tc, vt, c4, du.add(xi * oc), c4, true);
            }
        }
    }
    // dW = G^T dU G per (o, c).
    for o in 0..g.o {
        for c in 0..g.c {
            let x = |i: usize, j: usize| *du.add((4 * i + j) * oc + o * c4 + c);
            let mut r = [[0.0f32; 4]; 3];
            for j in 0..4 {
                let (x0, x1, x2, x3) = (x(0, j), x(1, j), x(2, j), x(3, j));
                r[0][j] = x0 + 0.5 * (x1 + x2);
                r[1][j] = 0.5 * (x1 - x2);
                r[2][j] = 0.5 * (x1 + x2) + x3;
            }
            let dst = grad_weight.add((o * g.c + c) * 9);
            for (a, ra) in r.iter().enumerate() {
                let vals = [ra[0] + 0.5 * (ra[1] + ra[2]), 0.5 * (ra[1] - ra[2]), 0.5 * (ra[1] + ra[2]) + ra[3]];
                for (b, val) in vals.iter().enumerate() {
                    *dst.add(3 * a + b) += *val;
                }
            }
        }
    }
}
