//! 2-d convolution (stride, zero padding, dilation, groups) forward and backward, as im2col /
//! col2im around the packed gemm. Per image and group, with K = (inC/groups) * kH * kW and
//! P = outH * outW:
//!   forward:         out_g[outC/groups, P] = W_g[outC/groups, K] * col[K, P] (+ bias)
//!   backward input:  col[K, P] = W_g^T * gradOut_g, then col2im adds col into gradInput
//!   backward weight: gradW_g[outC/groups, K] += gradOut_g[outC/groups, P] * col^T
//! A 1x1, stride-1, unpadded convolution uses the input plane itself as `col`.

use crate::elementwise::{fill_raw, sum_raw};
use crate::gemm::{sgemm, View};
use crate::scratch::{check_floats, COLUMNS};
use crate::simd::{load4, store4};

#[derive(Clone, Copy)]
pub struct Geometry {
    batch: usize,
    in_c: usize,
    in_h: usize,
    in_w: usize,
    out_c: usize,
    k_h: usize,
    k_w: usize,
    stride_h: usize,
    stride_w: usize,
    pad_h: usize,
    pad_w: usize,
    dil_h: usize,
    dil_w: usize,
    groups: usize,
    out_h: usize,
    out_w: usize,
}

impl Geometry {
    fn in_per_group(&self) -> usize {
        self.in_c / self.groups
    }
    fn out_per_group(&self) -> usize {
        self.out_c / self.groups
    }
    /// Reduction length of the forward gemm.
    fn k(&self) -> usize {
        self.in_per_group() * self.k_h * self.k_w
    }
    fn out_plane(&self) -> usize {
        self.out_h * self.out_w
    }
    fn in_plane(&self) -> usize {
        self.in_h * self.in_w
    }
    fn is_pointwise(&self) -> bool {
        self.k_h == 1
            && self.k_w == 1
            && self.stride_h == 1
            && self.stride_w == 1
            && self.pad_h == 0
            && self.pad_w == 0
            && self.out_h == self.in_h
            && self.out_w == self.in_w
    }
    /// Stride 1 with the output size the geometry implies: the implicit-gemm path applies.
    fn direct_ok(&self) -> bool {
        self.stride_h == 1
            && self.stride_w == 1
            && self.k_h > 0
            && self.k_w > 0
            && self.in_h + 2 * self.pad_h >= (self.k_h - 1) * self.dil_h + 1
            && self.in_w + 2 * self.pad_w >= (self.k_w - 1) * self.dil_w + 1
            && self.out_h == self.in_h + 2 * self.pad_h - (self.k_h - 1) * self.dil_h
            && self.out_w == self.in_w + 2 * self.pad_w - (self.k_w - 1) * self.dil_w
    }
    /// The Winograd F(2x2, 3x3) path takes this convolution (winograd.rs).
    fn winograd_ok(&self, pass: crate::winograd::Pass) -> bool {
        self.direct_ok()
            && crate::winograd::applies(
                pass, self.in_c, self.out_c, self.k_h, self.k_w, self.stride_h, self.stride_w, self.pad_h,
                self.pad_w, self.dil_h, self.dil_w, self.groups, self.out_h, self.out_w,
            )
    }
    /// Winograd could compute this convolution (whatever the channel counts): for a forced path.
    fn winograd_fits(&self) -> bool {
        self.direct_ok()
            && crate::winograd::fits(
                self.in_c, self.out_c, self.k_h, self.k_w, self.stride_h, self.stride_w, self.pad_h, self.pad_w,
                self.dil_h, self.dil_w, self.groups, self.out_h, self.out_w,
            )
    }
    /// The path a pass takes: the measured choice (kernels-rs/README.md), or the one forced by
    /// `conv2d_force_path` (benchmarks) where it applies.
    fn path(&self, pass: crate::winograd::Pass) -> u32 {
        let direct = self.direct_ok() && !self.is_pointwise() && self.k() > 0;
        let forced = unsafe { FORCED[pass as usize] };
        // F(4x4, 3x3)'s float error is relative to the magnitude of a whole 6x6 tile, not of one
        // output; the kernel sweeps' tolerance is 4 sqrt(K) + 2 ulps of each output's own
        // magnitude. Summing 1-16 channels, or at outputs fed by padding 2 (backward-input as a
        // convolution padded by 2 - pad: a corner output got 1.45x the tolerance at 32
        // channels), it went past; forwards with padding 0 or 1 summing 32 or more channels
        // peaked at 0.31x (a float32 simulation of 48,000 unpadded outputs; the sweeps' padded
        // ResNet shapes at 0.33-0.5x, as the unpadded ones), so only those take it.
        let wino4 = self.winograd_fits()
            && pass == crate::winograd::Pass::Forward
            && self.in_c >= 32
            && self.pad_h <= 1
            && self.pad_w <= 1;
        // F(2x2, 3x3) where its error stays inside the sweeps' tolerance (forced, too): 16 or more
        // channels on both sides (with 1 output channel a padded corner of backward-input went
        // past it), and for backward-weight 64 or more summed positions (batch 1, 2x3 outputs
        // went past it).
        let wino2 = self.winograd_fits()
            && self.in_c >= 16
            && self.out_c >= 16
            && (pass != crate::winograd::Pass::BackwardWeight || self.batch * self.out_plane() >= 64);
        // F(4x4, 3x3) backward-weight (winograd4_bw.rs) on output planes of 8x8 or more and 256
        // or more summed positions: the error is relative to whole tiles, the tolerance to each
        // tap's own sum, and on small padded planes a corner tap sums only the positions inside
        // the image (1 x 4x4 output, pad 1: 6x the sweeps' tolerance; 1 x 8x8: 0.94x; 2 x 13x11
        // unpadded: 0.33-0.5x).
        let wino4_bw = self.winograd_fits()
            && pass == crate::winograd::Pass::BackwardWeight
            && self.out_h >= 8
            && self.out_w >= 8
            && self.batch * self.out_plane() >= 256;
        // F(4x4, 3x3) backward-input (winograd4_bi.rs, the forward's transpose) where its sums
        // run over 32 or more output channels: at 16-19 a padded edge output reached 0.5-1x the
        // sweeps' tolerance, at 1-6 it went past; from 32 every swept shape stayed under 0.4x.
        let wino4_bi = self.winograd_fits() && pass == crate::winograd::Pass::BackwardInput && self.out_c >= 32;
        match forced {
            PATH_WINOGRAD if wino2 => return PATH_WINOGRAD,
            PATH_WINOGRAD4 if wino4 || wino4_bw || wino4_bi => return PATH_WINOGRAD4,
            PATH_DIRECT if direct => return PATH_DIRECT,
            PATH_GEMM => return PATH_GEMM,
            _ => {}
        }
        // F(4x4, 3x3) from 16 output channels and 12x12 output planes; at 8x8 F(2x2, 3x3)
        // measured faster (README table). ResNet's 32 @16, padding 1: 0.84x F(2x2)'s time.
        if wino4 && self.out_c >= 16 && self.out_plane() >= 144 {
            return PATH_WINOGRAD4;
        }
        // Backward-weight likewise from 16 channels on both sides and 12x12 output planes
        // (mnist conv2 13.4 vs F(2x2)'s 18.3 ms; ResNet 16 @32 2.0 vs 2.9, 32 @16 1.7 vs 2.2),
        // and at 8x8 from 64 channels (ResNet 64 @8, 4 tiles a plane, 16 images a chunk: 1.8
        // vs 2.0; 2.3 with one image a chunk).
        if wino4_bw
            && self.in_c >= 16
            && self.out_c >= 16
            && (self.out_plane() >= 144 || self.in_c.min(self.out_c) >= 64)
        {
            return PATH_WINOGRAD4;
        }
        // Backward-input likewise (from 32 output channels, its reduction): mnist conv2 14.4 vs
        // F(2x2)'s 19.5 ms, ResNet 32 @16 0.89x F(2x2)'s time.
        if wino4_bi && self.in_c >= 16 && self.out_plane() >= 144 {
            return PATH_WINOGRAD4;
        }
        if wino2 && self.winograd_ok(pass) {
            PATH_WINOGRAD
        } else if direct {
            PATH_DIRECT
        } else {
            PATH_GEMM
        }
    }
    /// Output columns [lo, hi) whose input column ox*stride - pad + kx*dil is inside the row.
    fn valid_ox(&self, kx: usize) -> (usize, usize) {
        valid_range(self.out_w, self.in_w, self.stride_w, self.pad_w, kx * self.dil_w)
    }
    fn valid_oy(&self, ky: usize) -> (usize, usize) {
        valid_range(self.out_h, self.in_h, self.stride_h, self.pad_h, ky * self.dil_h)
    }
}

