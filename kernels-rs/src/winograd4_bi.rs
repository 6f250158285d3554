//! Winograd F(4x4, 3x3) backward-input (3x3 kernel, stride 1, no dilation, one group, padding
//! 0..2) as the transpose of winograd4.rs's forward, like winograd.rs's F(2x2) backward-input:
//! per transform index xi, N_xi[c, t] = U_xi^T[c, o] * Z_xi[o, t] with Z = A dY A^T over the
//! forward's 4x4 output tiles (winograd4_bw.rs's transform), and each tile's 6x6 block of the
//! padded gradInput gets B N B^T, tiles overlapping by 2. (Not the forward over gradOutput
//! padded by 2 with flipped kernels, whose error is relative to tiles that straddle the padding:
//! here a row or column of gradInput at the image's edge is a sum over that edge's terms only,
//! since B's first and last rows pick N's first and last rows, which see only dY's and the
//! kernel's first and last rows.)

use crate::elementwise::fill_raw;
use crate::gemm::transpose4;
use crate::simd::{load4, store4};
use crate::scratch::Scratch;
use crate::winograd4::{transform_weights, Geo, TM, TU};
use crate::winograd4_bw::{for_each_grad_output_chunk, grad_output_images, grad_output_layout};
use crate::winograd_gemm::gemm_nn;
use core::arch::wasm32::*;

/// Tiles per chunk, as the forward's: N and Z of a chunk stay in L2.
const CHUNK_TILES: usize = 64;

/// N of a chunk and the padded gradInput planes, in buffers of their own: winograd4_bw.rs's
/// backward_input_weight holds V (TV) and the padded input (SRC) beside them.
static mut NB: Scratch = Scratch::new();
static mut GI: Scratch = Scratch::new();

pub unsafe fn release() {
    NB.release();
    GI.release();
}

/// B n for the 6 values of a transformed column or row (B^T is bt6's matrix).
#[inline(always)]
fn b6(n: [v128; 6]) -> [v128; 6] {
    let two = f32x4_splat(2.0);
    let four = f32x4_splat(4.0);
    let five = f32x4_splat(5.0);
    let s12 = f32x4_add(n[1], n[2]);
    let d12 = f32x4_sub(n[1], n[2]);
    let s34 = f32x4_add(n[3], n[4]);
    let d34 = f32x4_sub(n[3], n[4]);
    [
        f32x4_mul(four, n[0]),
        f32x4_sub(f32x4_mul(four, f32x4_sub(n[5], d12)), f32x4_mul(two, d34)),
        f32x4_sub(f32x4_neg(f32x4_add(f32x4_mul(five, n[0]), f32x4_mul(four, s12))), s34),
        f32x4_sub(f32x4_add(d12, f32x4_mul(two, d34)), f32x4_mul(five, n[5])),
        f32x4_add(f32x4_add(n[0], s12), s34),
        n[5],
    ]
}

/// Adds B N B^T of tiles q0..q0 + count into the gradInput planes hs x ws (padded, or in place). A tile's
/// columns 0-3 and the previous tile's columns 4-5 (when it is the tile just left of it) are
/// added in registers, so every read-modify-write covers 4 aligned-apart columns that no other
/// pending store overlaps (overlapping ones stall on store forwarding, see winograd.rs).
unsafe fn transform_grad_input(g: &Geo, nb: *const f32, q0: usize, end: usize, count: usize, gi: *mut f32) {
    let tc = g.chunk_tiles();
    let stride_xi = g.v_stride();
    let zero = f32x4_splat(0.0);
    for c in 0..g.c {
        let plane = gi.add(c * g.src_plane());
        // Per tile row a of the pending tile: its columns 4, 5 (lanes 0, 1), at `pending`.
        let mut carry = [zero; 6];
        let mut pending: Option<usize> = None;
        for t0 in (0..count).step_by(4) {
            let (at_tile, live) = g.group(q0 + t0, end, g.ws, g.c * g.src_plane());
            // Whether each tile starts a tile row (nothing to carry into it).
            let row_start: [bool; 4] = core::array::from_fn(|l| g.tile_origin(q0 + t0 + l).1 == 0);
            let at = nb.add(c * tc + t0);
            let mut s = [[zero; 6]; 6];
            for (i, si) in s.iter_mut().enumerate() {
                let p = at.add(6 * i * stride_xi);
                *si = b6([
                    load4(p), load4(p.add(stride_xi)), load4(p.add(2 * stride_xi)),
                    load4(p.add(3 * stride_xi)), load4(p.add(4 * stride_xi)), load4(p.add(5 * stride_xi)),
                ]);
            }
            // cols[j][a]: B down column j of s, row a of the 4 tiles' gradInput blocks.
            let mut cols = [[zero; 6]; 6];
            for (j, cj) in cols.iter_mut().enumerate() {
                *cj = b6([s[0][j], s[1][j], s[2][j], s[3][j], s[4][j], s[5][j]]);
            }
            let mut heads = [[zero; 4]; 6];
            let mut tails = [[zero; 4]; 6];
            for a in 0..6 {
                heads[a] = transpose4([cols[0][a], cols[1][a], cols[2][a], cols[3][a]]);
                tails[a] = transpose4([cols[4][a], cols[5][a], zero, zero]);
            }
            for l in 0..live {
                let q = q0 + t0 + l;
                let adjacent = !row_start[l] && pending == Some(q - 1);
                if !adjacent {
                    flush(g, plane, pending, &carry);
                }
                let base = plane.add(at_tile[l]);
                for a in 0..6 {
                    let row = base.add(a * g.ws);
                    let mut x = f32x4_add(load4(row), heads[a][l]);
                    if adjacent {
                        x = f32x4_add(x, carry[a]);
                    }
                    store4(row, x);
                    carry[a] = tails[a][l];
                }
                pending = Some(q);
            }
        }
        flush(g, plane, pending, &carry);
    }
}

