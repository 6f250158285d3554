//! Stride-1 convolution as an implicit gemm: no im2col. The image is copied (zero-padded) into
//! a scratch buffer of `in_h + 2*pad_h` rows of `ws = in_w + 2*pad_w` floats; output position
//! (y, x) is computed at flat index q = y*ws + x for every x < ws, so the operand row for
//! reduction index p = (c, ky, kx) is the *contiguous* run `src[off[p] + q ..]`, with
//! off[p] = c*plane + ky*dil_h*ws + kx*dil_w. The x >= out_w positions are computed and thrown
//! away (forward) or multiplied by zero (backward weight): that waste, (ws - out_w) / ws, buys
//! contiguous f32x4 loads straight from the image.
//!
//! Backward-input fuses col2im into the gemm's stores. Measured at the seed shapes (batch 64)
//! it runs at ~35 GFLOP/s, against ~27-30 for gemm + a separate col2im and ~16-27 for the
//! flipped-kernel forward convolution of the padded gradOutput (which multiplies many zeros).

use crate::gemm::{transpose4, MR, NR};
use crate::scratch::{DIRECT_OFFSETS, DIRECT_OUT, DIRECT_SRC, PACK_A};
use crate::quads::{deinterleave_cropped, interleave_padded, Quad};
use crate::simd::{load4, store4};
use core::arch::wasm32::*;

/// Shape of one implicit gemm over a padded image.
pub struct Direct {
    /// Channels of the (padded) source image.
    pub channels: usize,
    pub k_h: usize,
    pub k_w: usize,
    pub dil_h: usize,
    pub dil_w: usize,
    /// Padded source image rows and row length.
    pub hs: usize,
    pub ws: usize,
    /// Output rows and valid output columns (out_w <= ws).
    pub out_h: usize,
    pub out_w: usize,
}

impl Direct {
    pub fn k(&self) -> usize {
        self.channels * self.k_h * self.k_w
    }
    fn positions(&self) -> usize {
        self.out_h * self.ws
    }
    /// Floats of scratch source: the planes plus slack for the last, partly wasted tile.
    fn src_len(&self) -> usize {
        self.channels * self.hs * self.ws + (self.k_w - 1) * self.dil_w + NR + 8
    }
    /// Writes the reduction offsets into DIRECT_OFFSETS and returns them.
    unsafe fn offsets(&self) -> *const u32 {
        let off = DIRECT_OFFSETS.get(self.k()) as *mut u32;
        let mut p = 0;
        for c in 0..self.channels {
            for ky in 0..self.k_h {
                for kx in 0..self.k_w {
                    *off.add(p) = (c * self.hs * self.ws + ky * self.dil_h * self.ws + kx * self.dil_w) as u32;
                    p += 1;
                }
            }
        }
        off
    }
}

/// Copies `channels` planes of h x w into `dst` with `pad_t`/`pad_l` zeros before and zeros
/// after, as planes of hs x ws; zeroes the slack after the last plane.
pub unsafe fn pad_planes(
    src: *const f32, channels: usize, h: usize, w: usize, pad_t: usize, pad_l: usize,
    hs: usize, ws: usize, dst: *mut f32, total: usize,
) {
    crate::elementwise::fill_raw(dst, total, 0.0);
    for c in 0..channels {
        for y in 0..h {
            let s = src.add((c * h + y) * w);
            let d = dst.add(c * hs * ws + (y + pad_t) * ws + pad_l);
            let mut i = 0;
            while i + 4 <= w {
                store4(d.add(i), load4(s.add(i)));
                i += 4;
            }
            while i < w {
                *d.add(i) = *s.add(i);
                i += 1;
            }
        }
    }
}

/// Rows per panel of the forward implicit gemm: 6 output channels fill one panel exactly (the
/// seed's conv1) and 16 take two panels of 8; otherwise 4-row panels.
pub fn forward_panel_rows(rows: usize) -> usize {
    if rows % 4 != 0 && rows % 3 == 0 {
        3
    } else {
        4
    }
}

/// out[o, y*out_w + x] = sum_p A[o, p] * src[off[p] + y*ws + x] (+ bias[o]) for one image:
/// `a` is the packed weights (`pr`-row panels over the full K, see pack_weights_rows), `src`
/// the padded image. Each register tile is `pr` output channels x two 4-position vectors that
/// may sit anywhere in the output (each row is cut into vectors at x = 0, 4, ..., the last one
/// shifted back to end at out_w, overlapping its neighbour), so no lane computes a discarded
/// x >= out_w position and results are stored straight into the output.
pub unsafe fn forward_image(
    d: &Direct, rows: usize, pr: usize, a_packed: *const f32, off: *const u32, src: *const f32,
    bias: *const f32, out: *mut f32,
) {
    let k = d.k();
    let nv_row = (d.out_w + 3) / 4;
    let nv = d.out_h * nv_row;
    let plane = d.out_h * d.out_w;
    // Output position (y, x) of the next vector, as row y and vector j in the row (counted,
    // not divided: the tiles are short at the seed shapes, so per-tile work shows).
    let (mut y, mut j) = (0, 0);
    let mut next = || -> (usize, usize) {
        let x = if d.out_w >= 4 { (4 * j).min(d.out_w - 4) } else { 0 };
        let at = (y, x);
        j += 1;
        if j == nv_row {
            j = 0;
            y += 1;
        }
        at
    };
    let mut v = 0;
    while v < nv {
        let (y0, x0) = next();
        let (y1, x1) = if v + 1 < nv { next() } else { (y0, x0) };
        let s0 = src.add(y0 * d.ws + x0);
        let s1 = src.add(y1 * d.ws + x1);
        let mut ir = 0;
        while ir < rows {
            let ap = a_packed.add(ir * k);
            let mut acc = [f32x4_splat(0.0); 8];
            match pr {
                3 => tile_rows2::<3>(k, ap, s0, s1, off, &mut acc),
                _ => tile_rows2::<4>(k, ap, s0, s1, off, &mut acc),
            }
            for i in 0..pr.min(rows - ir) {
                let o = ir + i;
                let b = if bias.is_null() { 0.0 } else { *bias.add(o) };
                let vb = f32x4_splat(b);
                let po = out.add(o * plane);
                store_vec(po, y0 * d.out_w + x0, d.out_w, f32x4_add(acc[2 * i], vb));
                if v + 1 < nv {
                    store_vec(po, y1 * d.out_w + x1, d.out_w, f32x4_add(acc[2 * i + 1], vb));
                }
            }
            ir += pr;
        }
        v += 2;
    }
}

