//! Batch normalisation (PyTorch's native_batch_norm and its backward) over x viewed as
//! [n, channels, inner]: channel c's elements are n runs of `inner`, starting at (b * channels + c) * inner.
//!
//! Work goes channel by channel, so that a channel's runs (n * inner floats: 128 KB for a
//! ResNet's 32 x 32 x 32 activations) are read from memory once and then from cache by the
//! passes that follow (statistics, then normalisation; or the two sums, then the input's
//! gradient). Per-channel sums accumulate in f64, as PyTorch's CPU kernel does (acc_type of
//! float is double there): the f32 lanes are promoted to f64x2. The variance is the mean of
//! squared deviations from the mean (two passes), not E[x^2] - E[x]^2. The elementwise parts run
//! in f32, as PyTorch's vectorised loops do: y = x * scale + shift with scale = weight * invstd
//! and shift = bias - mean * scale (computed in f64, then rounded).

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

/// The high two lanes of an f32x4 promoted to f64x2.
#[inline(always)]
fn promote_high(v: v128) -> v128 {
    f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 0, 1>(v, v))
}

#[inline(always)]
fn hsum(a: v128) -> f64 {
    f64x2_extract_lane::<0>(a) + f64x2_extract_lane::<1>(a)
}

/// Sum over channel c of x, in f64.
unsafe fn channel_sum(x: *const f32, n: usize, channels: usize, inner: usize, c: usize) -> f64 {
    let (mut a0, mut a1, mut a2, mut a3) = (f64x2_splat(0.0), f64x2_splat(0.0), f64x2_splat(0.0), f64x2_splat(0.0));
    let mut tail = 0.0f64;
    for b in 0..n {
        let p = x.add((b * channels + c) * inner);
        let mut i = 0;
        while i + 8 <= inner {
            let u = load4(p.add(i));
            let v = load4(p.add(i + 4));
            a0 = f64x2_add(a0, f64x2_promote_low_f32x4(u));
            a1 = f64x2_add(a1, promote_high(u));
            a2 = f64x2_add(a2, f64x2_promote_low_f32x4(v));
            a3 = f64x2_add(a3, promote_high(v));
            i += 8;
        }
        while i < inner {
            tail += *p.add(i) as f64;
            i += 1;
        }
    }
    hsum(f64x2_add(f64x2_add(a0, a1), f64x2_add(a2, a3))) + tail
}

/// Sum over channel c of (x - mean)^2, in f64.
unsafe fn channel_sum_sq_dev(x: *const f32, n: usize, channels: usize, inner: usize, c: usize, mean: f64) -> f64 {
    let m = f64x2_splat(mean);
    let (mut a0, mut a1, mut a2, mut a3) = (f64x2_splat(0.0), f64x2_splat(0.0), f64x2_splat(0.0), f64x2_splat(0.0));
    let mut tail = 0.0f64;
    for b in 0..n {
        let p = x.add((b * channels + c) * inner);
        let mut i = 0;
        while i + 8 <= inner {
            let u = load4(p.add(i));
            let v = load4(p.add(i + 4));
            let d0 = f64x2_sub(f64x2_promote_low_f32x4(u), m);
            let d1 = f64x2_sub(promote_high(u), m);
            let d2 = f64x2_sub(f64x2_promote_low_f32x4(v), m);
            let d3 = f64x2_sub(promote_high(v), m);
            a0 = f64x2_add(a0, f64x2_mul(d0, d0));
            a1 = f64x2_add(a1, f64x2_mul(d1, d1));
            a2 = f64x2_add(a2, f64x2_mul(d2, d2));
            a3 = f64x2_add(a3, f64x2_mul(d3, d3));
            i += 8;
        }
        while i < inner {
            let d = *p.add(i) as f64 - mean;
            tail += d * d;
            i += 1;
        }
    }
    hsum(f64x2_add(f64x2_add(a0, a1), f64x2_add(a2, a3))) + tail
}

/// y = x * scale + shift over channel c.
unsafe fn channel_affine(x: *const f32, y: *mut f32, n: usize, channels: usize, inner: usize, c: usize, scale: f32, shift: f32) {
    let s = f32x4_splat(scale);
    let t = f32x4_splat(shift);
    for b in 0..n {
        let off = (b * channels + c) * inner;
        let (p, q) = (x.add(off), y.add(off));
        let mut i = 0;
        while i + 4 <= inner {
            store4(q.add(i), f32x4_add(f32x4_mul(load4(p.add(i)), s), t));
            i += 4;
        }
        while i < inner {
            *q.add(i) = *p.add(i) * scale + shift;
            i += 1;
        }
    }
}

/// Forward. Training (`training` = 1): writes the batch's mean and biased variance per channel
/// to `mean` and `variance`; otherwise reads them (running statistics). Writes
/// invstd = 1 / sqrt(variance + eps) and y. `weight` and `bias` may be null (1 and 0).
/// x and y may be the same array.
#[no_mangle]
pub unsafe extern "C" fn batch_norm_forward(
    n: usize, channels: usize, inner: usize, eps: f64, training: u32,
    x: *const f32, weight: *const f32, bias: *const f32,
    mean: *mut f64, variance: *mut f64, invstd: *mut f64, y: *mut f32,
) {
    let count = (n * inner) as f64;
    for c in 0..channels {
        if training != 0 {
            let m = channel_sum(x, n, channels, inner, c) / count;
            *mean.add(c) = m;
            *variance.add(c) = channel_sum_sq_dev(x, n, channels, inner, c, m) / count;
        }
        let m = *mean.add(c);
        let is = 1.0 / (*variance.add(c) + eps).sqrt();
        *invstd.add(c) = is;
        let w = if weight.is_null() { 1.0 } else { *weight.add(c) as f64 };
        let b = if bias.is_null() { 0.0 } else { *bias.add(c) as f64 };
        let scale = w * is;
        channel_affine(x, y, n, channels, inner, c, scale as f32, (b - m * scale) as f32);
    }
}

