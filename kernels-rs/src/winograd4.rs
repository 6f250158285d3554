//! Winograd F(4x4, 3x3) forward convolution (3x3 kernel, stride 1, no dilation, one group,
//! padding 0..2 computed, 0 or 1 chosen): 36 gemms in the transformed domain over 6x6 input tiles overlapping by 2,
//! 2.25 multiply-adds per output and channel pair instead of F(2x2, 3x3)'s 4 and the direct
//! convolution's 9. With Lavin & Gray's matrices (interpolation points 0, 1, -1, 2, -2):
//!   V = B^T d B,  U = G g G^T,  M_xi[o, t] = U_xi[o, c] * V_xi[c, t],  Y = A^T M A.
//! Its float error is relative to a whole 6x6 tile's magnitude, so conv.rs uses it only where
//! that stays well inside the kernel sweeps' tolerance: forwards with padding 0 or 1 summing
//! >= 32 channels. (Backward-input as this forward over gradOutput padded by 2 - pad was as
//! fast as F(2x2, 3x3) at the mnist Net's conv2 and went past the tolerance at padded corners;
//! winograd4_bi.rs runs it as this forward's transpose instead, and winograd4_bw.rs the
//! backward-weight, both over this file's tiles and input transform.)
//! The tiles of an image are numbered row by row and taken in chunks; each f32x4 holds 4
//! consecutive tiles wherever they lie (rows of two tiles straddle tile rows), gathered with
//! two 4x4 transposes per input row, so no width wastes lanes (a tile row of 6 tiles padded
//! to 8 cost 25 % more). conv.rs chooses this path or F(2x2, 3x3) per shape by measured cost. Float error (against the float64
//! convolution) stayed under 1/5 of the kernel sweeps' tolerance in a float32 simulation for
//! 32-512 channels; the sweeps check it on every run.

use crate::gemm::transpose4;
use crate::scratch::Scratch;
use crate::simd::{load4, store4};
use crate::winograd::pad_into;
use crate::winograd_gemm::gemm_nn;
use core::arch::wasm32::*;

pub(crate) static mut SRC: Scratch = Scratch::new();
pub(crate) static mut TV: Scratch = Scratch::new();
pub(crate) static mut TM: Scratch = Scratch::new();
pub(crate) static mut TU: Scratch = Scratch::new();

pub unsafe fn release() {
    SRC.release();
    TV.release();
    TM.release();
    TU.release();
}

/// Tiles per chunk: V and M of a chunk stay in L2.
const CHUNK_TILES: usize = 16;

pub(crate) struct Geo {
    pub(crate) c: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) o: usize,
    pub(crate) pad_t: usize,
    pub(crate) pad_l: usize,
    pub(crate) out_h: usize,
    pub(crate) out_w: usize,
    /// Tile rows and tiles per row; tiles are numbered row by row, q = ty * tw + tx.
    pub(crate) th: usize,
    pub(crate) tw: usize,
    /// Input-side planes hs x ws: zero-padded copies (ws: 2 floats of slack), or, when
    /// `in_place`, the tensor's own h x w planes.
    pub(crate) hs: usize,
    pub(crate) ws: usize,
    /// Unpadded with whole output tiles (h = 4 th + 2, w = 4 tw + 2, as the mnist Net's
    /// 26x26 -> 24x24): the input (or gradInput) planes are read (written) in place, no padded
    /// copy (or cropping).
    pub(crate) in_place: bool,
    /// Tiles per chunk at most (CHUNK_TILES for the forward).
    chunk: usize,
    /// Whether a chunk may hold several small images (see `imgs`).
    multi: bool,
}