/// Stores the lanes of `val` that fall inside a row of `out_w` (all four when out_w >= 4).
#[inline(always)]
unsafe fn store_vec(plane: *mut f32, at: usize, out_w: usize, val: v128) {
    if out_w >= 4 {
        store4(plane.add(at), val);
    } else {
        let mut t = [0.0f32; 4];
        store4(t.as_mut_ptr(), val);
        for (i, x) in t.iter().enumerate().take(out_w) {
            *plane.add(at + i) = *x;
        }
    }
}

/// R x (4 + 4) tile: acc[2i] = sum_p Apanel[p, i] * s0[off[p] ..+4], acc[2i+1] likewise on s1.
#[inline(always)]
unsafe fn tile_rows2<const R: usize>(k: usize, a: *const f32, s0: *const f32, s1: *const f32, off: *const u32, acc: &mut [v128; 8]) {
    let mut lo = [f32x4_splat(0.0); R];
    let mut hi = [f32x4_splat(0.0); R];
    let mut pa = a;
    for p in 0..k {
        let o = *off.add(p) as usize;
        let bl = load4(s0.add(o));
        let bh = load4(s1.add(o));
        for i in 0..R {
            let ai = v128_load32_splat(pa.add(i) as *const u32);
            lo[i] = f32x4_add(lo[i], f32x4_mul(ai, bl));
            hi[i] = f32x4_add(hi[i], f32x4_mul(ai, bh));
        }
        pa = pa.add(R);
    }
    for i in 0..R {
        acc[2 * i] = lo[i];
        acc[2 * i + 1] = hi[i];
    }
}

/// Packs rows x K weights (row-major, row stride K) into `pr`-row panels: dst[panel][p][i],
/// rows past `rows` zero.
pub unsafe fn pack_weights_rows(rows: usize, k: usize, w: *const f32, pr: usize) -> *const f32 {
    let padded = (rows + pr - 1) / pr * pr;
    let pa = PACK_A.get(padded * k);
    for panel in 0..padded / pr {
        let dst = pa.add(panel * pr * k);
        for p in 0..k {
            for i in 0..pr {
                let r = panel * pr + i;
                *dst.add(p * pr + i) = if r < rows { *w.add(r * k + p) } else { 0.0 };
            }
        }
    }
    pa
}

/// 4x8 tile: acc[i][j] = sum_p Apanel[p, i] * src[off[p] + j], as [row0 lo, row0 hi, ...].
#[inline(always)]
unsafe fn kernel_gather_b(k: usize, a: *const f32, src: *const f32, off: *const u32) -> [v128; 8] {
    let mut c0l = f32x4_splat(0.0);
    let mut c0h = f32x4_splat(0.0);
    let mut c1l = f32x4_splat(0.0);
    let mut c1h = f32x4_splat(0.0);
    let mut c2l = f32x4_splat(0.0);
    let mut c2h = f32x4_splat(0.0);
    let mut c3l = f32x4_splat(0.0);
    let mut c3h = f32x4_splat(0.0);
    let mut pa = a;
    for p in 0..k {
        let pb = src.add(*off.add(p) as usize);
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
    }
    [c0l, c0h, c1l, c1h, c2l, c2h, c3l, c3h]
}

/// Forward convolution of one group over the whole batch (stride 1).
#[allow(clippy::too_many_arguments)]
pub unsafe fn conv_forward_stride1(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, groups: usize,
    k_h: usize, k_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    out_h: usize, out_w: usize, input: *const f32, weight: *const f32, bias: *const f32,
    output: *mut f32,
) {
    let ipg = in_c / groups;
    let opg = out_c / groups;
    let d = Direct {
        channels: ipg, k_h, k_w, dil_h, dil_w,
        hs: in_h + 2 * pad_h, ws: in_w + 2 * pad_w, out_h, out_w,
    };
    if forward_prefers_quads(batch, out_w) {
        return forward_quads(&d, batch, in_c, out_c, groups, pad_h, pad_w, input, weight, bias, output);
    }
    let k = d.k();
    let src_len = d.src_len();
    let src = DIRECT_SRC.get(src_len);
    let off = d.offsets();
    for grp in 0..groups {
        let pr = forward_panel_rows(opg);
        let a = pack_weights_rows(opg, k, weight.add(grp * opg * k), pr);
        let b = if bias.is_null() { bias } else { bias.add(grp * opg) };
        for n in 0..batch {
            let img = input.add((n * in_c + grp * ipg) * in_h * in_w);
            let out = output.add((n * out_c + grp * opg) * out_h * out_w);
            // Unpadded, with rows of at least one vector, every read of forward_image stays
            // inside the image: it is read in place.
            if pad_h == 0 && pad_w == 0 && out_w >= 4 {
                forward_image(&d, opg, pr, a, off, img, b, out);
                continue;
            }
            pad_planes(img, ipg, in_h, in_w, pad_h, pad_w, d.hs, d.ws, src, src_len);
            forward_image(&d, opg, pr, a, off, src, b, out);
        }
    }
}