/// Paths of a convolution pass (as `conv2d_path` names them): Winograd F(2x2, 3x3)
/// (winograd.rs), the stride-1 direct kernels (conv_direct.rs), im2col + gemm (or the image
/// itself for 1x1 unpadded).
const PATH_WINOGRAD: u32 = 1;
const PATH_DIRECT: u32 = 2;
const PATH_GEMM: u32 = 3;
/// Winograd F(4x4, 3x3) (winograd4.rs): unpadded forwards only.
const PATH_WINOGRAD4: u32 = 4;

/// Per pass (forward, backward-input, backward-weight): 0 = measured choice, else a PATH_*.
static mut FORCED: [u32; 3] = [0; 3];

/// Forces `path` (a PATH_* number, 0 = the measured choice) for pass 0 (forward), 1
/// (backward-input) or 2 (backward-weight) wherever it applies; for benchmarks comparing paths
/// (scripts/bench-conv.ts). Results are the same up to float rounding whichever path runs.
#[no_mangle]
pub extern "C" fn conv2d_force_path(pass: u32, path: u32) {
    if pass < 3 {
        unsafe { FORCED[pass as usize] = path };
    }
}

/// The path (PATH_*) that pass 0, 1 or 2 of this convolution takes now.
#[no_mangle]
pub extern "C" fn conv2d_path(
    pass: u32, batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, k_h: usize, k_w: usize,
    stride_h: usize, stride_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    groups: usize, out_h: usize, out_w: usize,
) -> u32 {
    use crate::winograd::Pass;
    let g = geometry(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w);
    g.path(match pass {
        0 => Pass::Forward,
        1 => Pass::BackwardInput,
        _ => Pass::BackwardWeight,
    })
}