impl Geo {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(c: usize, h: usize, w: usize, o: usize, pad_t: usize, pad_l: usize, out_h: usize, out_w: usize) -> Geo {
        let (th, tw) = ((out_h + 3) / 4, (out_w + 3) / 4);
        let in_place = pad_t == 0 && pad_l == 0 && out_h % 4 == 0 && out_w % 4 == 0;
        let ws = if in_place { w } else { 4 * tw + 4 };
        Geo { c, h, w, o, pad_t, pad_l, out_h, out_w, th, tw, hs: 4 * th + 2, ws, in_place, chunk: CHUNK_TILES, multi: true }
    }
    /// The same geometry with chunks of up to `tiles` tiles (a multiple of 4).
    pub(crate) fn with_chunk(self, tiles: usize) -> Geo {
        Geo { chunk: tiles, ..self }
    }
    /// The same geometry with chunks of one image's tiles only.
    pub(crate) fn one_image_per_chunk(self) -> Geo {
        Geo { multi: false, ..self }
    }
    pub(crate) fn src_plane(&self) -> usize {
        self.hs * self.ws
    }
    pub(crate) fn tiles(&self) -> usize {
        self.th * self.tw
    }
    /// Images per chunk: as many whole images as fit when an image has at most half a chunk of
    /// tiles (ResNet's 8x8 planes have 4: gemms 4 tiles wide were slow), else 1 (chunks of one
    /// image's tiles).
    pub(crate) fn imgs(&self) -> usize {
        if self.multi && 2 * self.tiles() <= self.chunk {
            self.chunk / self.tiles()
        } else {
            1
        }
    }
    /// Tiles per chunk: a multiple of 4 (lanes past the last tile compute tile 0 again and
    /// store nothing).
    pub(crate) fn chunk_tiles(&self) -> usize {
        if self.imgs() > 1 {
            (self.imgs() * self.tiles() + 3) / 4 * 4
        } else {
            self.chunk.min((self.tiles() + 3) / 4 * 4)
        }
    }
    /// Tiles of images n0..n0 + k (at most imgs()) are numbered q = image * tiles + ty * tw + tx,
    /// q < end = k * tiles. Offsets of tiles q..q+4 in planes with rows `row` long (row ty * 4,
    /// column tx * 4) and images `img` floats apart, and how many of them exist.
    pub(crate) fn group(&self, q: usize, end: usize, row: usize, img: usize) -> ([usize; 4], usize) {
        let mut at = [0usize; 4];
        for (l, x) in at.iter_mut().enumerate() {
            if q + l < end {
                let (i, r) = ((q + l) / self.tiles(), (q + l) % self.tiles());
                *x = i * img + 4 * (r / self.tw) * row + 4 * (r % self.tw);
            }
        }
        (at, (end - q).min(4))
    }
    /// Row and column of tile q's top left output (q as in `group`).
    pub(crate) fn tile_origin(&self, q: usize) -> (usize, usize) {
        let r = q % self.tiles();
        (4 * (r / self.tw), 4 * (r % self.tw))
    }
    /// The images of the batch in chunks: (first image n0, images k, tiles end = k * tiles).
    pub(crate) fn image_groups(&self, batch: usize) -> impl Iterator<Item = (usize, usize, usize)> {
        let (step, tiles) = (self.imgs(), self.tiles());
        (0..batch).step_by(step).map(move |n0| {
            let k = step.min(batch - n0);
            (n0, k, k * tiles)
        })
    }
    /// Images n0..n0 + k of `input` in planes hs x ws, c * src_plane() apart: the tensor's own
    /// when `in_place`, else zero-padded copies in SRC.
    pub(crate) unsafe fn pad_images(&self, input: *const f32, n0: usize, k: usize) -> *const f32 {
        let (img_in, img_src) = (self.c * self.h * self.w, self.c * self.src_plane());
        if self.in_place {
            return input.add(n0 * img_in);
        }
        let src = SRC.get(self.imgs() * img_src + 16);
        for i in 0..k {
            pad_into(input.add((n0 + i) * img_in), self.c, self.h, self.w, self.pad_t, self.pad_l, self.hs, self.ws, src.add(i * img_src));
        }
        src
    }
    /// Floats between the 36 transformed planes of V (channels x chunk tiles) and of M: one
    /// cache line more than their size, since sizes such as 32 x 32 tiles (4 KB) put all 36
    /// streams of a transform into one cache set (3x slower transforms, measured).
    pub(crate) fn v_stride(&self) -> usize {
        self.c * self.chunk_tiles() + 16
    }
    pub(crate) fn m_stride(&self) -> usize {
        self.o * self.chunk_tiles() + 16
    }
}