/// Forward over interleaved quads of images (element e of image l at 4*e + l): each f32x4 is
/// one output position of 4 images, so rows of any width split into whole vectors (no
/// overlapping row tails) and every source load is aligned. Chosen by forward_prefers_quads.
#[allow(clippy::too_many_arguments)]
unsafe fn forward_quads(
    d: &Direct, batch: usize, in_c: usize, out_c: usize, groups: usize, pad_h: usize, pad_w: usize,
    input: *const f32, weight: *const f32, bias: *const f32, output: *mut f32,
) {
    let ipg = in_c / groups;
    let opg = out_c / groups;
    let (in_h, in_w) = (d.hs - 2 * pad_h, d.ws - 2 * pad_w);
    let k = d.k();
    let off = d.offsets() as *mut u32;
    for p in 0..k {
        *off.add(p) *= 4;
    }
    let plane = d.out_h * d.out_w;
    let src_img = (d.channels * d.hs * d.ws + 3) / 4 * 4;
    let o_img = (opg * plane + 3) / 4 * 4;
    let xi = DIRECT_SRC.get(4 * src_img);
    let oi = DIRECT_OUT.get(4 * o_img);
    // Channels in pairs (none padded) x 4 adjacent positions when rows split into whole groups
    // of 4 and 4-row panels would pad: conv1's 6 channels as 3 pairs instead of 2 panels of 3
    // (8 accumulators, not 6: the 6 add chains of a 3-row tile leave the adds no slack).
    let pairs = opg % 4 != 0 && opg % 2 == 0 && d.out_w % 4 == 0;
    let pr = if pairs { 2 } else { forward_panel_rows(opg) };
    for grp in 0..groups {
        let a = pack_weights_rows(opg, k, weight.add(grp * opg * k), pr);
        let mut n0 = 0;
        while n0 < batch {
            let nc = 4.min(batch - n0);
            let x_quad = Quad { base: input.add((n0 * in_c + grp * ipg) * in_h * in_w), stride: in_c * in_h * in_w, count: nc };
            interleave_padded(&x_quad, ipg, in_h, in_w, pad_h, pad_w, d.hs, d.ws, xi, src_img);
            let o_quad = Quad { base: output.add((n0 * out_c + grp * opg) * plane), stride: out_c * plane, count: nc };
            if pairs {
                forward_quads_pairs(d, opg, k, a, off, xi, bias.add(if bias.is_null() { 0 } else { grp * opg }), &o_quad);
                n0 += nc;
                continue;
            }
            let mut q0 = 0;
            while q0 < plane {
                let q1 = (q0 + 1).min(plane - 1);
                let t0 = (q0 / d.out_w) * d.ws + q0 % d.out_w;
                let t1 = (q1 / d.out_w) * d.ws + q1 % d.out_w;
                let mut ir = 0;
                while ir < opg {
                    let ap = a.add(ir * k);
                    let mut acc = [f32x4_splat(0.0); 8];
                    match pr {
                        3 => tile_rows2::<3>(k, ap, xi.add(4 * t0), xi.add(4 * t1), off, &mut acc),
                        _ => tile_rows2::<4>(k, ap, xi.add(4 * t0), xi.add(4 * t1), off, &mut acc),
                    }
                    for i in 0..pr.min(opg - ir) {
                        let o = grp * opg + ir + i;
                        let vb = f32x4_splat(if bias.is_null() { 0.0 } else { *bias.add(o) });
                        let po = oi.add(4 * (ir + i) * plane);
                        store4(po.add(4 * q0), f32x4_add(acc[2 * i], vb));
                        store4(po.add(4 * q1), f32x4_add(acc[2 * i + 1], vb));
                    }
                    ir += pr;
                }
                q0 += 2;
            }
            deinterleave_cropped(oi, 1, 1, opg * plane, 0, 0, 1, opg * plane, &o_quad);
            n0 += nc;
        }
    }
}

/// forward_quads' tiles of 2 output channels x 4 adjacent positions of one row (out_w a
/// multiple of 4, opg even): the four position vectors are constant offsets from one address.
/// Each channel's 4 x 4 block (positions x images) is transposed in registers and stored
/// straight into the quad's output images (no interleaved output buffer to write, read back
/// and transpose).
#[allow(clippy::too_many_arguments)]
unsafe fn forward_quads_pairs(
    d: &Direct, opg: usize, k: usize, a: *const f32, off: *const u32, xi: *const f32, bias: *const f32, oq: &Quad,
) {
    let out = oq.base as *mut f32;
    let plane = d.out_h * d.out_w;
    for y in 0..d.out_h {
        for x in (0..d.out_w).step_by(4) {
            let s = xi.add(4 * (y * d.ws + x));
            let q = y * d.out_w + x;
            for ir in (0..opg).step_by(2) {
                let acc = tile_pair_adjacent::<2>(k, a.add(ir * k), s, off);
                for i in 0..2 {
                    let vb = f32x4_splat(if bias.is_null() { 0.0 } else { *bias.add(ir + i) });
                    let t = transpose4([
                        f32x4_add(acc[4 * i], vb), f32x4_add(acc[4 * i + 1], vb),
                        f32x4_add(acc[4 * i + 2], vb), f32x4_add(acc[4 * i + 3], vb),
                    ]);
                    let po = out.add((ir + i) * plane + q);
                    for (l, v) in t.iter().enumerate().take(oq.count) {
                        store4(po.add(l * oq.stride), *v);
                    }
                }
            }
        }
    }
}

