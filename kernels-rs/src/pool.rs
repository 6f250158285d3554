//! 2-d max-pooling with argmax (flat h * inWidth + w within the (n, c) plane), as PyTorch's CPU
//! kernel: a cell replaces the running maximum when `value > max || isnan(value)`, so the first
//! maximum in row-major window order wins and NaN wins over numbers; padding never wins.
//! Window taps are spaced by the dilation; the taps of a window start at its first row (column)
//! past the padding and stop at the input's end (a ceil-mode window may run past it), and the
//! search starts from that first tap, whose index a window with no tap inside reports (-inf).

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

/// First tap of a window starting at `start` (possibly in the padding) that is not before 0.
#[inline(always)]
fn first_tap(start: isize, dilation: usize) -> isize {
    if start >= 0 {
        start
    } else {
        let d = dilation as isize;
        start + (-start + d - 1) / d * d
    }
}

#[no_mangle]
pub unsafe extern "C" fn max_pool2d_forward(
    batch: usize,
    channels: usize,
    in_h: usize,
    in_w: usize,
    k_h: usize,
    k_w: usize,
    stride_h: usize,
    stride_w: usize,
    pad_h: usize,
    pad_w: usize,
    dilation_h: usize,
    dilation_w: usize,
    out_h: usize,
    out_w: usize,
    input: *const f32,
    output: *mut f32,
    argmax: *mut i32,
) {
    let planes = batch * channels;
    if k_h == 2 && k_w == 2 && stride_h == 2 && stride_w == 2 && pad_h == 0 && pad_w == 0
        && dilation_h == 1 && dilation_w == 1 && 2 * out_h <= in_h
    {
        return pool_2x2(planes, in_h, in_w, out_h, out_w, input, output, argmax);
    }
    let span_h = (k_h - 1) * dilation_h + 1;
    let span_w = (k_w - 1) * dilation_w + 1;
    // Output columns [ox_lo, ox_hi) have windows entirely inside the row: those go 4 at a time.
    let ox_lo = (pad_w + stride_w - 1) / stride_w;
    let ox_hi = if in_w + pad_w >= span_w { ((in_w + pad_w - span_w) / stride_w + 1).min(out_w) } else { 0 };
    let cols = Cols { in_w, k_w, dilation: dilation_w, stride: stride_w, pad: pad_w };
    for plane in 0..planes {
        let src = input.add(plane * in_h * in_w);
        let dst = output.add(plane * out_h * out_w);
        let arg = argmax.add(plane * out_h * out_w);
        for oy in 0..out_h {
            let y0 = (oy * stride_h) as isize - pad_h as isize;
            let rows = Rows {
                start: first_tap(y0, dilation_h) as usize,
                end: (y0 + span_h as isize).min(in_h as isize).max(0) as usize,
                step: dilation_h,
            };
            let drow = dst.add(oy * out_w);
            let arow = arg.add(oy * out_w);
            let mut ox = 0;
            while ox < out_w {
                if ox >= ox_lo && ox + 4 <= ox_hi {
                    pool4(src, &rows, &cols, ox * stride_w - pad_w, drow.add(ox), arow.add(ox));
                    ox += 4;
                } else {
                    pool1(src, &rows, &cols, ox, drow.add(ox), arow.add(ox));
                    ox += 1;
                }
            }
        }
    }
}

/// The input rows a window reads: start, start + step, ... below end (none when start >= end).
struct Rows {
    start: usize,
    end: usize,
    step: usize,
}

/// How a window's columns are laid out along an input row.
struct Cols {
    in_w: usize,
    k_w: usize,
    dilation: usize,
    stride: usize,
    pad: usize,
}