/// B^T x for the 6 values of a tile column or row.
#[inline(always)]
pub(crate) fn bt6(x: [v128; 6]) -> [v128; 6] {
    let four = f32x4_splat(4.0);
    let five = f32x4_splat(5.0);
    let a = f32x4_sub(x[4], f32x4_mul(four, x[2]));
    let b = f32x4_sub(x[3], f32x4_mul(four, x[1]));
    let c = f32x4_sub(x[4], x[2]);
    let e = f32x4_add(f32x4_sub(x[3], x[1]), f32x4_sub(x[3], x[1]));
    [
        f32x4_add(f32x4_sub(f32x4_mul(four, x[0]), f32x4_mul(five, x[2])), x[4]),
        f32x4_add(a, b),
        f32x4_sub(a, b),
        f32x4_add(c, e),
        f32x4_sub(c, e),
        f32x4_add(f32x4_sub(f32x4_mul(four, x[1]), f32x4_mul(five, x[3])), x[5]),
    ]
}

/// A^T m for the 6 values of a transformed column or row.
#[inline(always)]
fn at4(m: [v128; 6]) -> [v128; 4] {
    let s12 = f32x4_add(m[1], m[2]);
    let d12 = f32x4_sub(m[1], m[2]);
    let s34 = f32x4_add(m[3], m[4]);
    let d34 = f32x4_sub(m[3], m[4]);
    [
        f32x4_add(f32x4_add(m[0], s12), s34),
        f32x4_add(d12, f32x4_mul(f32x4_splat(2.0), d34)),
        f32x4_add(s12, f32x4_mul(f32x4_splat(4.0), s34)),
        f32x4_add(f32x4_add(d12, f32x4_mul(f32x4_splat(8.0), d34)), m[5]),
    ]
}

