//! Element-wise kernels: fill, scale, axpy, relu forward/backward, bias add/backward.

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

pub unsafe fn fill_raw(x: *mut f32, n: usize, value: f32) {
    let v = f32x4_splat(value);
    let mut i = 0;
    while i + 4 <= n {
        store4(x.add(i), v);
        i += 4;
    }
    while i < n {
        *x.add(i) = value;
        i += 1;
    }
}

pub unsafe fn scale_raw(x: *mut f32, n: usize, alpha: f32) {
    let va = f32x4_splat(alpha);
    let mut i = 0;
    while i + 4 <= n {
        store4(x.add(i), f32x4_mul(load4(x.add(i)), va));
        i += 4;
    }
    while i < n {
        *x.add(i) *= alpha;
        i += 1;
    }
}

/// y[i] += alpha * x[i].
pub unsafe fn axpy_raw(n: usize, alpha: f32, x: *const f32, y: *mut f32) {
    let va = f32x4_splat(alpha);
    let mut i = 0;
    while i + 4 <= n {
        store4(y.add(i), f32x4_add(load4(y.add(i)), f32x4_mul(va, load4(x.add(i)))));
        i += 4;
    }
    while i < n {
        *y.add(i) += alpha * *x.add(i);
        i += 1;
    }
}

/// Sum of n floats, four partial sums in a vector then the scalar tail.
pub unsafe fn sum_raw(x: *const f32, n: usize) -> f32 {
    let mut acc0 = f32x4_splat(0.0);
    let mut acc1 = f32x4_splat(0.0);
    let mut i = 0;
    while i + 8 <= n {
        acc0 = f32x4_add(acc0, load4(x.add(i)));
        acc1 = f32x4_add(acc1, load4(x.add(i + 4)));
        i += 8;
    }
    while i + 4 <= n {
        acc0 = f32x4_add(acc0, load4(x.add(i)));
        i += 4;
    }
    let acc = f32x4_add(acc0, acc1);
    let mut s = (f32x4_extract_lane::<0>(acc) + f32x4_extract_lane::<1>(acc))
        + (f32x4_extract_lane::<2>(acc) + f32x4_extract_lane::<3>(acc));
    while i < n {
        s += *x.add(i);
        i += 1;
    }
    s
}

#[no_mangle]
pub unsafe extern "C" fn fill(x: *mut f32, n: usize, value: f32) {
    fill_raw(x, n, value)
}

#[no_mangle]
pub unsafe extern "C" fn scale(x: *mut f32, n: usize, alpha: f32) {
    scale_raw(x, n, alpha)
}

#[no_mangle]
pub unsafe extern "C" fn axpy(n: usize, alpha: f32, x: *const f32, y: *mut f32) {
    axpy_raw(n, alpha, x, y)
}

/// y = max(x, 0); NaN stays NaN (as torch.relu). x and y may alias.
#[no_mangle]
pub unsafe extern "C" fn relu_forward(x: *const f32, y: *mut f32, n: usize) {
    let zero = f32x4_splat(0.0);
    let mut i = 0;
    while i + 4 <= n {
        let v = load4(x.add(i));
        // Lanes with v > 0 or v NaN keep v; the rest become +0.
        let keep = v128_or(f32x4_gt(v, zero), f32x4_ne(v, v));
        store4(y.add(i), v128_and(v, keep));
        i += 4;
    }
    while i < n {
        let v = *x.add(i);
        *y.add(i) = if v > 0.0 || v.is_nan() { v } else { 0.0 };
        i += 1;
    }
}

/// gradX = gradY where y > 0, else 0.
#[no_mangle]
pub unsafe extern "C" fn relu_backward(y: *const f32, grad_y: *const f32, grad_x: *mut f32, n: usize) {
    let zero = f32x4_splat(0.0);
    let mut i = 0;
    while i + 4 <= n {
        let mask = f32x4_gt(load4(y.add(i)), zero);
        store4(grad_x.add(i), v128_and(load4(grad_y.add(i)), mask));
        i += 4;
    }
    while i < n {
        *grad_x.add(i) = if *y.add(i) > 0.0 { *grad_y.add(i) } else { 0.0 };
        i += 1;
    }
}

/// In place: x[i] += y[i] for i < n.
unsafe fn add_raw(x: *mut f32, y: *const f32, n: usize) {
    let mut i = 0;
    while i + 4 <= n {
        store4(x.add(i), f32x4_add(load4(x.add(i)), load4(y.add(i))));
        i += 4;
    }
    while i < n {
        *x.add(i) += *y.add(i);
        i += 1;
    }
}

/// In place: x[o, c, i] += bias[c] for x viewed as [outer, channels, inner].
#[no_mangle]
pub unsafe extern "C" fn bias_add(x: *mut f32, bias: *const f32, outer: usize, channels: usize, inner: usize) {
    if inner == 1 {
        // A linear layer's [batch, features]: the bias is a row added to each row.
        for o in 0..outer {
            add_raw(x.add(o * channels), bias, channels);
        }
        return;
    }
    for o in 0..outer {
        for c in 0..channels {
            let row = x.add((o * channels + c) * inner);
            let b = *bias.add(c);
            let vb = f32x4_splat(b);
            let mut i = 0;
            while i + 4 <= inner {
                store4(row.add(i), f32x4_add(load4(row.add(i)), vb));
                i += 4;
            }
            while i < inner {
                *row.add(i) += b;
                i += 1;
            }
        }
    }
}

/// gradBias[c] = sum over o, i of gradY[o, c, i] (overwrites gradBias).
#[no_mangle]
pub unsafe extern "C" fn bias_backward(grad_y: *const f32, grad_bias: *mut f32, outer: usize, channels: usize, inner: usize) {
    fill_raw(grad_bias, channels, 0.0);
    if inner == 1 {
        // A linear layer's [batch, features]: column sums, a row at a time (each column still
        // summed in the order of o, as below).
        for o in 0..outer {
            add_raw(grad_bias, grad_y.add(o * channels), channels);
        }
        return;
    }
    for o in 0..outer {
        for c in 0..channels {
            *grad_bias.add(c) += sum_raw(grad_y.add((o * channels + c) * inner), inner);
        }
    }
}