/// Four adjacent outputs whose windows start at columns x0, x0 + s, x0 + 2s, x0 + 3s, all of
/// whose taps lie inside the row.
#[inline(always)]
unsafe fn pool4(src: *const f32, rows: &Rows, cols: &Cols, x0: usize, out: *mut f32, arg: *mut i32) {
    let in_w = cols.in_w;
    let s = cols.stride;
    let mut best = f32x4_splat(f32::NEG_INFINITY);
    let first = (rows.start * in_w + x0) as i32;
    let step = s as i32;
    let lane_offsets = i32x4(0, step, 2 * step, 3 * step);
    let mut best_idx = i32x4_add(i32x4_splat(first), lane_offsets);
    let mut y = rows.start;
    while y < rows.end {
        let row = src.add(y * in_w);
        for kx in 0..cols.k_w {
            let x = x0 + kx * cols.dilation;
            let v = if s == 1 {
                load4(row.add(x))
            } else {
                f32x4(*row.add(x), *row.add(x + s), *row.add(x + 2 * s), *row.add(x + 3 * s))
            };
            let take = v128_or(f32x4_gt(v, best), f32x4_ne(v, v));
            let idx = i32x4_add(i32x4_splat((y * in_w + x) as i32), lane_offsets);
            best = v128_bitselect(v, best, take);
            best_idx = v128_bitselect(idx, best_idx, take);
        }
        y += rows.step;
    }
    store4(out, best);
    core::ptr::write_unaligned(arg as *mut v128, best_idx);
}

/// The common 2x2, stride-2, unpadded case: each row pair is read 8 floats at a time and split
/// into even and odd columns, visiting the window in row-major order as pool4 does.
#[allow(clippy::too_many_arguments)]
unsafe fn pool_2x2(
    planes: usize, in_h: usize, in_w: usize, out_h: usize, out_w: usize,
    input: *const f32, output: *mut f32, argmax: *mut i32,
) {
    let lane_offsets = i32x4(0, 2, 4, 6);
    for plane in 0..planes {
        let src = input.add(plane * in_h * in_w);
        let dst = output.add(plane * out_h * out_w);
        let arg = argmax.add(plane * out_h * out_w);
        for oy in 0..out_h {
            let y = 2 * oy;
            let r0 = src.add(y * in_w);
            let r1 = r0.add(in_w);
            let drow = dst.add(oy * out_w);
            let arow = arg.add(oy * out_w);
            let mut ox = 0;
            while ox + 4 <= out_w && 2 * ox + 8 <= in_w {
                pool4_2x2(r0, r1, y, in_w, ox, lane_offsets, drow, arow);
                ox += 4;
            }
            // The tail as one more vector overlapping the last: recomputing a cell gives the
            // same value and index.
            if ox < out_w && out_w >= 4 && 2 * out_w <= in_w {
                pool4_2x2(r0, r1, y, in_w, out_w - 4, lane_offsets, drow, arow);
                ox = out_w;
            }
            let rows = Rows { start: y, end: y + 2, step: 1 };
            let cols = Cols { in_w, k_w: 2, dilation: 1, stride: 2, pad: 0 };
            while ox < out_w {
                pool1(src, &rows, &cols, ox, drow.add(ox), arow.add(ox));
                ox += 1;
            }
        }
    }
}

/// Four 2x2 windows starting at output column ox of output row y/2 (rows r0, r1).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pool4_2x2(r0: *const f32, r1: *const f32, y: usize, in_w: usize, ox: usize, lane_offsets: v128, drow: *mut f32, arow: *mut i32) {
    let x = 2 * ox;
    let a0 = load4(r0.add(x));
    let a1 = load4(r0.add(x + 4));
    let b0 = load4(r1.add(x));
    let b1 = load4(r1.add(x + 4));
    let base = i32x4_add(i32x4_splat((y * in_w + x) as i32), lane_offsets);
    // Window order: (y, x), (y, x+1), (y+1, x), (y+1, x+1).
    let mut best = i32x4_shuffle::<0, 2, 4, 6>(a0, a1);
    let mut best_idx = base;
    let cands = [
        (i32x4_shuffle::<1, 3, 5, 7>(a0, a1), 1),
        (i32x4_shuffle::<0, 2, 4, 6>(b0, b1), in_w as i32),
        (i32x4_shuffle::<1, 3, 5, 7>(b0, b1), in_w as i32 + 1),
    ];
    // Starting from the first cell equals starting from -inf: it always wins there.
    for (v, d) in cands {
        let take = v128_or(f32x4_gt(v, best), f32x4_ne(v, v));
        // PyTorch's rule: a cell wins when `v > max || isnan(v)`.
        best = v128_bitselect(v, best, take);
        best_idx = v128_bitselect(i32x4_add(base, i32x4_splat(d)), best_idx, take);
    }
    store4(drow.add(ox), best);
    core::ptr::write_unaligned(arow.add(ox) as *mut v128, best_idx);
}