/// 2 x 4 tile: acc[4i + j] = sum_p Apanel[p, i] * s[off[p] + 4j ..+4], Apanel's rows `AS`
/// floats apart.
#[inline(always)]
unsafe fn tile_pair_adjacent<const AS: usize>(k: usize, a: *const f32, s: *const f32, off: *const u32) -> [v128; 8] {
    let mut c = [f32x4_splat(0.0); 8];
    let mut pa = a;
    for p in 0..k {
        let b = s.add(*off.add(p) as usize);
        let b0 = load4(b);
        let b1 = load4(b.add(4));
        let b2 = load4(b.add(8));
        let b3 = load4(b.add(12));
        let a0 = v128_load32_splat(pa as *const u32);
        let a1 = v128_load32_splat(pa.add(1) as *const u32);
        c[0] = f32x4_add(c[0], f32x4_mul(a0, b0));
        c[1] = f32x4_add(c[1], f32x4_mul(a0, b1));
        c[2] = f32x4_add(c[2], f32x4_mul(a0, b2));
        c[3] = f32x4_add(c[3], f32x4_mul(a0, b3));
        c[4] = f32x4_add(c[4], f32x4_mul(a1, b0));
        c[5] = f32x4_add(c[5], f32x4_mul(a1, b1));
        c[6] = f32x4_add(c[6], f32x4_mul(a1, b2));
        c[7] = f32x4_add(c[7], f32x4_mul(a1, b3));
        pa = pa.add(AS);
    }
    c
}

/// Rows cut into overlapping 4-wide vectors (forward_image) vs quads of images: the first
/// computes round_up(out_w, 4) lanes per out_w, the second round_up(batch, 4) per batch. At
/// equal lanes quads measured ~4% faster (conv1, batch 64: 50 vs 48 GFLOP/s): their loads are
/// aligned, while 3 in 4 of the rows' loads are not (some split cache lines), and that
/// outweighs interleaving since it reads the tensors in place.
fn forward_prefers_quads(batch: usize, out_w: usize) -> bool {
    if batch == 0 || out_w == 0 {
        return false;
    }
    let rows = ((out_w + 3) / 4 * 4) as f32 / out_w as f32;
    let quads = ((batch + 3) / 4 * 4) as f32 / batch as f32 * 0.96;
    quads < rows
}

/// Backward-weight of one stride-1 convolution as dot products over the output positions:
/// gradW[o, p] = sum_{n, y, x} gO[n, o, y, x] * src_n[off[p] + y*ws + x], with an RO x RP
/// register tile of (output channel, reduction offset) pairs reduced horizontally once per
/// chunk of images (2 x 4 measured fastest: 3-row tiles run out of V8's 16 xmm registers and
/// spill). The f32x4 lanes run over 4 images (backward_weight_quads: every position a whole
/// vector, whatever out_w) or, when out_w is a multiple of 4 and the batch is not, over 4
/// adjacent x positions of one image (chunks of images sized to stay in L1). No lane is
/// wasted on padding the output channels (6 = 3 tiles of 2 rows). Accumulates into
/// grad_weight (zeroed by the caller).
#[allow(clippy::too_many_arguments)]
pub unsafe fn conv_backward_weight_stride1(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, groups: usize,
    k_h: usize, k_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    out_h: usize, out_w: usize, input: *const f32, grad_output: *const f32, grad_weight: *mut f32,
) {
    let ipg = in_c / groups;
    let opg = out_c / groups;
    let d = Direct {
        channels: ipg, k_h, k_w, dil_h, dil_w,
        hs: in_h + 2 * pad_h, ws: in_w + 2 * pad_w, out_h, out_w,
    };
    let k = d.k();
    // Each padded image has slack after its planes: reads run up to 3 floats past a row's
    // out_w valid positions (see src_len).
    let src_img = d.src_len();
    let off = d.offsets();
    let plane = out_h * out_w;
    let (ro, rp) = bw_tile(opg, k);
    // Lanes over images (every position a whole vector, aligned loads) measured faster even
    // when rows split evenly into vectors (conv1 b64: 52 vs 49 GFLOP/s); rows are kept for a
    // batch that would leave quad lanes empty.
    if out_w % 4 != 0 || batch % 4 == 0 {
        return backward_weight_quads(&d, batch, in_c, out_c, groups, pad_h, pad_w, input, grad_output, grad_weight, ro, rp);
    }
    let per_img = src_img + opg * plane;
    let chunk = (16384 / per_img.max(1)).max(1).min(batch.max(1));
    let src = DIRECT_SRC.get(src_img * chunk);
    for grp in 0..groups {
        let gw = grad_weight.add(grp * opg * k);
        let mut n0 = 0;
        while n0 < batch {
            let nc = chunk.min(batch - n0);
            for i in 0..nc {
                let img = input.add(((n0 + i) * in_c + grp * ipg) * in_h * in_w);
                pad_planes(img, ipg, in_h, in_w, pad_h, pad_w, d.hs, d.ws, src.add(i * src_img), src_img);
            }
            let go0 = grad_output.add((n0 * out_c + grp * opg) * plane);
            let t = DotTile {
                g: go0, g_img: out_c * plane, g_ch: plane, g_row: out_w, nimg: nc, out_h, row: out_w,
                x_img: src_img, x_row: d.ws, x_scale: 1,
            };
            run_dot_tiles(&t, ro, rp, opg, k, src, off, gw);
            n0 += nc;
        }
    }
}

#[allow(clippy::too_many_arguments)]
unsafe fn run_dot_tiles(t: &DotTile, ro: usize, rp: usize, opg: usize, k: usize, src: *const f32, off: *const u32, gw: *mut f32) {
    match (ro, rp) {
        (2, 4) => dot_tiles::<2, 4>(t, opg, k, src, off, gw),
        (2, 3) => dot_tiles::<2, 3>(t, opg, k, src, off, gw),
        _ => dot_tiles::<2, 2>(t, opg, k, src, off, gw),
    }
}

