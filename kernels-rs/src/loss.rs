//! Softmax cross-entropy with torch.nn.functional.cross_entropy(reduction='mean') semantics
//! (PyTorch 1.13), including class weights, ignore_index and label smoothing:
//!
//!   logp = log_softmax(logits)
//!   nll  = sum_{i not ignored} w[y_i] * -logp[i, y_i] / W,   W = sum_{i not ignored} w[y_i]
//!   smooth_i = -sum_c w[c] * logp[i, c]  (0 for ignored i; w = 1 without weights)
//!   smooth = sum_i smooth_i / W (checked against torch 1.13: without weights W is the number
//!            of non-ignored rows, not the batch size)
//!   loss = (1 - eps) * nll + eps / C * smooth

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

#[inline(always)]
unsafe fn class_weight(weight: *const f32, c: usize) -> f32 {
    if weight.is_null() {
        1.0
    } else {
        *weight.add(c)
    }
}

#[inline(always)]
fn is_counted(target: i32, classes: usize, ignore_index: i32) -> bool {
    // Out-of-range targets are rejected by the TypeScript side; treating them as ignored keeps
    // this kernel memory-safe regardless.
    target != ignore_index && target >= 0 && (target as usize) < classes
}

/// Writes log_softmax of one row of `n` logits into `out`.
unsafe fn log_softmax_row(x: *const f32, out: *mut f32, n: usize) {
    let mut i = 0;
    let mut vmax = f32x4_splat(f32::NEG_INFINITY);
    while i + 4 <= n {
        vmax = f32x4_max(vmax, load4(x.add(i)));
        i += 4;
    }
    let mut max = f32x4_extract_lane::<0>(vmax)
        .max(f32x4_extract_lane::<1>(vmax))
        .max(f32x4_extract_lane::<2>(vmax))
        .max(f32x4_extract_lane::<3>(vmax));
    while i < n {
        max = max.max(*x.add(i));
        i += 1;
    }
    let mut sum = 0.0f32;
    for j in 0..n {
        sum += (*x.add(j) - max).exp();
    }
    let shift = f32x4_splat(max + sum.ln());
    let lse = max + sum.ln();
    let mut j = 0;
    while j + 4 <= n {
        store4(out.add(j), f32x4_sub(load4(x.add(j)), shift));
        j += 4;
    }
    while j < n {
        *out.add(j) = *x.add(j) - lse;
        j += 1;
    }
}

/// Writes logProbs and returns the mean loss. `weight` may be null.
#[no_mangle]
pub unsafe extern "C" fn cross_entropy_forward(
    batch: usize,
    classes: usize,
    logits: *const f32,
    targets: *const i32,
    weight: *const f32,
    ignore_index: i32,
    label_smoothing: f32,
    log_probs: *mut f32,
) -> f32 {
    let mut nll = 0.0f32;
    let mut smooth = 0.0f32;
    let mut total_weight = 0.0f32;
    for i in 0..batch {
        let row = log_probs.add(i * classes);
        log_softmax_row(logits.add(i * classes), row, classes);
        let t = *targets.add(i);
        if !is_counted(t, classes, ignore_index) {
            continue;
        }
        let wy = class_weight(weight, t as usize);
        nll -= wy * *row.add(t as usize);
        total_weight += wy;
        if label_smoothing > 0.0 {
            let mut s = 0.0f32;
            for c in 0..classes {
                s -= class_weight(weight, c) * *row.add(c);
            }
            smooth += s;
        }
    }
    let nll = nll / total_weight;
    if label_smoothing <= 0.0 {
        return nll;
    }
    let smooth = smooth / total_weight;
    (1.0 - label_smoothing) * nll + label_smoothing / classes as f32 * smooth
}

/// gradLogits = d(loss)/d(logits) * gradLoss, from the saved logProbs.
#[no_mangle]
pub unsafe extern "C" fn cross_entropy_backward(
    batch: usize,
    classes: usize,
    log_probs: *const f32,
    targets: *const i32,
    weight: *const f32,
    ignore_index: i32,
    label_smoothing: f32,
    grad_loss: f32,
    grad_logits: *mut f32,
) {
    let mut total_weight = 0.0f32;
    for i in 0..batch {
        let t = *targets.add(i);
        if is_counted(t, classes, ignore_index) {
            total_weight += class_weight(weight, t as usize);
        }
    }
    let eps = label_smoothing.max(0.0);
    // d(loss)/d(logp[i, c]) = -nll_scale * w[y_i] * [c == y_i] - smooth_scale * w[c].
    let nll_scale = grad_loss * (1.0 - eps) / total_weight;
    let smooth_scale = if eps > 0.0 {
        grad_loss * eps / classes as f32 / total_weight
    } else {
        0.0
    };
    // W = sum of the class weights, once and in f64: C same-sign f32 additions would round
    // C times without cancelling (C * u instead of sqrt(C) * u at C = 1000).
    let smooth_total = if smooth_scale != 0.0 {
        let mut weight_sum = 0.0f64;
        for c in 0..classes {
            weight_sum += class_weight(weight, c) as f64;
        }
        smooth_scale as f64 * weight_sum
    } else {
        0.0
    };
    for i in 0..batch {
        let out = grad_logits.add(i * classes);
        let row = log_probs.add(i * classes);
        let t = *targets.add(i);
        if !is_counted(t, classes, ignore_index) {
            crate::elementwise::fill_raw(out, classes, 0.0);
            continue;
        }
        let t = t as usize;
        // g[c] = dL/dlogp[c]; dL/dlogit[j] = g[j] - softmax[j] * sum_c g[c].
        let g_target = -nll_scale * class_weight(weight, t);
        let g_sum = (g_target as f64 - smooth_total) as f32;
        let vsum = f32x4_splat(g_sum);
        let vsmooth = f32x4_splat(smooth_scale);
        let mut j = 0;
        while j + 4 <= classes {
            let mut softmax = [0.0f32; 4];
            for l in 0..4 {
                softmax[l] = (*row.add(j + l)).exp();
            }
            let p = load4(softmax.as_ptr());
            let w = if weight.is_null() { f32x4_splat(1.0) } else { load4(weight.add(j)) };
            let g = f32x4_neg(f32x4_mul(vsmooth, w));
            store4(out.add(j), f32x4_sub(g, f32x4_mul(p, vsum)));
            j += 4;
        }
        while j < classes {
            let g = -smooth_scale * class_weight(weight, j);
            *out.add(j) = g - (*row.add(j)).exp() * g_sum;
            j += 1;
        }
        *out.add(t) += g_target;
    }
}
