//! One torch.optim.Adadelta step of one parameter, in place, with torch 1.13's order of f32
//! operations (`_single_tensor_adadelta`):
//!
//!     g = maximize ? -grad : grad;  g = g + weight_decay * p      (grad.add(param, alpha=wd))
//!     sq = sq * rho + ((1 - rho) * g) * g                         (square_avg.mul_(rho).addcmul_(g, g, 1 - rho))
//!     delta = sqrt(acc + eps) / sqrt(sq + eps) * g                (acc_delta.add(eps).sqrt_().div_(std).mul_(g))
//!     acc = acc * rho + ((1 - rho) * delta) * delta
//!     p = p - lr * delta                                          (param.add_(delta, alpha=-lr))
//!
//! `one_minus_rho` and `lr` come from the caller (rounded from double, as torch rounds a
//! Python scalar for a float tensor). As a scalar JS loop this step took 12-14 ms per 1.2 M
//! parameters (the mnist/main.py Net), all of it serial in a data-parallel step.

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn adadelta_step(
    n: usize,
    param: *mut f32,
    grad: *const f32,
    square_avg: *mut f32,
    acc_delta: *mut f32,
    lr: f32,
    rho: f32,
    one_minus_rho: f32,
    eps: f32,
    weight_decay: f32,
    maximize: i32,
) {
    let maximize = maximize != 0;
    let (vrho, vc, veps, vwd, vlr) =
        (f32x4_splat(rho), f32x4_splat(one_minus_rho), f32x4_splat(eps), f32x4_splat(weight_decay), f32x4_splat(lr));
    let mut i = 0;
    while i + 4 <= n {
        let p = load4(param.add(i));
        let mut g = load4(grad.add(i));
        if maximize {
            g = f32x4_neg(g);
        }
        if weight_decay != 0.0 {
            g = f32x4_add(g, f32x4_mul(vwd, p));
        }
        let sq = f32x4_add(f32x4_mul(load4(square_avg.add(i)), vrho), f32x4_mul(f32x4_mul(vc, g), g));
        store4(square_avg.add(i), sq);
        let acc = load4(acc_delta.add(i));
        let delta = f32x4_mul(f32x4_div(f32x4_sqrt(f32x4_add(acc, veps)), f32x4_sqrt(f32x4_add(sq, veps))), g);
        store4(acc_delta.add(i), f32x4_add(f32x4_mul(acc, vrho), f32x4_mul(f32x4_mul(vc, delta), delta)));
        store4(param.add(i), f32x4_sub(p, f32x4_mul(vlr, delta)));
        i += 4;
    }
    while i < n {
        let p = *param.add(i);
        let mut g = *grad.add(i);
        if maximize {
            g = -g;
        }
        if weight_decay != 0.0 {
            g += weight_decay * p;
        }
        let sq = *square_avg.add(i) * rho + (one_minus_rho * g) * g;
        *square_avg.add(i) = sq;
        let acc = *acc_delta.add(i);
        let delta = (acc + eps).sqrt() / (sq + eps).sqrt() * g;
        *acc_delta.add(i) = acc * rho + (one_minus_rho * delta) * delta;
        *param.add(i) = p - lr * delta;
        i += 1;
    }
}