impl Geometry {
    /// Floats of scratch the largest buffer of this convolution's path may ask for, computed
    /// in u64 so that nothing wraps: im2col's columns (k * P), or for the stride-1 path a
    /// padded image per group and a padded gradOutput plane set, each in 4 interleaved copies
    /// (an upper bound over its variants). Checked before any work (`check_floats`): a wasm32
    /// `usize` product past 4 GiB would wrap into a small buffer that the kernel overruns.
    fn scratch_floats(&self) -> u64 {
        let w = |x: usize| x as u64;
        if self.is_pointwise() {
            return 0;
        }
        let k = w(self.in_per_group()) * w(self.k_h) * w(self.k_w);
        if !self.direct_ok() {
            return k * w(self.out_h) * w(self.out_w);
        }
        let (hs, ws) = (w(self.in_h) + 2 * w(self.pad_h), w(self.in_w) + 2 * w(self.pad_w));
        let slack = w(self.k_w) * w(self.dil_w) + 64;
        let src = w(self.in_per_group()) * hs * ws + slack;
        let out = w(self.out_per_group()) * w(self.out_h) * ws + slack;
        // winograd4.rs's transformed chunks: 36 planes of channels x (at most 32 or a tile row) tiles.
        // (winograd4_bw.rs: chunks of up to 64 tiles), and up to 64 small padded images (at most
        // 6 x 8 floats a tile) per chunk.
        let wino4 = 36 * (w(self.in_c.max(self.out_c)) + 3) * (w(self.in_w.max(self.out_w)) + 64) + 36 * 16
            + 64 * 48 * w(self.in_c.max(self.out_c));
        // The transformed kernels: 36 (F(4x4)), 2 x 36 (F(4x4) backward-input) or 2 x 16 (F(2x2)
        // backward-input) per channel pair (F(4x4) backward-weight: input channels rounded up to 4).
        let u = 72 * w(self.out_c) * (w(self.in_per_group()) + 3);
        (4 * src.max(out).max(k)).max(wino4).max(u)
    }
}