/// One output of output column `ox`; its window may be clipped by the padding or the row's end.
#[inline(always)]
unsafe fn pool1(src: *const f32, rows: &Rows, cols: &Cols, ox: usize, out: *mut f32, arg: *mut i32) {
    let in_w = cols.in_w;
    let x0 = (ox * cols.stride) as isize - cols.pad as isize;
    let x_start = first_tap(x0, cols.dilation) as usize;
    let x_end = (x0 + ((cols.k_w - 1) * cols.dilation + 1) as isize).min(in_w as isize).max(0) as usize;
    let mut best = f32::NEG_INFINITY;
    let mut best_idx = rows.start * in_w + x_start;
    let mut y = rows.start;
    while y < rows.end {
        let mut x = x_start;
        while x < x_end {
            let v = *src.add(y * in_w + x);
            if v > best || v.is_nan() {
                best = v;
                best_idx = y * in_w + x;
            }
            x += cols.dilation;
        }
        y += rows.step;
    }
    *out = best;
    *arg = best_idx as i32;
}

/// gradInput = 0, then gradInput[plane][argmax] += gradOutput for each output cell.
#[no_mangle]
pub unsafe extern "C" fn max_pool2d_backward(
    planes: usize,
    in_plane: usize,
    out_plane: usize,
    grad_output: *const f32,
    argmax: *const i32,
    grad_input: *mut f32,
) {
    crate::elementwise::fill_raw(grad_input, planes * in_plane, 0.0);
    for plane in 0..planes {
        let gi = grad_input.add(plane * in_plane);
        let go = grad_output.add(plane * out_plane);
        let am = argmax.add(plane * out_plane);
        for o in 0..out_plane {
            let idx = *am.add(o);
            if idx >= 0 && (idx as usize) < in_plane {
                *gi.add(idx as usize) += *go.add(o);
            }
        }
    }
}

/// max_pool2d_backward fused with the backward of a relu whose output is the pool's input
/// (`mask`): a cell whose input value is not > 0 gets no gradient, as relu_backward would then
/// zero it, so relu's own pass over the plane is not needed. Same sums, same order, as the
/// two kernels one after the other. `windows_2x2` (nonzero) says the pool is pool_2x2's
/// (2x2 windows, stride 2, unpadded, undilated, 2 out_h <= in_h, 2 out_w <= in_w): then each
/// window is written whole in one pass (masked_windows_2x2).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn max_pool2d_backward_masked(
    planes: usize,
    in_h: usize,
    in_w: usize,
    out_h: usize,
    out_w: usize,
    windows_2x2: u32,
    grad_output: *const f32,
    argmax: *const i32,
    mask: *const f32,
    grad_input: *mut f32,
) {
    let (in_plane, out_plane) = (in_h * in_w, out_h * out_w);
    for plane in 0..planes {
        let gi = grad_input.add(plane * in_plane);
        let go = grad_output.add(plane * out_plane);
        let am = argmax.add(plane * out_plane);
        let m = mask.add(plane * in_plane);
        if windows_2x2 != 0 && masked_windows_2x2(in_h, in_w, out_h, out_w, go, am, m, gi) {
            continue;
        }
        crate::elementwise::fill_raw(gi, in_plane, 0.0);
        let mut o = 0;
        while o < out_plane {
            masked_scatter4(in_plane, (out_plane - o).min(4), go.add(o), am.add(o), m, gi);
            o += 4;
        }
    }
}

