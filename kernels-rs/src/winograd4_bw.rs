//! Winograd F(4x4, 3x3) backward-weight (3x3 kernel, stride 1, no dilation, one group, padding
//! 0..2): the forward's 6x6 input tiles (winograd4.rs) against 4x4 gradOutput tiles, 36 gemms
//! per chunk of tiles, 2.25 multiply-adds per output position and channel pair (F(2x2, 3x3):
//! 4). From Y = A^T [(G g G^T) . (B^T d B)] A, the kernel's gradient is
//!   dg = G^T [ sum over tiles (A dY A^T) . (B^T d B) ] G,
//! so per transform index xi: dU_xi[o, c] += Z_xi[o, t] * V_xi[c, t]^T with Z = A dY A^T, run
//! as winograd_gemm.rs's nn kernel over V transposed to [t][c] (as winograd.rs's
//! backward-weight), and dW = G^T dU G at the end, in float64. The error of a tile's product is
//! relative to that tile's magnitude, but a weight gradient sums every tile of the batch, and
//! the kernel sweeps check it against the reference on every forced shape.

use crate::gemm::transpose4;
use crate::scratch::Scratch;
use crate::simd::{load4, store4};
use crate::winograd::{pad_into, transpose_chunk};
use crate::winograd4::{transform_input, Geo, G, TM, TV};
use crate::winograd4_bi;
use crate::winograd_gemm::gemm_nn_add_f64;
use core::arch::wasm32::*;

static mut GO: Scratch = Scratch::new();
static mut VT: Scratch = Scratch::new();
static mut DU64: Scratch = Scratch::new();

pub unsafe fn release() {
    GO.release();
    VT.release();
    DU64.release();
}

/// Tiles per chunk: the gemms' reduction length (a chunk never spans two images).
const CHUNK_TILES: usize = 64;

/// A y for the 4 values of a gradOutput tile column or row (A^T is at4's matrix).
#[inline(always)]
fn a6(y: [v128; 4]) -> [v128; 6] {
    let s02 = f32x4_add(y[0], y[2]);
    let s13 = f32x4_add(y[1], y[3]);
    let f02 = f32x4_add(y[0], f32x4_mul(f32x4_splat(4.0), y[2]));
    let f13 = f32x4_add(f32x4_add(y[1], y[1]), f32x4_mul(f32x4_splat(8.0), y[3]));
    [y[0], f32x4_add(s02, s13), f32x4_sub(s02, s13), f32x4_add(f02, f13), f32x4_sub(f02, f13), y[3]]
}

/// Z[xi][o][t] = (A dY A^T)[xi] for tiles q0..q0 + count (a multiple of 4; tiles < end exist)
/// of the gradOutput images at `gy`, whose planes are `plane` floats apart with rows `row` long
/// (4 x 4 tiles inside them; grad_output_images); lanes past the last tile are zero, so they
/// add nothing.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn transform_grad_output(
    g: &Geo, gy: *const f32, row: usize, plane: usize, q0: usize, end: usize, count: usize, z: *mut f32,
) {
    let tc = g.chunk_tiles();
    let stride_xi = g.m_stride();
    let zero = f32x4_splat(0.0);
    for t0 in (0..count).step_by(4) {
        let (at_tile, live) = g.group(q0 + t0, end, row, g.o * plane);
        let lane = |l: usize| if l < live { -1i32 } else { 0 };
        let mask = i32x4(lane(0), lane(1), lane(2), lane(3));
        for o in 0..g.o {
            let p = gy.add(o * plane);
            let mut r = [[zero; 6]; 4];
            for (i, ri) in r.iter_mut().enumerate() {
                let mut a = [zero; 4];
                for (l, x) in a.iter_mut().enumerate() {
                    *x = load4(p.add(at_tile[l] + i * row));
                }
                let c = transpose4(a);
                *ri = a6([v128_and(c[0], mask), v128_and(c[1], mask), v128_and(c[2], mask), v128_and(c[3], mask)]);
            }
            let at = z.add(o * tc + t0);
            for k in 0..6 {
                let col = a6([r[0][k], r[1][k], r[2][k], r[3][k]]);
                for (i, x) in col.iter().enumerate() {
                    store4(at.add((6 * i + k) * stride_xi), *x);
                }
            }
        }
    }
}