/// Bytes of scratch a convolution of this geometry may need (see `scratch_floats`): the JS side
/// refuses one past the 4 GiB of wasm32 memory before calling, naming the size.
#[no_mangle]
pub extern "C" fn conv2d_scratch_bytes(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, k_h: usize, k_w: usize,
    stride_h: usize, stride_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    groups: usize, out_h: usize, out_w: usize,
) -> f64 {
    let g = geometry(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w);
    (g.scratch_floats() * 4) as f64
}

/// Outputs o in [lo, hi) with 0 <= o*stride - pad + offset < size.
fn valid_range(out: usize, size: usize, stride: usize, pad: usize, offset: usize) -> (usize, usize) {
    // o*stride >= pad - offset
    let lo = if pad > offset { (pad - offset + stride - 1) / stride } else { 0 };
    // o*stride + offset - pad <= size - 1  <=>  o*stride <= size - 1 + pad - offset
    let hi = if size + pad > offset { ((size - 1 + pad - offset) / stride + 1).min(out) } else { 0 };
    (lo.min(hi), hi)
}

#[allow(clippy::too_many_arguments)]
fn geometry(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, k_h: usize, k_w: usize,
    stride_h: usize, stride_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    groups: usize, out_h: usize, out_w: usize,
) -> Geometry {
    Geometry {
        batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w,
        groups: groups.max(1), out_h, out_w,
    }
}

/// col[K, P] from the `in_per_group` channel planes starting at `src`.
unsafe fn im2col(g: &Geometry, src: *const f32, col: *mut f32) {
    let p = g.out_plane();
    let mut r = 0;
    for c in 0..g.in_per_group() {
        let plane = src.add(c * g.in_plane());
        for ky in 0..g.k_h {
            let (oy_lo, oy_hi) = g.valid_oy(ky);
            for kx in 0..g.k_w {
                let dst = col.add(r * p);
                let (ox_lo, ox_hi) = g.valid_ox(kx);
                for oy in 0..g.out_h {
                    let drow = dst.add(oy * g.out_w);
                    if oy < oy_lo || oy >= oy_hi || ox_lo >= ox_hi {
                        fill_raw(drow, g.out_w, 0.0);
                        continue;
                    }
                    let iy = oy * g.stride_h + ky * g.dil_h - g.pad_h;
                    let srow = plane.add(iy * g.in_w);
                    fill_raw(drow, ox_lo, 0.0);
                    let x_base = ox_lo * g.stride_w + kx * g.dil_w - g.pad_w;
                    let n = ox_hi - ox_lo;
                    if g.stride_w == 1 {
                        copy(srow.add(x_base), drow.add(ox_lo), n);
                    } else if g.stride_w == 2 {
                        copy_stride2(srow.add(x_base), drow.add(ox_lo), n, g.in_w - x_base);
                    } else {
                        for i in 0..n {
                            *drow.add(ox_lo + i) = *srow.add(x_base + i * g.stride_w);
                        }
                    }
                    fill_raw(drow.add(ox_hi), g.out_w - ox_hi, 0.0);
                }
                r += 1;
            }
        }
    }
}

/// Adds col[K, P] into the `in_per_group` channel planes starting at `dst` (the inverse
/// scatter of im2col).
unsafe fn col2im_add(g: &Geometry, col: *const f32, dst: *mut f32) {
    let p = g.out_plane();
    let mut r = 0;
    for c in 0..g.in_per_group() {
        let plane = dst.add(c * g.in_plane());
        for ky in 0..g.k_h {
            let (oy_lo, oy_hi) = g.valid_oy(ky);
            for kx in 0..g.k_w {
                let src = col.add(r * p);
                let (ox_lo, ox_hi) = g.valid_ox(kx);
                if ox_lo < ox_hi {
                    for oy in oy_lo..oy_hi {
                        let srow = src.add(oy * g.out_w + ox_lo);
                        let iy = oy * g.stride_h + ky * g.dil_h - g.pad_h;
                        let x_base = ox_lo * g.stride_w + kx * g.dil_w - g.pad_w;
                        let drow = plane.add(iy * g.in_w + x_base);
                        let n = ox_hi - ox_lo;
                        if g.stride_w == 1 {
                            add_into(srow, drow, n);
                        } else if g.stride_w == 2 {
                            add_into_stride2(srow, drow, n, g.in_w - x_base);
                        } else {
                            for i in 0..n {
                                *drow.add(i * g.stride_w) += *srow.add(i);
                            }
                        }
                    }
                }
                r += 1;
            }
        }
    }
}