/// The kernel transform's G (6 x 3).
pub(crate) const G: [[f64; 3]; 6] = [
    [0.25, 0.0, 0.0],
    [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
    [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
    [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0],
    [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0],
    [0.0, 0.0, 1.0],
];

/// U[xi][o][c] = (G g G^T)[xi] for every 3x3 kernel g = weight[o, c], in float64 then rounded.
pub(crate) unsafe fn transform_weights(weight: *const f32, o_n: usize, c_n: usize, u: *mut f32) {
    let oc = o_n * c_n;
    for o in 0..o_n {
        for c in 0..c_n {
            let g = weight.add((o * c_n + c) * 9);
            let mut gg = [[0.0f64; 3]; 6];
            for (i, row) in gg.iter_mut().enumerate() {
                for (b, x) in row.iter_mut().enumerate() {
                    *x = (0..3).map(|a| G[i][a] * *g.add(3 * a + b) as f64).sum();
                }
            }
            for (i, row) in gg.iter().enumerate() {
                for (k, gk) in G.iter().enumerate() {
                    let val: f64 = (0..3).map(|b| row[b] * gk[b]).sum();
                    *u.add((6 * i + k) * oc + o * c_n + c) = val as f32;
                }
            }
        }
    }
}

/// V[xi][c][t] for tiles q0..q0 + count (count a multiple of 4; tiles < end exist) of the padded
/// images at `src` (pad_images); each f32x4 holds 4 consecutive tiles, wherever they lie (two
/// 4x4 transposes per input row). A tile row's columns 4 and 5 are read as 64 bits, so the last
/// tile of an in-place row reads nothing past it.
pub(crate) unsafe fn transform_input(g: &Geo, src: *const f32, q0: usize, end: usize, count: usize, v: *mut f32) {
    let tc = g.chunk_tiles();
    let stride_xi = g.v_stride();
    let zero = f32x4_splat(0.0);
    for t0 in (0..count).step_by(4) {
        let (at_tile, _) = g.group(q0 + t0, end, g.ws, g.c * g.src_plane());
        for c in 0..g.c {
            let plane = src.add(c * g.src_plane());
            let mut t = [[zero; 6]; 6];
            for (i, ti) in t.iter_mut().enumerate() {
                let mut a = [zero; 4];
                let mut b = [zero; 4];
                for l in 0..4 {
                    let row = plane.add(at_tile[l] + i * g.ws);
                    a[l] = load4(row);
                    b[l] = v128_load64_zero(row.add(4) as *const u64);
                }
                let lo = transpose4(a);
                let hi = transpose4(b);
                *ti = bt6([lo[0], lo[1], lo[2], lo[3], hi[0], hi[1]]);
            }
            let at = v.add(c * tc + t0);
            for k in 0..6 {
                let col = bt6([t[0][k], t[1][k], t[2][k], t[3][k], t[4][k], t[5][k]]);
                for (i, x) in col.iter().enumerate() {
                    store4(at.add((6 * i + k) * stride_xi), *x);
                }
            }
        }
    }
}

/// out[o] for tiles q0..q0 + count (< end) = A^T M A (+ bias), cropped to out_h x out_w; `out`
/// is the chunk's first image.
unsafe fn transform_output(g: &Geo, m: *const f32, q0: usize, end: usize, count: usize, bias: *const f32, out: *mut f32) {
    let tc = g.chunk_tiles();
    let stride_xi = g.m_stride();
    let zero = f32x4_splat(0.0);
    for t0 in (0..count).step_by(4) {
        let (at_tile, live) = g.group(q0 + t0, end, g.out_w, g.o * g.out_h * g.out_w);
        let origin: [(usize, usize); 4] = core::array::from_fn(|l| g.tile_origin(q0 + t0 + l));
        for o in 0..g.o {
            let vb = f32x4_splat(if bias.is_null() { 0.0 } else { *bias.add(o) });
            let plane = out.add(o * g.out_h * g.out_w);
            let at = m.add(o * tc + t0);
            let mut s = [[zero; 4]; 6];
            for (i, si) in s.iter_mut().enumerate() {
                let p = at.add(6 * i * stride_xi);
                *si = at4([
                    load4(p), load4(p.add(stride_xi)), load4(p.add(2 * stride_xi)),
                    load4(p.add(3 * stride_xi)), load4(p.add(4 * stride_xi)), load4(p.add(5 * stride_xi)),
                ]);
            }
            let mut yv = [[zero; 4]; 4];
            for b in 0..4 {
                let col = at4([s[0][b], s[1][b], s[2][b], s[3][b], s[4][b], s[5][b]]);
                for (a, x) in col.iter().enumerate() {
                    yv[a][b] = f32x4_add(*x, vb);
                }
            }
            for (a, ya) in yv.iter().enumerate() {
                let tiles = transpose4(*ya);
                for (l, x) in tiles.iter().enumerate().take(live) {
                    let (y0, x0) = origin[l];
                    if y0 + a >= g.out_h {
                        continue;
                    }
                    let dst = plane.add(at_tile[l] + a * g.out_w);
                    if x0 + 4 <= g.out_w {
                        store4(dst, *x);
                    } else {
                        let mut tmp = [0.0f32; 4];
                        store4(tmp.as_mut_ptr(), *x);
                        for (e, val) in tmp.iter().enumerate().take(g.out_w - x0) {
                            *dst.add(e) = *val;
                        }
                    }
                }
            }
        }
    }
}

/// The forward convolution (weight [out_c][in_c][3][3], bias or null).
#[allow(clippy::too_many_arguments)]
pub unsafe fn forward(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, pad_h: usize, pad_w: usize,
    out_h: usize, out_w: usize, input: *const f32, weight: *const f32, bias: *const f32, output: *mut f32,
) {
    let g = Geo::new(in_c, in_h, in_w, out_c, pad_h, pad_w, out_h, out_w);
    let tc = g.chunk_tiles();
    let u = TU.get(36 * g.o * g.c);
    transform_weights(weight, g.o, g.c, u);
    let (vs, ms) = (g.v_stride(), g.m_stride());
    let v = TV.get(36 * vs);
    let m = TM.get(36 * ms);
    for (n0, k, end) in g.image_groups(batch) {
        let src = g.pad_images(input, n0, k);
        let out = output.add(n0 * g.o * g.out_h * g.out_w);
        let mut q0 = 0;
        while q0 < end {
            let count = tc.min((end - q0 + 3) / 4 * 4);
            transform_input(&g, src, q0, end, count, v);
            for xi in 0..36 {
                gemm_nn(g.o, count, g.c, u.add(xi * g.o * g.c), g.c, v.add(xi * vs), tc, m.add(xi * ms), tc, false);
            }
            transform_output(&g, m, q0, end, count, bias, out);
            q0 += count;
        }
    }
}
