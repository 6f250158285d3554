//! torch.optim.Adam steps over every tensor of a parameter group in one call (as torch's
//! `_multi_tensor_adam`). The rule, with torch 1.13's order of float operations:
//!
//!     g = maximize ? -grad : grad;  g = g + weight_decay * p
//!     m = m * beta1 + (1 - beta1) * g                  (exp_avg.mul_(beta1).add_(g, 1 - beta1))
//!     v = v * beta2 + ((1 - beta2) * g) * g            (exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2))
//!     amsgrad: v_max = max(v_max, v), and v_max replaces v below
//!     denom = sqrt(v) / bias_correction2_sqrt + eps
//!     p = p - step_size * (m / denom)                  (param.addcdiv_(m, denom, -step_size))
//!
//! `step_size = lr / (1 - beta1^step)` and `bias_correction2_sqrt = sqrt(1 - beta2^step)` are
//! computed per parameter by the caller in double precision, as torch does in Python, and
//! rounded to f32 as torch rounds a scalar for a float tensor.

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

/// Words per parameter in `adam_step_many`'s table.
const ADAM_ROW: usize = 8;

/// `table` holds, per parameter, the 32-bit words [n, param, grad, exp_avg, exp_avg_sq,
/// max_exp_avg_sq (0 unless amsgrad), step_size (f32 bits), bias_correction2_sqrt (f32 bits)].
/// `one_minus_beta1/2` come from the caller (1 - beta in double, then rounded, as torch's
/// `alpha=1 - beta1`). Flags are 0/1.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn adam_step_many(
    count: usize,
    table: *const u32,
    beta1: f32,
    beta2: f32,
    one_minus_beta1: f32,
    one_minus_beta2: f32,
    eps: f32,
    weight_decay: f32,
    maximize: i32,
) {
    for r in 0..count {
        let row = table.add(r * ADAM_ROW);
        let n = *row as usize;
        let param = *row.add(1) as usize as *mut f32;
        let grad = *row.add(2) as usize as *const f32;
        let m = *row.add(3) as usize as *mut f32;
        let v = *row.add(4) as usize as *mut f32;
        let v_max = *row.add(5) as usize as *mut f32;
        let step_size = f32::from_bits(*row.add(6));
        let bc2_sqrt = f32::from_bits(*row.add(7));
        let betas = [beta1, beta2, one_minus_beta1, one_minus_beta2];
        adam_one(n, param, grad, m, v, v_max, step_size, bc2_sqrt, betas, eps, weight_decay, maximize != 0);
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn adam_one(
    n: usize,
    param: *mut f32,
    grad: *const f32,
    m: *mut f32,
    v: *mut f32,
    v_max: *mut f32,
    step_size: f32,
    bc2_sqrt: f32,
    [beta1, beta2, c1, c2]: [f32; 4],
    eps: f32,
    weight_decay: f32,
    maximize: bool,
) {
    let (vb1, vb2, vc1, vc2) = (f32x4_splat(beta1), f32x4_splat(beta2), f32x4_splat(c1), f32x4_splat(c2));
    let (veps, vwd, vstep, vbc2) = (f32x4_splat(eps), f32x4_splat(weight_decay), f32x4_splat(step_size), f32x4_splat(bc2_sqrt));
    let amsgrad = !v_max.is_null();
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
        let mi = f32x4_add(f32x4_mul(load4(m.add(i)), vb1), f32x4_mul(vc1, g));
        store4(m.add(i), mi);
        let mut vi = f32x4_add(f32x4_mul(load4(v.add(i)), vb2), f32x4_mul(f32x4_mul(vc2, g), g));
        store4(v.add(i), vi);
        if amsgrad {
            vi = f32x4_max(load4(v_max.add(i)), vi);
            store4(v_max.add(i), vi);
        }
        let denom = f32x4_add(f32x4_div(f32x4_sqrt(vi), vbc2), veps);
        store4(param.add(i), f32x4_sub(p, f32x4_mul(vstep, f32x4_div(mi, denom))));
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
        let mi = *m.add(i) * beta1 + c1 * g;
        *m.add(i) = mi;
        let mut vi = *v.add(i) * beta2 + (c2 * g) * g;
        *v.add(i) = vi;
        if amsgrad {
            let old = *v_max.add(i);
            // NaN wins, as torch.maximum (and f32x4_max above).
            vi = if old.is_nan() || old > vi { old } else { vi };
            *v_max.add(i) = vi;
        }
        let denom = vi.sqrt() / bc2_sqrt + eps;
        *param.add(i) = p - step_size * (mi / denom);
        i += 1;
    }
}