/// dst[i] = src[2 i] for i < n, where src has `room` floats left in its row: 4 outputs per two
/// loads and a shuffle while 8 floats remain in the row (the stride-2 layers' im2col was a third
/// of their passes with one scalar per output).
#[inline(always)]
unsafe fn copy_stride2(src: *const f32, dst: *mut f32, n: usize, room: usize) {
    use core::arch::wasm32::i32x4_shuffle;
    let mut i = 0;
    while i + 4 <= n && 2 * i + 8 <= room {
        let (a, b) = (load4(src.add(2 * i)), load4(src.add(2 * i + 4)));
        store4(dst.add(i), i32x4_shuffle::<0, 2, 4, 6>(a, b));
        i += 4;
    }
    while i < n {
        *dst.add(i) = *src.add(2 * i);
        i += 1;
    }
}

/// dst[2 i] += src[i] for i < n (col2im's stride-2 scatter), `room` floats left in dst's row:
/// 4 inputs per two 4-float read-modify-writes while 8 floats remain, the odd positions between
/// them adding -0.0 (which leaves every value, -0.0 and NaN included, as it is).
#[inline(always)]
unsafe fn add_into_stride2(src: *const f32, dst: *mut f32, n: usize, room: usize) {
    use core::arch::wasm32::{f32x4_add, f32x4_splat, i32x4_shuffle};
    let nz = f32x4_splat(-0.0);
    let mut i = 0;
    while i + 4 <= n && 2 * i + 8 <= room {
        let v = load4(src.add(i));
        let (d0, d1) = (dst.add(2 * i), dst.add(2 * i + 4));
        store4(d0, f32x4_add(load4(d0), i32x4_shuffle::<0, 4, 1, 5>(v, nz)));
        store4(d1, f32x4_add(load4(d1), i32x4_shuffle::<2, 6, 3, 7>(v, nz)));
        i += 4;
    }
    while i < n {
        *dst.add(2 * i) += *src.add(i);
        i += 1;
    }
}

#[inline(always)]
unsafe fn copy(src: *const f32, dst: *mut f32, n: usize) {
    let mut i = 0;
    while i + 4 <= n {
        store4(dst.add(i), load4(src.add(i)));
        i += 4;
    }
    while i < n {
        *dst.add(i) = *src.add(i);
        i += 1;
    }
}

#[inline(always)]
unsafe fn add_into(src: *const f32, dst: *mut f32, n: usize) {
    use core::arch::wasm32::f32x4_add;
    let mut i = 0;
    while i + 4 <= n {
        store4(dst.add(i), f32x4_add(load4(dst.add(i)), load4(src.add(i))));
        i += 4;
    }
    while i < n {
        *dst.add(i) += *src.add(i);
        i += 1;
    }
}