/// Backward-weight when out_w is not a multiple of 4: the lanes run over 4 images instead of 4
/// adjacent positions. Each quad of images is interleaved (padded source planes and gO,
/// element e of image l at 4*e + l; images past the batch are zeros), so every output position
/// is one whole vector and no lane is wasted on a row tail.
#[allow(clippy::too_many_arguments)]
unsafe fn backward_weight_quads(
    d: &Direct, batch: usize, in_c: usize, out_c: usize, groups: usize, pad_h: usize, pad_w: usize,
    input: *const f32, grad_output: *const f32, grad_weight: *mut f32, ro: usize, rp: usize,
) {
    let ipg = in_c / groups;
    let opg = out_c / groups;
    let (in_h, in_w) = (d.hs - 2 * pad_h, d.ws - 2 * pad_w);
    let k = d.k();
    let off = d.offsets();
    let plane = d.out_h * d.out_w;
    let src_img = (d.channels * d.hs * d.ws + 3) / 4 * 4;
    let g_img = (opg * plane + 3) / 4 * 4;
    let xi = DIRECT_SRC.get(4 * src_img);
    let gi = DIRECT_OUT.get(4 * g_img);
    for grp in 0..groups {
        let gw = grad_weight.add(grp * opg * k);
        let mut n0 = 0;
        while n0 < batch {
            let nc = 4.min(batch - n0);
            let x_quad = Quad { base: input.add((n0 * in_c + grp * ipg) * in_h * in_w), stride: in_c * in_h * in_w, count: nc };
            interleave_padded(&x_quad, ipg, in_h, in_w, pad_h, pad_w, d.hs, d.ws, xi, src_img);
            let g_quad = Quad { base: grad_output.add((n0 * out_c + grp * opg) * plane), stride: out_c * plane, count: nc };
            interleave_padded(&g_quad, 1, 1, opg * plane, 0, 0, 1, opg * plane, gi, g_img);
            let t = DotTile {
                g: gi, g_img: 0, g_ch: 4 * plane, g_row: 4 * d.out_w, nimg: 1, out_h: d.out_h,
                row: 4 * d.out_w, x_img: 0, x_row: 4 * d.ws, x_scale: 4,
            };
            run_dot_tiles(&t, ro, rp, opg, k, xi, off, gw);
            n0 += nc;
        }
    }
}

/// Register tile (output-channel rows, reduction columns) of backward-weight: the candidate
/// with the fewest padded (wasted) pairs, weighed by operand loads per multiply-add.
fn bw_tile(opg: usize, k: usize) -> (usize, usize) {
    let cands: [(usize, usize); 3] = [(2, 4), (2, 3), (2, 2)];
    let mut best = cands[0];
    let mut best_cost = usize::MAX;
    for &(ro, rp) in cands.iter() {
        let padded = (opg + ro - 1) / ro * ro * ((k + rp - 1) / rp * rp);
        // Small tiles reload operands more often: weigh by (ro + rp) / (ro * rp).
        let cost = padded * (ro + rp) * 1000 / (ro * rp);
        if cost < best_cost {
            best_cost = cost;
            best = (ro, rp);
        }
    }
    best
}

/// Geometry of one chunk of images for the backward-weight dot products: gO of output
/// channel o, image i, row y starts at g + i*g_img + o*g_ch + y*g_row; the padded source row of reduction offset p at src + i*x_img + off[p]*x_scale +
/// y*x_row; each row is `row` floats of multiples of 4.
struct DotTile {
    g: *const f32,
    g_img: usize,
    g_ch: usize,
    g_row: usize,
    nimg: usize,
    out_h: usize,
    row: usize,
    x_img: usize,
    x_row: usize,
    x_scale: usize,
}

unsafe fn dot_tiles<const RO: usize, const RP: usize>(
    t: &DotTile, opg: usize, k: usize, src: *const f32, off: *const u32, gw: *mut f32,
) {
    let mut o0 = 0;
    while o0 < opg {
        let mut gp = [t.g; RO];
        for (i, g) in gp.iter_mut().enumerate() {
            // Rows past opg repeat the last row; their sums are dropped.
            *g = t.g.add((o0 + i).min(opg - 1) * t.g_ch);
        }
        let mut p0 = 0;
        while p0 < k {
            let mut xp = [src as *const f32; RP];
            for (j, x) in xp.iter_mut().enumerate() {
                *x = src.add(*off.add((p0 + j).min(k - 1)) as usize * t.x_scale);
            }
            let acc = dot_tile::<RO, RP>(t, gp, xp);
            for i in 0..RO {
                if o0 + i >= opg {
                    break;
                }
                let row = gw.add((o0 + i) * k + p0);
                if RP == 4 && p0 + 4 <= k {
                    let s = hsum4([acc[i][0], acc[i][1 % RP], acc[i][2 % RP], acc[i][3 % RP]]);
                    store4(row, f32x4_add(load4(row), s));
                } else {
                    for j in 0..RP {
                        if p0 + j < k {
                            *row.add(j) += hsum(acc[i][j]);
                        }
                    }
                }
            }
            p0 += RP;
        }
        o0 += RO;
    }
}