/// The chunks of one image group's tiles [0, end), each `count` tiles from `q0` (a multiple of
/// 4, at most `tc`): transforms the chunk's gradOutput into `z` (Z = A dY A^T), then runs
/// `each(q0, count)` on it. Backward-input, backward-weight and the fused pass share this loop.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn for_each_grad_output_chunk(
    g: &Geo, gy: *const f32, row: usize, plane: usize, tc: usize, end: usize, z: *mut f32, mut each: impl FnMut(usize, usize),
) {
    let mut q0 = 0;
    while q0 < end {
        let count = tc.min((end - q0 + 3) / 4 * 4);
        transform_grad_output(g, gy, row, plane, q0, end, count, z);
        each(q0, count);
        q0 += count;
    }
}

/// gradOutput is read in place when its planes are whole 4x4 tiles, else from a zero-padded
/// copy: (row length, plane size) of the planes the tiles are read from.
pub(crate) fn grad_output_layout(g: &Geo) -> (usize, usize) {
    if g.out_h % 4 == 0 && g.out_w % 4 == 0 {
        (g.out_w, g.out_h * g.out_w)
    } else {
        (4 * g.tw, 16 * g.th * g.tw)
    }
}

/// Images n0..n0 + k of gradOutput in grad_output_layout's planes.
pub(crate) unsafe fn grad_output_images(g: &Geo, grad_output: *const f32, n0: usize, k: usize) -> *const f32 {
    let img = g.o * g.out_h * g.out_w;
    let (row, plane) = grad_output_layout(g);
    if row == g.out_w && plane == g.out_h * g.out_w {
        return grad_output.add(n0 * img);
    }
    let go = GO.get(g.imgs() * g.o * plane + 16);
    for i in 0..k {
        pad_into(grad_output.add((n0 + i) * img), g.o, g.out_h, g.out_w, 0, 0, 4 * g.th, row, go.add(i * g.o * plane));
    }
    go
}

/// The geometry backward-weight runs with (chunks of up to 64 tiles, several small images each).
fn geo(in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize, out_h: usize, out_w: usize) -> Geo {
    Geo::new(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w).with_chunk(CHUNK_TILES)
}

/// Backward-weight's state between chunks: the float64 sums of dU, V and its transpose.
struct GradWeight {
    du64: *mut f64,
    v: *mut f32,
    vt: *mut f32,
    c4: usize,
}

impl GradWeight {
    unsafe fn new(g: &Geo) -> GradWeight {
        let c4 = (g.c + 3) / 4 * 4;
        let oc = g.o * c4;
        // Each chunk's dU (36 gemms over its tiles, float32) is added into float64 sums (in the
        // gemms' epilogue, gemm_nn_add_f64: ~0.97x the time of storing it and adding it after): the
        // transformed values are up to ~1000x the gradient (A's 8s, B's 4s and 5s) and G^T dU G
        // cancels most of that, so one float32 running sum over the batch left a gradient ~6e-6 of
        // its largest value away from another summation order (1 vs 2 threads), and three lr-1
        // Adadelta steps of the mnist Net amplified that to 5e-4 (test/parallel.nll.test.ts).
        let du64 = DU64.get(2 * 36 * oc) as *mut f64;
        for e in 0..36 * oc {
            *du64.add(e) = 0.0;
        }
        GradWeight { du64, v: TV.get(36 * g.v_stride()), vt: VT.get(g.chunk_tiles() * c4), c4 }
    }

    /// Adds the tiles q0..q0 + count of the input images at `src` (pad_images) against the
    /// chunk's Z (transform_grad_output) at `z`.
    unsafe fn chunk(&self, g: &Geo, src: *const f32, z: *const f32, q0: usize, end: usize, count: usize) {
        let (tc, c4, vs, zs) = (g.chunk_tiles(), self.c4, g.v_stride(), g.m_stride());
        transform_input(g, src, q0, end, count, self.v);
        for xi in 0..36 {
            transpose_chunk(self.v.add(xi * vs), g.c, tc, count, c4, self.vt);
            gemm_nn_add_f64(g.o, c4, count, z.add(xi * zs), tc, self.vt, c4, self.du64.add(xi * g.o * c4), c4);
        }
    }