#[no_mangle]
pub unsafe extern "C" fn conv2d_forward(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, k_h: usize, k_w: usize,
    stride_h: usize, stride_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    groups: usize, out_h: usize, out_w: usize,
    input: *const f32, weight: *const f32, bias: *const f32, output: *mut f32,
) {
    let g = geometry(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w);
    check_floats(g.scratch_floats());
    let (k, p, opg) = (g.k(), g.out_plane(), g.out_per_group());
    if p == 0 || opg == 0 {
        return;
    }
    let path = g.path(crate::winograd::Pass::Forward);
    if path == PATH_WINOGRAD4 {
        return crate::winograd4::forward(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.pad_h, g.pad_w, g.out_h, g.out_w, input, weight, bias, output,
        );
    }
    if path == PATH_WINOGRAD {
        return crate::winograd::forward(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.pad_h, g.pad_w, g.out_h, g.out_w, input, weight, bias, output,
        );
    }
    if path == PATH_DIRECT {
        return crate::conv_direct::conv_forward_stride1(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.groups, g.k_h, g.k_w, g.pad_h, g.pad_w,
            g.dil_h, g.dil_w, g.out_h, g.out_w, input, weight, bias, output,
        );
    }
    let col = if g.is_pointwise() { core::ptr::null_mut() } else { COLUMNS.get(k * p) };
    for n in 0..g.batch {
        for grp in 0..g.groups {
            let src = input.add((n * g.in_c + grp * g.in_per_group()) * g.in_plane());
            let b_ptr = if col.is_null() {
                src
            } else {
                im2col(&g, src, col);
                col
            };
            let out = output.add((n * g.out_c + grp * opg) * p);
            let mut beta = 0.0;
            if !bias.is_null() {
                for o in 0..opg {
                    fill_raw(out.add(o * p), p, *bias.add(grp * opg + o));
                }
                beta = 1.0;
            }
            sgemm(
                opg, p, k, 1.0,
                View { ptr: weight.add(grp * opg * k), rs: k, cs: 1 },
                View { ptr: b_ptr, rs: p, cs: 1 },
                beta, out, p,
            );
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn conv2d_backward_input(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, k_h: usize, k_w: usize,
    stride_h: usize, stride_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    groups: usize, out_h: usize, out_w: usize,
    grad_output: *const f32, weight: *const f32, grad_input: *mut f32,
) {
    let g = geometry(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w);
    check_floats(g.scratch_floats());
    let (k, p, opg, ipg) = (g.k(), g.out_plane(), g.out_per_group(), g.in_per_group());
    let pointwise = g.is_pointwise();
    let path = g.path(crate::winograd::Pass::BackwardInput);
    if path == PATH_WINOGRAD4 && g.in_plane() > 0 {
        return crate::winograd4_bi::backward_input(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.pad_h, g.pad_w, g.out_h, g.out_w, grad_output, weight, grad_input,
        );
    }
    if path == PATH_WINOGRAD && g.in_plane() > 0 {
        return crate::winograd::backward_input(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.pad_h, g.pad_w, g.out_h, g.out_w, grad_output, weight, grad_input,
        );
    }
    if path == PATH_DIRECT && p > 0 && opg > 0 && g.in_plane() > 0 {
        return crate::conv_direct::conv_backward_input_stride1(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.groups, g.k_h, g.k_w, g.pad_h, g.pad_w,
            g.dil_h, g.dil_w, g.out_h, g.out_w, grad_output, weight, grad_input,
        );
    }
    if !pointwise || p == 0 || opg == 0 {
        fill_raw(grad_input, g.batch * g.in_c * g.in_plane(), 0.0);
    }
    if p == 0 || k == 0 {
        return;
    }
    let col = if pointwise { core::ptr::null_mut() } else { COLUMNS.get(k * p) };
    for n in 0..g.batch {
        for grp in 0..g.groups {
            let dst = grad_input.add((n * g.in_c + grp * ipg) * g.in_plane());
            let c_ptr = if col.is_null() { dst } else { col };
            sgemm(
                k, p, opg, 1.0,
                View { ptr: weight.add(grp * opg * k), rs: 1, cs: k },
                View { ptr: grad_output.add((n * g.out_c + grp * opg) * p), rs: p, cs: 1 },
                0.0, c_ptr, p,
            );
            if !col.is_null() {
                col2im_add(&g, col, dst);
            }
        }
    }
}

/// Zeroes gradWeight and sums gradBias (if not null); false when there is no weight gradient
/// to compute (empty output planes or kernels).
unsafe fn begin_weight_grads(g: &Geometry, grad_output: *const f32, grad_weight: *mut f32, grad_bias: *mut f32) -> bool {
    let (k, p) = (g.k(), g.out_plane());
    fill_raw(grad_weight, g.out_c * k, 0.0);
    if !grad_bias.is_null() {
        fill_raw(grad_bias, g.out_c, 0.0);
        for n in 0..g.batch {
            for o in 0..g.out_c {
                *grad_bias.add(o) += sum_raw(grad_output.add((n * g.out_c + o) * p), p);
            }
        }
    }
    !(p == 0 || k == 0 || g.out_per_group() == 0)
}

/// conv2d_backward_input and conv2d_backward_weight in one call: where both take F(4x4, 3x3)
/// over the same chunks, one pass over the batch that transforms gradOutput once for both
/// (winograd4_bw::backward_input_weight), else the two passes. Same results either way.
#[no_mangle]
pub unsafe extern "C" fn conv2d_backward_input_weight(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, k_h: usize, k_w: usize,
    stride_h: usize, stride_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    groups: usize, out_h: usize, out_w: usize,
    input: *const f32, grad_output: *const f32, weight: *const f32, grad_input: *mut f32, grad_weight: *mut f32,
    grad_bias: *mut f32,
) {
    let g = geometry(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w);
    let fused = g.path(crate::winograd::Pass::BackwardInput) == PATH_WINOGRAD4
        && g.path(crate::winograd::Pass::BackwardWeight) == PATH_WINOGRAD4
        && g.in_plane() > 0
        && crate::winograd4_bw::fused_applies(g.in_c, g.in_h, g.in_w, g.out_c, g.pad_h, g.pad_w, g.out_h, g.out_w);
    if !fused {
        conv2d_backward_input(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w, grad_output, weight, grad_input);
        conv2d_backward_weight(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w, input, grad_output, grad_weight, grad_bias);
        return;
    }
    check_floats(g.scratch_floats());
    if !begin_weight_grads(&g, grad_output, grad_weight, grad_bias) {
        return conv2d_backward_input(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w, grad_output, weight, grad_input);
    }
    crate::winograd4_bw::backward_input_weight(
        g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.pad_h, g.pad_w, g.out_h, g.out_w, input, grad_output, weight, grad_input, grad_weight,
    );
}

#[no_mangle]
pub unsafe extern "C" fn conv2d_backward_weight(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, k_h: usize, k_w: usize,
    stride_h: usize, stride_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    groups: usize, out_h: usize, out_w: usize,
    input: *const f32, grad_output: *const f32, grad_weight: *mut f32, grad_bias: *mut f32,
) {
    let g = geometry(batch, in_c, in_h, in_w, out_c, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, out_h, out_w);
    check_floats(g.scratch_floats());
    let (k, p, opg, ipg) = (g.k(), g.out_plane(), g.out_per_group(), g.in_per_group());
    if !begin_weight_grads(&g, grad_output, grad_weight, grad_bias) {
        return;
    }
    let path = g.path(crate::winograd::Pass::BackwardWeight);
    if path == PATH_WINOGRAD4 {
        return crate::winograd4_bw::backward_weight(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.pad_h, g.pad_w, g.out_h, g.out_w, input, grad_output, grad_weight,
        );
    }
    if path == PATH_WINOGRAD {
        return crate::winograd::backward_weight(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.pad_h, g.pad_w, g.out_h, g.out_w, input, grad_output, grad_weight,
        );
    }
    if path == PATH_DIRECT {
        return crate::conv_direct::conv_backward_weight_stride1(
            g.batch, g.in_c, g.in_h, g.in_w, g.out_c, g.groups, g.k_h, g.k_w, g.pad_h, g.pad_w,
            g.dil_h, g.dil_w, g.out_h, g.out_w, input, grad_output, grad_weight,
        );
    }
    let col = if g.is_pointwise() { core::ptr::null_mut() } else { COLUMNS.get(k * p) };
    for n in 0..g.batch {
        for grp in 0..g.groups {
            let src = input.add((n * g.in_c + grp * ipg) * g.in_plane());
            let b_ptr = if col.is_null() {
                src
            } else {
                im2col(&g, src, col);
                col
            };
            sgemm(
                opg, k, p, 1.0,
                View { ptr: grad_output.add((n * g.out_c + grp * opg) * p), rs: p, cs: 1 },
                View { ptr: b_ptr, rs: 1, cs: p },
                1.0, grad_weight.add(grp * opg * k), k,
            );
        }
    }
}