/// Adds the carried columns 4, 5 of tile `pending` into its plane.
#[inline(always)]
unsafe fn flush(g: &Geo, plane: *mut f32, pending: Option<usize>, carry: &[v128; 6]) {
    if let Some(q) = pending {
        let (y0, x0) = g.tile_origin(q);
        let base = plane.add((q / g.tiles()) * g.c * g.src_plane() + y0 * g.ws + x0 + 4);
        if x0 + 8 > g.ws {
            // The last tile of an in-place row: its columns 4, 5 end the row; the next two
            // floats are the next row's (or another image's, perhaps another thread's).
            for (a, ca) in carry.iter().enumerate() {
                let row = base.add(a * g.ws);
                let x = f32x4_add(v128_load64_zero(row as *const u64), *ca);
                v128_store64_lane::<0>(x, row as *mut u64);
            }
            return;
        }
        for (a, ca) in carry.iter().enumerate() {
            let row = base.add(a * g.ws);
            store4(row, f32x4_add(load4(row), *ca));
        }
    }
}

/// The geometry backward-input runs with: one image per chunk (chunks of 4 ResNet 16x16 images,
/// 64 tiles, measured 1.07x the time of one image's 16 tiles: Z and N of a chunk past L2,
/// presumably).
pub(crate) fn geo(in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize, out_h: usize, out_w: usize) -> Geo {
    Geo::new(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w).with_chunk(CHUNK_TILES).one_image_per_chunk()
}

/// Backward-input's state between chunks: the transposed transformed kernels, N's buffer, and
/// the padded gradInput planes unless it is written in place.
pub(crate) struct GradInput {
    ut: *mut f32,
    nb: *mut f32,
    padded: *mut f32,
    grad_input: *mut f32,
}

impl GradInput {
    /// U_xi^T [c][o] of `weight`, the A operand of the gemms.
    pub(crate) unsafe fn new(g: &Geo, weight: *const f32, grad_input: *mut f32) -> GradInput {
        let oc = g.o * g.c;
        let u = TU.get(2 * 36 * oc);
        transform_weights(weight, g.o, g.c, u);
        let ut = u.add(36 * oc);
        for xi in 0..36 {
            let (s, d) = (u.add(xi * oc), ut.add(xi * oc));
            for o in 0..g.o {
                for c in 0..g.c {
                    *d.add(c * g.o + o) = *s.add(o * g.c + c);
                }
            }
        }
        // In place: the tiles' blocks are added straight into gradInput (no padded copy to crop).
        let padded = if g.in_place { core::ptr::null_mut() } else { GI.get(g.imgs() * g.c * g.src_plane() + 16) };
        GradInput { ut, nb: NB.get(36 * g.v_stride()), padded, grad_input }
    }

    /// The zeroed planes images n0..n0 + k are summed into.
    pub(crate) unsafe fn begin(&self, g: &Geo, n0: usize, k: usize) -> *mut f32 {
        let img = g.c * g.src_plane();
        let gi = if g.in_place { self.grad_input.add(n0 * img) } else { self.padded };
        fill_raw(gi, k * img + if g.in_place { 0 } else { 16 }, 0.0);
        gi
    }

    /// Adds the tiles q0..q0 + count of a chunk whose Z (transform_grad_output) is at `z`.
    pub(crate) unsafe fn chunk(&self, g: &Geo, z: *const f32, q0: usize, end: usize, count: usize, gi: *mut f32) {
        let (tc, oc, vs, zs) = (g.chunk_tiles(), g.o * g.c, g.v_stride(), g.m_stride());
        for xi in 0..36 {
            gemm_nn(g.c, count, g.o, self.ut.add(xi * oc), g.o, z.add(xi * zs), tc, self.nb.add(xi * vs), tc, false);
        }
        transform_grad_input(g, self.nb, q0, end, count, gi);
    }

    /// Crops images n0..n0 + k's padded planes into gradInput (nothing to do in place).
    pub(crate) unsafe fn end(&self, g: &Geo, n0: usize, k: usize) {
        if g.in_place {
            return;
        }
        let img = g.c * g.src_plane();
        for i in 0..k {
            let dst = self.grad_input.add((n0 + i) * g.c * g.h * g.w);
            for c in 0..g.c {
                for y in 0..g.h {
                    let s = self.padded.add(i * img + c * g.src_plane() + (y + g.pad_t) * g.ws + g.pad_l);
                    core::ptr::copy_nonoverlapping(s, dst.add((c * g.h + y) * g.w), g.w);
                }
            }
        }
    }
}

/// gradInput of the convolution (weight [out_c][in_c][3][3]), overwritten.
#[allow(clippy::too_many_arguments)]
pub unsafe fn backward_input(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize,
    out_h: usize, out_w: usize, grad_output: *const f32, weight: *const f32, grad_input: *mut f32,
) {
    let g = geo(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let tc = g.chunk_tiles();
    let gin = GradInput::new(&g, weight, grad_input);
    let z = TM.get(36 * g.m_stride());
    let (row, plane) = grad_output_layout(&g);
    for (n0, k, end) in g.image_groups(batch) {
        let gy = grad_output_images(&g, grad_output, n0, k);
        let gi = gin.begin(&g, n0, k);
        for_each_grad_output_chunk(&g, gy, row, plane, tc, end, z, |q0, count| gin.chunk(&g, z, q0, end, count, gi));
        gin.end(&g, n0, k);
    }
}