    /// Adds dW = G^T dU G per (o, c), in float64, into grad_weight.
    unsafe fn finish(&self, g: &Geo, grad_weight: *mut f32) {
        let (c4, oc) = (self.c4, g.o * self.c4);
        for o in 0..g.o {
            for c in 0..g.c {
                let x = |xi: usize, nu: usize| *self.du64.add((6 * xi + nu) * oc + o * c4 + c);
                let mut r = [[0.0f64; 6]; 3];
                for (a, ra) in r.iter_mut().enumerate() {
                    for (nu, val) in ra.iter_mut().enumerate() {
                        *val = (0..6).map(|xi| G[xi][a] * x(xi, nu)).sum();
                    }
                }
                let dst = grad_weight.add((o * g.c + c) * 9);
                for (a, ra) in r.iter().enumerate() {
                    for b in 0..3 {
                        let val: f64 = (0..6).map(|nu| ra[nu] * G[nu][b]).sum();
                        *dst.add(3 * a + b) += val as f32;
                    }
                }
            }
        }
    }
}

/// Adds the weight gradient into grad_weight (zeroed by the caller).
#[allow(clippy::too_many_arguments)]
pub unsafe fn backward_weight(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize,
    out_h: usize, out_w: usize, input: *const f32, grad_output: *const f32, grad_weight: *mut f32,
) {
    let g = geo(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let tc = g.chunk_tiles();
    let gw = GradWeight::new(&g);
    let z = TM.get(36 * g.m_stride());
    let (row, plane) = grad_output_layout(&g);
    for (n0, k, end) in g.image_groups(batch) {
        let src = g.pad_images(input, n0, k);
        let gy = grad_output_images(&g, grad_output, n0, k);
        for_each_grad_output_chunk(&g, gy, row, plane, tc, end, z, |q0, count| gw.chunk(&g, src, z, q0, end, count));
    }
    gw.finish(&g, grad_weight);
}

/// Whether backward_input_weight can run both passes over the same chunks: backward-weight's
/// chunks then hold one image, as backward-input's do, with the same tiles.
#[allow(clippy::too_many_arguments)]
pub fn fused_applies(in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize, out_h: usize, out_w: usize) -> bool {
    let gw = geo(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let gi = winograd4_bi::geo(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    gw.imgs() == 1 && gi.imgs() == 1 && gw.chunk_tiles() == gi.chunk_tiles()
}

/// backward_input and backward_weight in one pass over the batch (where fused_applies): each
/// chunk's Z = A dY A^T is transformed once for both (and is still in cache for the second), not
/// once per pass. Results are those of the two passes, bit for bit.
#[allow(clippy::too_many_arguments)]
pub unsafe fn backward_input_weight(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize,
    out_h: usize, out_w: usize, input: *const f32, grad_output: *const f32, weight: *const f32,
    grad_input: *mut f32, grad_weight: *mut f32,
) {
    let g = winograd4_bi::geo(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let g_w = geo(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let tc = g.chunk_tiles();
    let gin = winograd4_bi::GradInput::new(&g, weight, grad_input);
    let gw = GradWeight::new(&g_w);
    let z = TM.get(36 * g.m_stride());
    let (row, plane) = grad_output_layout(&g);
    for (n0, k, end) in g.image_groups(batch) {
        let gy = grad_output_images(&g, grad_output, n0, k);
        let src = g_w.pad_images(input, n0, k);
        let gi = gin.begin(&g, n0, k);
        for_each_grad_output_chunk(&g, gy, row, plane, tc, end, z, |q0, count| {
            gin.chunk(&g, z, q0, end, count, gi);
            gw.chunk(&g_w, src, z, q0, end, count);
        });
        gin.end(&g, n0, k);
    }
    gw.finish(&g_w, grad_weight);
}
