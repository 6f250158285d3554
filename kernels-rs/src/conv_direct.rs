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

use crate::gemm::{MR, NR};
use crate::scratch::{COLUMNS, DIRECT_OFFSETS, DIRECT_OUT, DIRECT_SRC, PACK_A, PACK_B};
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
/// the padded image.
pub unsafe fn forward_image(
    d: &Direct, rows: usize, pr: usize, a_packed: *const f32, off: *const u32, src: *const f32,
    bias: *const f32, out: *mut f32,
) {
    let k = d.k();
    let pos = d.positions();
    let tiles = (pos + NR - 1) / NR;
    let rows_padded = (rows + pr - 1) / pr * pr;
    let ldt = tiles * NR;
    let tmp = DIRECT_OUT.get(rows_padded * ldt);
    for jt in 0..tiles {
        let q = jt * NR;
        let mut ir = 0;
        while ir < rows {
            let c = tmp.add(ir * ldt + q);
            let ap = a_packed.add(ir * k);
            match pr {
                3 => tile_rows::<3>(k, ap, src.add(q), off, c, ldt),
                _ => tile_rows::<4>(k, ap, src.add(q), off, c, ldt),
            }
            ir += pr;
        }
    }
    // Compact the ws-wide rows to out_w and add the bias.
    let plane = d.out_h * d.out_w;
    for o in 0..rows {
        let b = if bias.is_null() { 0.0 } else { *bias.add(o) };
        let vb = f32x4_splat(b);
        for y in 0..d.out_h {
            let s = tmp.add(o * ldt + y * d.ws);
            let t = out.add(o * plane + y * d.out_w);
            let mut i = 0;
            while i + 4 <= d.out_w {
                store4(t.add(i), f32x4_add(load4(s.add(i)), vb));
                i += 4;
            }
            while i < d.out_w {
                *t.add(i) = *s.add(i) + b;
                i += 1;
            }
        }
    }
}

/// R x 8 tile, stored: C[i][j] = sum_p Apanel[p, i] * src[off[p] + j].
#[inline(always)]
unsafe fn tile_rows<const R: usize>(k: usize, a: *const f32, src: *const f32, off: *const u32, c: *mut f32, ldc: usize) {
    let mut lo = [f32x4_splat(0.0); R];
    let mut hi = [f32x4_splat(0.0); R];
    let mut pa = a;
    for p in 0..k {
        let pb = src.add(*off.add(p) as usize);
        let bl = load4(pb);
        let bh = load4(pb.add(4));
        for i in 0..R {
            let ai = v128_load32_splat(pa.add(i) as *const u32);
            lo[i] = f32x4_add(lo[i], f32x4_mul(ai, bl));
            hi[i] = f32x4_add(hi[i], f32x4_mul(ai, bh));
        }
        pa = pa.add(R);
    }
    for i in 0..R {
        store4(c.add(i * ldc), lo[i]);
        store4(c.add(i * ldc + 4), hi[i]);
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
            pad_planes(img, ipg, in_h, in_w, pad_h, pad_w, d.hs, d.ws, src, src_len);
            let out = output.add((n * out_c + grp * opg) * out_h * out_w);
            forward_image(&d, opg, pr, a, off, src, b, out);
        }
    }
}