#[inline(always)]
unsafe fn dot_tile<const RO: usize, const RP: usize>(
    t: &DotTile, gp: [*const f32; RO], xp: [*const f32; RP],
) -> [[v128; RP]; RO] {
    let mut acc = [[f32x4_splat(0.0); RP]; RO];
    for img in 0..t.nimg {
        let gi = img * t.g_img;
        let xi = img * t.x_img;
        for y in 0..t.out_h {
            let go = gi + y * t.g_row;
            let xo = xi + y * t.x_row;
            let mut x = 0;
            while x < t.row {
                let mut gv = [f32x4_splat(0.0); RO];
                for i in 0..RO {
                    gv[i] = load4(gp[i].add(go + x));
                }
                for j in 0..RP {
                    let xv = load4(xp[j].add(xo + x));
                    for i in 0..RO {
                        acc[i][j] = f32x4_add(acc[i][j], f32x4_mul(gv[i], xv));
                    }
                }
                x += 4;
            }
        }
    }
    acc
}

#[inline(always)]
fn hsum(v: v128) -> f32 {
    (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v)) + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v))
}

/// (sum a0, sum a1, sum a2, sum a3).
#[inline(always)]
fn hsum4(a: [v128; 4]) -> v128 {
    // s01 = (a0_0+a0_2, a1_0+a1_2, a0_1+a0_3, a1_1+a1_3); s23 likewise.
    let s01 = f32x4_add(i32x4_shuffle::<0, 4, 1, 5>(a[0], a[1]), i32x4_shuffle::<2, 6, 3, 7>(a[0], a[1]));
    let s23 = f32x4_add(i32x4_shuffle::<0, 4, 1, 5>(a[2], a[3]), i32x4_shuffle::<2, 6, 3, 7>(a[2], a[3]));
    f32x4_add(i32x4_shuffle::<0, 1, 4, 5>(s01, s23), i32x4_shuffle::<2, 3, 6, 7>(s01, s23))
}

