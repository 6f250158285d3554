//! torch.optim.SGD steps (the rule is in src/backend/backend.ts): one parameter tensor
//! (`sgd_step`), or every tensor of a parameter group in one call (`sgd_step_many`, as torch's
//! `_multi_tensor_sgd`: one crossing from JS for the whole group).

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

/// `momentum_buffer` may be null when momentum == 0. Flags are 0/1.
#[no_mangle]
pub unsafe extern "C" fn sgd_step(
    n: usize,
    param: *mut f32,
    grad: *const f32,
    momentum_buffer: *mut f32,
    lr: f32,
    momentum: f32,
    dampening: f32,
    nesterov: i32,
    weight_decay: f32,
    first_step: i32,
) {
    sgd_one(n, param, grad, momentum_buffer, lr, momentum, dampening, nesterov != 0, weight_decay, first_step != 0, false)
}

/// Words per parameter in `sgd_step_many`'s table.
const SGD_ROW: usize = 5;

/// One SGD step over `count` parameters of one group. `table` holds, per parameter, the u32
/// words [n, param, grad, momentum_buffer (0 when momentum == 0), first_step (0/1)].
/// `maximize` (0/1) steps along +grad, as torch's `maximize=True`.
#[no_mangle]
pub unsafe extern "C" fn sgd_step_many(
    count: usize,
    table: *const u32,
    lr: f32,
    momentum: f32,
    dampening: f32,
    nesterov: i32,
    weight_decay: f32,
    maximize: i32,
) {
    for r in 0..count {
        let row = table.add(r * SGD_ROW);
        let n = *row as usize;
        let param = *row.add(1) as usize as *mut f32;
        let grad = *row.add(2) as usize as *const f32;
        let buffer = *row.add(3) as usize as *mut f32;
        let first = *row.add(4) != 0;
        sgd_one(n, param, grad, buffer, lr, momentum, dampening, nesterov != 0, weight_decay, first, maximize != 0);
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn sgd_one(
    n: usize,
    param: *mut f32,
    grad: *const f32,
    momentum_buffer: *mut f32,
    lr: f32,
    momentum: f32,
    dampening: f32,
    nesterov: bool,
    weight_decay: f32,
    first: bool,
    maximize: bool,
) {
    let use_momentum = momentum != 0.0 && !momentum_buffer.is_null();
    let (vwd, vmu, vdamp, vlr) =
        (f32x4_splat(weight_decay), f32x4_splat(momentum), f32x4_splat(1.0 - dampening), f32x4_splat(lr));
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
        if use_momentum {
            let buf = if first {
                g
            } else {
                f32x4_add(f32x4_mul(vmu, load4(momentum_buffer.add(i))), f32x4_mul(vdamp, g))
            };
            store4(momentum_buffer.add(i), buf);
            g = if nesterov { f32x4_add(g, f32x4_mul(vmu, buf)) } else { buf };
        }
        store4(param.add(i), f32x4_sub(p, f32x4_mul(vlr, g)));
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
        if use_momentum {
            let buf = if first { g } else { momentum * *momentum_buffer.add(i) + (1.0 - dampening) * g };
            *momentum_buffer.add(i) = buf;
            g = if nesterov { g + momentum * buf } else { buf };
        }
        *param.add(i) = p - lr * g;
        i += 1;
    }
}