/// One plane of max_pool2d_backward_masked over pool_2x2's windows, which never overlap: each
/// window's four cells are written once (its gradOutput where the argmax points and the mask
/// is > 0, else +0; the value written is 0 + g, as the scatter's), 4 windows per vector, so
/// the plane is neither zeroed first nor read back. False when an argmax lies outside its
/// window (indices not from this forward): the plane is then partly written, and redone.
#[allow(clippy::too_many_arguments)]
unsafe fn masked_windows_2x2(
    in_h: usize, in_w: usize, out_h: usize, out_w: usize, go: *const f32, am: *const i32, m: *const f32, gi: *mut f32,
) -> bool {
    let lane_offsets = i32x4(0, 2, 4, 6);
    let zero = f32x4_splat(0.0);
    let mut inside = i32x4_splat(-1);
    for oy in 0..out_h {
        let y = 2 * oy;
        let grow = go.add(oy * out_w);
        let arow = am.add(oy * out_w);
        let mut ox = 0;
        while ox < out_w {
            // 4 windows from column `at` (the row tail as a vector overlapping the last one,
            // whose cells are written again with the same values), or 1 when the row is short.
            let (at, n) = if out_w >= 4 { (ox.min(out_w - 4), 4) } else { (ox, 1) };
            let (g, a) = if n == 4 {
                (load4(grow.add(at)), load4(arow.add(at) as *const f32))
            } else {
                (f32x4_splat(*grow.add(at)), i32x4_splat(*arow.add(at)))
            };
            let base = i32x4_add(i32x4_splat((y * in_w + 2 * at) as i32), lane_offsets);
            let d = i32x4_sub(a, base);
            let m00 = i32x4_eq(d, i32x4_splat(0));
            let m01 = i32x4_eq(d, i32x4_splat(1));
            let m10 = i32x4_eq(d, i32x4_splat(in_w as i32));
            let m11 = i32x4_eq(d, i32x4_splat(in_w as i32 + 1));
            inside = v128_and(inside, v128_or(v128_or(m00, m01), v128_or(m10, m11)));
            let (v00, v01) = (v128_and(g, m00), v128_and(g, m01));
            let (v10, v11) = (v128_and(g, m10), v128_and(g, m11));
            let x = 2 * at;
            for (r, lo, hi) in [(y, v00, v01), (y + 1, v10, v11)] {
                let row_g = gi.add(r * in_w + x);
                let row_m = m.add(r * in_w + x);
                // Cells x.. of the row: window j's two columns at 2j, 2j + 1.
                let a0 = i32x4_shuffle::<0, 4, 1, 5>(lo, hi);
                if n == 4 {
                    let a1 = i32x4_shuffle::<2, 6, 3, 7>(lo, hi);
                    store4(row_g, f32x4_add(zero, v128_and(a0, f32x4_gt(load4(row_m), zero))));
                    store4(row_g.add(4), f32x4_add(zero, v128_and(a1, f32x4_gt(load4(row_m.add(4)), zero))));
                } else {
                    let keep = f32x4_gt(f32x4(*row_m, *row_m.add(1), 0.0, 0.0), zero);
                    let v = f32x4_add(zero, v128_and(a0, keep));
                    *row_g = f32x4_extract_lane::<0>(v);
                    *row_g.add(1) = f32x4_extract_lane::<1>(v);
                }
            }
            if n == 1 {
                // Only lane 0 was a window.
                inside = v128_or(inside, i32x4(0, -1, -1, -1));
            }
            ox = at + n;
        }
        // An odd column left over by the windows.
        for x in 2 * out_w..in_w {
            *gi.add(y * in_w + x) = 0.0;
            *gi.add((y + 1) * in_w + x) = 0.0;
        }
    }
    // Rows below the last window.
    crate::elementwise::fill_raw(gi.add(2 * out_h * in_w), (in_h - 2 * out_h) * in_w, 0.0);
    i32x4_all_true(inside)
}

/// Up to 4 cells of max_pool2d_backward_masked. The mask is applied with vector ops: about half
/// the cells of a relu's output are 0, and a scalar `if`, or the f32 select LLVM makes of any
/// branch-free scalar form (V8 compiles that to a branch), was mispredicted so often that the
/// kernel ran 2.7x slower than the two passes it replaces. A masked cell adds +0 to its +0.
#[inline(always)]
unsafe fn masked_scatter4(in_plane: usize, n: usize, go: *const f32, am: *const i32, m: *const f32, gi: *mut f32) {
    let mut idx = [usize::MAX; 4];
    let mut y = [0.0f32; 4];
    let mut g = [0.0f32; 4];
    for l in 0..n {
        let i = *am.add(l);
        if i >= 0 && (i as usize) < in_plane {
            idx[l] = i as usize;
            y[l] = *m.add(i as usize);
            g[l] = *go.add(l);
        }
    }
    let keep = f32x4_gt(f32x4(y[0], y[1], y[2], y[3]), f32x4_splat(0.0));
    let v = v128_and(f32x4(g[0], g[1], g[2], g[3]), keep);
    let vals = [f32x4_extract_lane::<0>(v), f32x4_extract_lane::<1>(v), f32x4_extract_lane::<2>(v), f32x4_extract_lane::<3>(v)];
    for l in 0..n {
        if idx[l] != usize::MAX {
            *gi.add(idx[l]) += vals[l];
        }
    }
}