/// Sums over channel c of g and of g * (x - mean), in f64 (x null: the second is 0).
unsafe fn channel_grad_sums(x: *const f32, g: *const f32, n: usize, channels: usize, inner: usize, c: usize, mean: f64) -> (f64, f64) {
    let m = f64x2_splat(mean);
    let (mut s0, mut s1, mut d0, mut d1) = (f64x2_splat(0.0), f64x2_splat(0.0), f64x2_splat(0.0), f64x2_splat(0.0));
    let (mut sum_g, mut sum_gx) = (0.0f64, 0.0f64);
    for b in 0..n {
        let off = (b * channels + c) * inner;
        let q = g.add(off);
        let mut i = 0;
        if x.is_null() {
            while i + 4 <= inner {
                let gv = load4(q.add(i));
                s0 = f64x2_add(s0, f64x2_promote_low_f32x4(gv));
                s1 = f64x2_add(s1, promote_high(gv));
                i += 4;
            }
            while i < inner {
                sum_g += *q.add(i) as f64;
                i += 1;
            }
            continue;
        }
        let p = x.add(off);
        while i + 4 <= inner {
            let gv = load4(q.add(i));
            let xv = load4(p.add(i));
            let g0 = f64x2_promote_low_f32x4(gv);
            let g1 = promote_high(gv);
            s0 = f64x2_add(s0, g0);
            s1 = f64x2_add(s1, g1);
            d0 = f64x2_add(d0, f64x2_mul(g0, f64x2_sub(f64x2_promote_low_f32x4(xv), m)));
            d1 = f64x2_add(d1, f64x2_mul(g1, f64x2_sub(promote_high(xv), m)));
            i += 4;
        }
        while i < inner {
            let gi = *q.add(i) as f64;
            sum_g += gi;
            sum_gx += gi * (*p.add(i) as f64 - mean);
            i += 1;
        }
    }
    (hsum(f64x2_add(s0, s1)) + sum_g, hsum(f64x2_add(d0, d1)) + sum_gx)
}

/// Backward, with xhat = (x - mean) * invstd and M = n * inner (sums per channel):
///   grad_weight = sum(g * xhat), grad_bias = sum(g)
///   training: grad_x = weight * invstd * (g - sum(g) / M - (x - mean) * invstd^2 * sum(g * (x - mean)) / M)
///   eval:     grad_x = weight * invstd * g
/// Any of grad_x, grad_weight, grad_bias may be null (not wanted); x may be null only when
/// grad_x (in training) and grad_weight are. `weight` null means 1.
#[no_mangle]
pub unsafe extern "C" fn batch_norm_backward(
    n: usize, channels: usize, inner: usize, training: u32,
    x: *const f32, g: *const f32, weight: *const f32, mean: *const f64, invstd: *const f64,
    grad_x: *mut f32, grad_weight: *mut f32, grad_bias: *mut f32,
) {
    let count = (n * inner) as f64;
    for c in 0..channels {
        let m = *mean.add(c);
        let is = *invstd.add(c);
        let (sum_g, sum_gxm) = channel_grad_sums(x, g, n, channels, inner, c, m);
        if !grad_weight.is_null() {
            *grad_weight.add(c) = (sum_gxm * is) as f32;
        }
        if !grad_bias.is_null() {
            *grad_bias.add(c) = sum_g as f32;
        }
        if grad_x.is_null() {
            continue;
        }
        let scale = (if weight.is_null() { 1.0 } else { *weight.add(c) as f64 }) * is;
        if training == 0 {
            channel_affine(g, grad_x, n, channels, inner, c, scale as f32, 0.0);
            continue;
        }
        // grad_x = scale * g - k * (x - mean) - scale * sum(g) / M, k = scale * invstd^2 * sum(g (x - mean)) / M.
        let k = (scale * is * is * sum_gxm / count) as f32;
        let mf = m as f32;
        let sf = scale as f32;
        let shift = (-scale * sum_g / count) as f32;
        let (vs, vk, vm, vt) = (f32x4_splat(sf), f32x4_splat(k), f32x4_splat(mf), f32x4_splat(shift));
        for b in 0..n {
            let off = (b * channels + c) * inner;
            let (p, q, r) = (x.add(off), g.add(off), grad_x.add(off));
            let mut i = 0;
            while i + 4 <= inner {
                let xm = f32x4_sub(load4(p.add(i)), vm);
                let v = f32x4_add(f32x4_sub(f32x4_mul(load4(q.add(i)), vs), f32x4_mul(xm, vk)), vt);
                store4(r.add(i), v);
                i += 4;
            }
            while i < inner {
                *r.add(i) = *q.add(i) * sf - (*p.add(i) - mf) * k + shift;
                i += 1;
            }
        }
    }
}