/// Backward-weight of one stride-1 convolution: gradW[o, p] = sum_{n, q} gO[n, o, q] *
/// src_n[off[p] + q], computed as gradW^T[K, O] with A rows gathered from the padded image (4
/// pointers, one broadcast each) and B the packed gradOutput^T (NR output channels per panel,
/// zero at the discarded x >= out_w positions).
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
    let pos = d.positions();
    let src_len = d.src_len();
    let src = DIRECT_SRC.get(src_len);
    let off = d.offsets();
    let o_panels = (opg + NR - 1) / NR;
    let k_padded = (k + MR - 1) / MR * MR;
    let ldt = o_panels * NR;
    // gradW^T accumulator [k_padded, ldt].
    let acc = COLUMNS.get(k_padded * ldt);
    let packed_go = PACK_B.get(o_panels * NR * pos);
    for grp in 0..groups {
        crate::elementwise::fill_raw(acc, k_padded * ldt, 0.0);
        for n in 0..batch {
            let img = input.add((n * in_c + grp * ipg) * in_h * in_w);
            pad_planes(img, ipg, in_h, in_w, pad_h, pad_w, d.hs, d.ws, src, src_len);
            let go = grad_output.add((n * out_c + grp * opg) * out_h * out_w);
            pack_grad_output(&d, opg, go, packed_go);
            let mut ir = 0;
            while ir < k {
                // Rows past K read offset 0 (valid memory) into padded accumulator rows.
                let mut rows = [src as *const f32; MR];
                for (i, r) in rows.iter_mut().enumerate() {
                    if ir + i < k {
                        *r = src.add(*off.add(ir + i) as usize);
                    }
                }
                for jp in 0..o_panels {
                    kernel_gather_a(pos, rows, packed_go.add(jp * NR * pos), acc.add(ir * ldt + jp * NR), ldt);
                }
                ir += MR;
            }
        }
        // gradW[o, p] = acc[p, o].
        let gw = grad_weight.add(grp * opg * k);
        for o in 0..opg {
            for p in 0..k {
                *gw.add(o * k + p) = *acc.add(p * ldt + o);
            }
        }
    }
}

/// Packs gO[rows, out_h*out_w] as NR-channel panels over the ws-wide positions:
/// dst[panel][q][j] = gO[panel*NR + j, y*out_w + x] for q = y*ws + x, zero when x >= out_w
/// or the channel is past `rows`.
unsafe fn pack_grad_output(d: &Direct, rows: usize, go: *const f32, dst: *mut f32) {
    let pos = d.positions();
    let panels = (rows + NR - 1) / NR;
    crate::elementwise::fill_raw(dst, panels * NR * pos, 0.0);
    let plane = d.out_h * d.out_w;
    for o in 0..rows {
        let panel = dst.add((o / NR) * NR * pos + o % NR);
        let src = go.add(o * plane);
        for y in 0..d.out_h {
            for x in 0..d.out_w {
                *panel.add((y * d.ws + x) * NR) = *src.add(y * d.out_w + x);
            }
        }
    }
}

/// 4x8 tile, accumulating: C[i, j] += sum_q rows[i][q] * B[q, j] over `k` positions.
#[inline(always)]
unsafe fn kernel_gather_a(k: usize, rows: [*const f32; MR], b: *const f32, c: *mut f32, ldc: usize) {
    let mut c0l = f32x4_splat(0.0);
    let mut c0h = f32x4_splat(0.0);
    let mut c1l = f32x4_splat(0.0);
    let mut c1h = f32x4_splat(0.0);
    let mut c2l = f32x4_splat(0.0);
    let mut c2h = f32x4_splat(0.0);
    let mut c3l = f32x4_splat(0.0);
    let mut c3h = f32x4_splat(0.0);
    let (r0, r1, r2, r3) = (rows[0], rows[1], rows[2], rows[3]);
    let mut pb = b;
    for q in 0..k {
        let bl = load4(pb);
        let bh = load4(pb.add(4));
        let a0 = v128_load32_splat(r0.add(q) as *const u32);
        let a1 = v128_load32_splat(r1.add(q) as *const u32);
        let a2 = v128_load32_splat(r2.add(q) as *const u32);
        let a3 = v128_load32_splat(r3.add(q) as *const u32);
        c0l = f32x4_add(c0l, f32x4_mul(a0, bl));
        c0h = f32x4_add(c0h, f32x4_mul(a0, bh));
        c1l = f32x4_add(c1l, f32x4_mul(a1, bl));
        c1h = f32x4_add(c1h, f32x4_mul(a1, bh));
        c2l = f32x4_add(c2l, f32x4_mul(a2, bl));
        c2h = f32x4_add(c2h, f32x4_mul(a2, bh));
        c3l = f32x4_add(c3l, f32x4_mul(a3, bl));
        c3h = f32x4_add(c3h, f32x4_mul(a3, bh));
        pb = pb.add(NR);
    }
    let acc = [c0l, c0h, c1l, c1h, c2l, c2h, c3l, c3h];
    for i in 0..MR {
        let row = c.add(i * ldc);
        store4(row, f32x4_add(load4(row), acc[2 * i]));
        store4(row.add(4), f32x4_add(load4(row.add(4)), acc[2 * i + 1]));
    }
}