/// Backward-input of a stride-1 convolution with col2im fused into the gemm, the kx taps
/// folded into the reduction: for each input channel c and kernel row ky (a gemm row) and each
/// full-width position q = y*ws + ix (ws the padded input width),
///   T[(c, ky), q] = sum_{o, kx} W[o, c, ky, kx] * gO[o, y, ix - kx*dil_w]
/// is added into the padded gradInput at c*plane + ky*dil_h*ws + q. gO is laid out in rows of
/// ws floats with its out_w values at columns lp.. (lp = (k_w-1)*dil_w) and zeros before, so
/// the shifted read of tap kx is the contiguous run at q + lp - kx*dil_w, and columns outside
/// the row read zeros (of this row or the next). The reduction is out_c*k_w long instead of
/// out_c (the plain col2im-fused gemm), so the read-modify-write of gradInput is amortised
/// over k_w times more arithmetic.
#[allow(clippy::too_many_arguments)]
pub unsafe fn conv_backward_input_stride1(
    batch: usize, in_c: usize, in_h: usize, in_w: usize, out_c: usize, groups: usize,
    k_h: usize, k_w: usize, pad_h: usize, pad_w: usize, dil_h: usize, dil_w: usize,
    out_h: usize, out_w: usize, grad_output: *const f32, weight: *const f32, grad_input: *mut f32,
) {
    let ipg = in_c / groups;
    let opg = out_c / groups;
    let d = Direct {
        channels: ipg, k_h, k_w, dil_h, dil_w,
        hs: in_h + 2 * pad_h, ws: in_w + 2 * pad_w, out_h, out_w,
    };
    if prefer_quads_backward_input(batch, ipg, opg, k_h, k_w, out_h, out_w, in_h + 2 * pad_h, in_w + 2 * pad_w) {
        return backward_input_quads(&d, batch, in_c, out_c, groups, pad_h, pad_w, grad_output, weight, grad_input);
    }
    let k = d.k();
    let taps = k_h * k_w;
    let pos = d.positions();
    let tiles = (pos + NR - 1) / NR;
    let lp = (k_w - 1) * dil_w;
    // Each gO plane: out_h rows of ws, then zeros for the last tile's reads past the end.
    let go_stride = tiles * NR + lp + NR;
    let rows = ipg * k_h;
    let rows_padded = (rows + MR - 1) / MR * MR;
    let red = opg * k_w;
    // Store offset of gemm row (c, ky) in the padded gradInput; read offset of reduction
    // index (o, kx) in the laid-out gO.
    let off = DIRECT_OFFSETS.get(rows_padded + red) as *mut u32;
    let b_off = off.add(rows_padded);
    for c in 0..ipg {
        for ky in 0..k_h {
            *off.add(c * k_h + ky) = (c * d.hs * d.ws + ky * dil_h * d.ws) as u32;
        }
    }
    for o in 0..opg {
        for kx in 0..k_w {
            *b_off.add(o * k_w + kx) = (o * go_stride + lp - kx * dil_w) as u32;
        }
    }
    // Padded gradInput planes, plus slack for the last tile's lanes.
    let dst_len = d.src_len();
    let dst = DIRECT_SRC.get(dst_len);
    let go_pad = DIRECT_OUT.get(opg * go_stride);
    let a = PACK_A.get(rows_padded * red);
    for grp in 0..groups {
        // A[(c, ky), (o, kx)] = W_g[o, c, ky, kx] in MR-row panels: a[panel][(o, kx)][i].
        let wg = weight.add(grp * opg * k);
        for pr in (0..rows_padded).step_by(MR) {
            for o in 0..opg {
                for kx in 0..k_w {
                    for i in 0..MR {
                        let r = pr + i;
                        *a.add(pr * red + (o * k_w + kx) * MR + i) = if r < rows {
                            let (c, ky) = (r / k_h, r % k_h);
                            *wg.add(o * k + c * taps + ky * k_w + kx)
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
        for n in 0..batch {
            let go = grad_output.add((n * out_c + grp * opg) * out_h * out_w);
            crate::elementwise::fill_raw(go_pad, opg * go_stride, 0.0);
            for o in 0..opg {
                for y in 0..out_h {
                    copy_row(go.add((o * out_h + y) * out_w), go_pad.add(o * go_stride + y * d.ws + lp), out_w);
                }
            }
            crate::elementwise::fill_raw(dst, dst_len, 0.0);
            let mut ir = 0;
            while ir < rows {
                let live = (rows - ir).min(MR);
                let a_panel = a.add(ir * red);
                for jt in 0..tiles {
                    let q = jt * NR;
                    let acc = kernel_gather_b(red, a_panel, go_pad.add(q), b_off);
                    for i in 0..live {
                        let t = dst.add(*off.add(ir + i) as usize + q);
                        store4(t, f32x4_add(load4(t), acc[2 * i]));
                        store4(t.add(4), f32x4_add(load4(t.add(4)), acc[2 * i + 1]));
                    }
                }
                ir += MR;
            }
            // Crop the padding away.
            let gi = grad_input.add((n * in_c + grp * ipg) * in_h * in_w);
            for c in 0..ipg {
                for y in 0..in_h {
                    copy_row(dst.add(c * d.hs * d.ws + (y + pad_h) * d.ws + pad_w), gi.add((c * in_h + y) * in_w), in_w);
                }
            }
        }
    }
}

/// Backward-input: lanes over images with the ky taps folded (backward_input_quads) or the
/// kx-folded gemm above, by a cost model fitted to the seed shapes: quads lose the empty lanes
/// of the last quad and the padding rows of the last panel of MR (c, kx) rows, and pay a
/// read-modify-write per reduction of out_c times the ky taps valid for an input row (on
/// average out_h * k_h / hs); the folded gemm computes whole padded rows (tiles of 8 over
/// out_h * ws) and reads zeros for the taps outside gO, amortising its read-modify-write over
/// out_c * k_w.
#[allow(clippy::too_many_arguments)]
fn prefer_quads_backward_input(
    batch: usize, ipg: usize, opg: usize, k_h: usize, k_w: usize, out_h: usize, out_w: usize, hs: usize, ws: usize,
) -> bool {
    if batch == 0 || opg == 0 || out_w == 0 || hs == 0 {
        return false;
    }
    let rmw = 3.3f32;
    let positions = ((out_h * ws + NR - 1) / NR * NR) as f32;
    let fold = positions / (out_h * out_w) as f32 * (1.0 + rmw / (opg * k_w) as f32);
    let rows = (ipg * k_w) as f32;
    let rows_padded = ((ipg * k_w + MR - 1) / MR * MR) as f32;
    let taps = (out_h * k_h) as f32 / hs as f32;
    let quads = ((batch + 3) / 4 * 4) as f32 / batch as f32 * rows_padded / rows * (1.0 + rmw / (opg as f32 * taps));
    quads < fold
}

/// Backward-input with the f32x4 lanes over 4 interleaved images (element e of image l at
/// 4*e + l) and the ky taps folded into the reduction: for each gemm row (kx, c) and padded
/// input position (iy, x), x < out_w,
///   T[(kx, c), (iy, x)] = sum_{ky, o} W[o, c, ky, kx] * gO[o, iy - ky*dil_h, x]
/// is added into the padded, interleaved gradInput at c*plane + iy*ws + x + kx*dil_w. A tile
/// (two adjacent positions of one row iy) reduces only over the ky whose gO row exists, so no
/// multiply-add is wasted, and the read-modify-write of gradInput is amortised over out_c
/// times the valid ky (out_c alone without the folding: 21% slower at conv2). Every access is
/// one aligned vector.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn backward_input_quads(
    d: &Direct, batch: usize, in_c: usize, out_c: usize, groups: usize, pad_h: usize, pad_w: usize,
    grad_output: *const f32, weight: *const f32, grad_input: *mut f32,
) {
    let ipg = in_c / groups;
    let opg = out_c / groups;
    let (in_h, in_w) = (d.hs - 2 * pad_h, d.ws - 2 * pad_w);
    let (k_h, k_w, dil_h) = (d.k_h, d.k_w, d.dil_h);
    let k = d.k();
    let rows = ipg * k_w;
    let rows_padded = (rows + MR - 1) / MR * MR;
    let red = k_h * opg;
    let plane = d.out_h * d.out_w;
    let src_img = (d.channels * d.hs * d.ws + 3) / 4 * 4;
    let g_img = (opg * plane + 3) / 4 * 4;
    let gi = DIRECT_SRC.get(4 * src_img);
    // Slack: a lone last position also reads the next one.
    let go = DIRECT_OUT.get(4 * (g_img + 4));
    let a = PACK_A.get(rows_padded * red);
    // Store offset (in positions) of gemm row (kx, c) in the padded gradInput; read offset of
    // reduction index (ky, o) in gO, from the row of tap k_h - 1 (so none is negative).
    let row_off = DIRECT_OFFSETS.get(rows_padded + red) as *mut u32;
    let b_off = row_off.add(rows_padded);
    // Rows are (kx, c), c fastest: the up to 4 rows of a tile then belong to 4 different
    // channels (with (c, kx) rows, neighbouring rows of one channel write positions one apart,
    // so a row's loads waited on the previous row's stores: ~1.5 % slower at the seed's conv2).
    // An element still gets its terms in the same order (by tile, then by kx), so the sums are
    // bit for bit those of the (c, kx) order.
    for r in 0..rows {
        *row_off.add(r) = ((r % ipg) * d.hs * d.ws + (r / ipg) * d.dil_w) as u32;
    }
    for ky in 0..k_h {
        for o in 0..opg {
            *b_off.add(ky * opg + o) = (4 * (o * plane + (k_h - 1 - ky) * dil_h * d.out_w)) as u32;
        }
    }
    let last_tap = 4 * (k_h - 1) * dil_h * d.out_w;
    // A last panel of 1 or 2 live rows (the seed's conv2: 30 rows) takes tiles of those rows x
    // 4 adjacent positions instead of 4 rows x 2 positions, half of them padding; the other
    // panels then go over 4 positions as two pairs.
    let step = if rows % MR == 1 || rows % MR == 2 { 4 } else { 2 };
    let paired_rows = if step == 4 { rows / MR * MR } else { rows };
    for grp in 0..groups {
        // A[(kx, c), (ky, o)] = W_g[o, c, ky, kx] in MR-row panels: a[panel][ky][o][i].
        let wg = weight.add(grp * opg * k);
        for pr in (0..rows_padded).step_by(MR) {
            for ky in 0..k_h {
                for o in 0..opg {
                    for i in 0..MR {
                        let r = pr + i;
                        *a.add(pr * red + (ky * opg + o) * MR + i) =
                            if r < rows { *wg.add(o * k + (r % ipg) * k_h * k_w + ky * k_w + r / ipg) } else { 0.0 };
                    }
                }
            }
        }
        let mut n0 = 0;
        while n0 < batch {
            let nc = 4.min(batch - n0);
            let g_quad = Quad { base: grad_output.add((n0 * out_c + grp * opg) * plane), stride: out_c * plane, count: nc };
            interleave_padded(&g_quad, 1, 1, opg * plane, 0, 0, 1, opg * plane, go, g_img);
            crate::elementwise::fill_raw(gi, 4 * src_img, 0.0);
            for iy in 0..d.hs {
                // Taps with 0 <= iy - ky*dil_h < out_h.
                let lo = ((iy + 1).saturating_sub(d.out_h) + dil_h - 1) / dil_h;
                let hi = (iy / dil_h + 1).min(k_h);
                if lo >= hi {
                    continue;
                }
                let b_row = b_off.add(lo * opg);
                let tiles = PairTiles {
                    out_w: d.out_w, ws: d.ws, go, last_tap, a: a.add(lo * opg * MR), red, n: (hi - lo) * opg, b_off: b_row,
                    gi, row_off, rows,
                };
                if step == 2 {
                    for x in (0..d.out_w).step_by(2) {
                        tiles.add(iy, x, rows, None);
                    }
                    continue;
                }
                for x in (0..d.out_w).step_by(4) {
                    // The last panel's 1 or 2 rows x positions x..x + 3 (those past the row's
                    // end read the next row or the slack; their sums are dropped), added where
                    // the 4 x 2 tiles would have added them: the same sums in the same order.
                    let b = go.wrapping_add(4 * (iy * d.out_w + x)).wrapping_sub(last_tap);
                    let tail = tile_pair_adjacent::<MR>((hi - lo) * opg, a.add(paired_rows * red + lo * opg * MR), b, b_row);
                    tiles.add(iy, x, paired_rows, Some((&tail, 0)));
                    if x + 2 < d.out_w {
                        tiles.add(iy, x + 2, paired_rows, Some((&tail, 2)));
                    }
                }
            }
            let x_quad = Quad { base: grad_input.add((n0 * in_c + grp * ipg) * in_h * in_w), stride: in_c * in_h * in_w, count: nc };
            deinterleave_cropped(gi, ipg, in_h, in_w, pad_h, pad_w, d.hs, d.ws, &x_quad);
            n0 += nc;
        }
    }
}

/// backward_input_quads' 4 x 2 tiles of one row iy: reduction over `n` (ky, o) indices from
/// `a` (panels of MR rows, `red` apart) against gO at b_off, added into the interleaved gradInput.
struct PairTiles {
    out_w: usize,
    ws: usize,
    go: *const f32,
    last_tap: usize,
    a: *const f32,
    red: usize,
    n: usize,
    b_off: *const u32,
    gi: *mut f32,
    row_off: *const u32,
    rows: usize,
}

impl PairTiles {
    /// Positions x, x + 1 (x + 1 read even past the row's end: the next row, or the slack; its
    /// sums are dropped then) of rows 0..panel_rows, then, for the rows after those, the sums
    /// tail[4i + j], tail[4i + j + 1] computed elsewhere.
    #[inline(always)]
    unsafe fn add(&self, iy: usize, x: usize, panel_rows: usize, tail: Option<(&[v128; 8], usize)>) {
        let pair = x + 1 < self.out_w;
        let b = self.go.wrapping_add(4 * (iy * self.out_w + x)).wrapping_sub(self.last_tap);
        let t = iy * self.ws + x;
        let mut ir = 0;
        while ir < panel_rows {
            let acc = kernel_gather_b(self.n, self.a.add(ir * self.red), b, self.b_off);
            for i in 0..(self.rows - ir).min(MR) {
                let p = self.gi.add(4 * (*self.row_off.add(ir + i) as usize + t));
                store4(p, f32x4_add(load4(p), acc[2 * i]));
                if pair {
                    let p = p.add(4);
                    store4(p, f32x4_add(load4(p), acc[2 * i + 1]));
                }
            }
            ir += MR;
        }
        if let Some((tail, j)) = tail {
            for i in 0..self.rows - panel_rows {
                let p = self.gi.add(4 * (*self.row_off.add(panel_rows + i) as usize + t));
                store4(p, f32x4_add(load4(p), tail[4 * i + j]));
                if pair {
                    let p = p.add(4);
                    store4(p, f32x4_add(load4(p), tail[4 * i + j + 1]));
                }
            }
        }
    }
}

#[inline(always)]
unsafe fn copy_row(src: *const f32, dst: *mut f32, n: usize) {
    let mut x = 0;
    while x + 4 <= n {
        store4(dst.add(x), load4(src.add(x)));
        x += 4;
    }
    while x < n {
        *dst.add(x) = *src.add(x);
        x += 1;
    }
}
