//! Moving images between NCHW tensors and interleaved quads (element e of image l at 4*e + l,
//! the layout of the conv kernels' lanes-over-images paths), straight from and to the tensors:
//! the quad's four images are read or written in place (one 4x4 transpose per 4 elements), so
//! no per-image staging copy, and no zero fill unless padding or slack needs one. At the seed
//! shapes this preparation took ~10% of backward-weight's time when it went through a copy.

use crate::gemm::transpose4;
use crate::simd::{load4, store4};
use core::arch::wasm32::*;

/// Four consecutive images of a tensor: image l at `base + l*stride`; images l >= `count`
/// (past the batch) read as zeros and are not written.
#[derive(Clone, Copy)]
pub struct Quad {
    pub base: *const f32,
    pub stride: usize,
    pub count: usize,
}

impl Quad {
    #[inline(always)]
    unsafe fn load(&self, l: usize, e: usize) -> v128 {
        if l < self.count { load4(self.base.add(l * self.stride + e)) } else { f32x4_splat(0.0) }
    }
    #[inline(always)]
    unsafe fn get(&self, l: usize, e: usize) -> f32 {
        if l < self.count { *self.base.add(l * self.stride + e) } else { 0.0 }
    }
}

/// dst[4*i + l] = image_l[at + i] for i < n.
unsafe fn interleave_run(q: &Quad, at: usize, n: usize, dst: *mut f32) {
    let mut i = 0;
    while i + 4 <= n {
        let e = at + i;
        let t = transpose4([q.load(0, e), q.load(1, e), q.load(2, e), q.load(3, e)]);
        for (j, v) in t.iter().enumerate() {
            store4(dst.add(4 * (i + j)), *v);
        }
        i += 4;
    }
    while i < n {
        for l in 0..4 {
            *dst.add(4 * i + l) = q.get(l, at + i);
        }
        i += 1;
    }
}

/// Interleaves `channels` planes of h x w of the quad into `dst` as padded planes of hs x ws
/// (`pad_t` rows and `pad_l` columns of zeros before, zeros after), zeros up to `len` elements
/// (4*len floats).
#[allow(clippy::too_many_arguments)]
pub unsafe fn interleave_padded(
    q: &Quad, channels: usize, h: usize, w: usize, pad_t: usize, pad_l: usize, hs: usize, ws: usize,
    dst: *mut f32, len: usize,
) {
    if hs == h && ws == w {
        // Unpadded: the planes are one contiguous run.
        let n = channels * h * w;
        interleave_run(q, 0, n, dst);
        crate::elementwise::fill_raw(dst.add(4 * n), 4 * (len - n), 0.0);
        return;
    }
    crate::elementwise::fill_raw(dst, 4 * len, 0.0);
    for c in 0..channels {
        for y in 0..h {
            let d = dst.add(4 * (c * hs * ws + (y + pad_t) * ws + pad_l));
            interleave_run(q, (c * h + y) * w, w, d);
        }
    }
}

/// image_l[at + i] = src[4*i + l] for i < n and l < q.count (the inverse of interleave_run).
unsafe fn deinterleave_run(src: *const f32, n: usize, q: &Quad, at: usize) {
    let dst = q.base as *mut f32;
    let mut i = 0;
    while i + 4 <= n {
        let t = transpose4([
            load4(src.add(4 * i)), load4(src.add(4 * i + 4)), load4(src.add(4 * i + 8)), load4(src.add(4 * i + 12)),
        ]);
        for (l, v) in t.iter().enumerate().take(q.count) {
            store4(dst.add(l * q.stride + at + i), *v);
        }
        i += 4;
    }
    while i < n {
        for l in 0..q.count {
            *dst.add(l * q.stride + at + i) = *src.add(4 * i + l);
        }
        i += 1;
    }
}

/// Writes the h x w interior (at row `pad_t`, column `pad_l`) of `channels` interleaved padded
/// planes of hs x ws into the quad's images (the inverse of interleave_padded).
#[allow(clippy::too_many_arguments)]
pub unsafe fn deinterleave_cropped(
    src: *const f32, channels: usize, h: usize, w: usize, pad_t: usize, pad_l: usize, hs: usize, ws: usize,
    q: &Quad,
) {
    if hs == h && ws == w {
        return deinterleave_run(src, channels * h * w, q, 0);
    }
    for c in 0..channels {
        for y in 0..h {
            let s = src.add(4 * (c * hs * ws + (y + pad_t) * ws + pad_l));
            deinterleave_run(s, w, q, (c * h + y) * w);
        }
    }
}
