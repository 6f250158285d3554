//! One torch.optim.SGD step for one parameter tensor (the rule is in src/backend/backend.ts).

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
    let use_momentum = momentum != 0.0 && !momentum_buffer.is_null();
    let first = first_step != 0;
    let nesterov = nesterov != 0;
    let (vwd, vmu, vdamp, vlr) =
        (f32x4_splat(weight_decay), f32x4_splat(momentum), f32x4_splat(1.0 - dampening), f32x4_splat(lr));
    let mut i = 0;
    while i + 4 <= n {
        let p = load4(param.add(i));
        let mut g = load4(grad.add(i));
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