/// Backward-input of a stride-1 convolution with col2im fused into the gemm: for reduction
/// row p = (c, ky, kx) and full-width position q (q = y*ws + x over the padded input width ws),
/// col[p, q] = sum_o W[o, p] * gO[o, q] is added straight into the padded gradInput at
/// off[p] + q. gO is laid out ws-wide with zeros at x >= out_w, so those lanes add nothing.
/// The rows of each 4-row panel are taken kx-major, so that their 8-float windows sit at least
/// a row apart: adjacent kx would overlap by 7 floats and stall every read-modify-write on
/// store-to-load forwarding.
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
    let k = d.k();
    let taps = k_h * k_w;
    let pos = d.positions();
    let tiles = (pos + NR - 1) / NR;
    let go_stride = tiles * NR;
    let k_padded = (k + MR - 1) / MR * MR;
    // Reduction rows in kx-major order: row r -> (kx, c, ky); off[r] its offset in the padded
    // gradInput, src_row[r] its column in W_g[o, :].
    let off = DIRECT_OFFSETS.get(2 * k_padded) as *mut u32;
    let src_row = off.add(k_padded);
    let mut r = 0;
    for kx in 0..k_w {
        for c in 0..ipg {
            for ky in 0..k_h {
                *off.add(r) = (c * d.hs * d.ws + ky * dil_h * d.ws + kx * dil_w) as u32;
                *src_row.add(r) = (c * taps + ky * k_w + kx) as u32;
                r += 1;
            }
        }
    }
    // Padded gradInput planes, plus slack for the last tile's lanes.
    let dst_len = d.src_len();
    let dst = DIRECT_SRC.get(dst_len);
    // gO, ws-wide, each plane padded with zeros to whole tiles; b_off[o] = start of plane o.
    let go_pad = DIRECT_OUT.get(opg * go_stride + opg);
    let b_off = go_pad.add(opg * go_stride) as *mut u32;
    for o in 0..opg {
        *b_off.add(o) = (o * go_stride) as u32;
    }
    let a = PACK_A.get(k_padded * opg);
    for grp in 0..groups {
        // A = W_g^T (K x opg) in MR-row panels of the permuted rows: a[panel][o][i].
        let wg = weight.add(grp * opg * k);
        for pr in (0..k_padded).step_by(MR) {
            for o in 0..opg {
                for i in 0..MR {
                    *a.add(pr * opg + o * MR + i) =
                        if pr + i < k { *wg.add(o * k + *src_row.add(pr + i) as usize) } else { 0.0 };
                }
            }
        }
        for n in 0..batch {
            let go = grad_output.add((n * out_c + grp * opg) * out_h * out_w);
            crate::elementwise::fill_raw(go_pad, opg * go_stride, 0.0);
            for o in 0..opg {
                for y in 0..out_h {
                    copy_row(go.add((o * out_h + y) * out_w), go_pad.add(o * go_stride + y * d.ws), out_w);
                }
            }
            crate::elementwise::fill_raw(dst, dst_len, 0.0);
            let mut ir = 0;
            while ir < k {
                let rows = (k - ir).min(MR);
                let a_panel = a.add(ir * opg);
                for jt in 0..tiles {
                    let q = jt * NR;
                    let acc = kernel_gather_b(opg, a_panel, go_pad.add(q), b_off);
                    for i in 0..rows {
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
