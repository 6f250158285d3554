//! Dropout's kernels: its mask drawn from PyTorch's CPU generator (mt19937, kept on the JS side
//! in src/random.ts and passed in by value), and the element-wise product it multiplies by.

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

const N: usize = 624;
const M: usize = 397;
const UPPER: u32 = 0x8000_0000;
const LOWER: u32 = 0x7fff_ffff;
const MATRIX_A: u32 = 0x9908_b0df;

/// Regenerates the 624 words (mt19937's twist), as Generator.twist in src/random.ts.
fn twist(mt: &mut [u32; N]) {
    for k in 0..N {
        let y = (mt[k] & UPPER) | (mt[(k + 1) % N] & LOWER);
        let mag = (y & 1).wrapping_neg() & MATRIX_A;
        mt[k] = mt[(k + M) % N] ^ (y >> 1) ^ mag;
    }
}

#[inline(always)]
fn temper(mut y: u32) -> u32 {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c_5680;
    y ^= (y << 15) & 0xefc6_0000;
    y ^ (y >> 18)
}

/// out[i] = value where a 53-bit uniform (torch's uniform_real_distribution<double>: two draws,
/// the first the high word) is below p, else 0: torch 1.13's CPU bernoulli_(p) without MKL,
/// scaled as dropout scales its mask. `mt` is the twister's 624 words, updated in place;
/// `index` how many of them were drawn; returns the new index.
#[no_mangle]
pub unsafe extern "C" fn bernoulli_scaled(mt: *mut u32, index: usize, p: f64, value: f32, out: *mut f32, n: usize) -> usize {
    let mt = &mut *(mt as *mut [u32; N]);
    let mut idx = index;
    let mut next = || {
        if idx >= N {
            twist(mt);
            idx = 0;
        }
        let v = temper(mt[idx]);
        idx += 1;
        v
    };
    const TWO_POW_32: f64 = 4294967296.0;
    const TWO_POW_MINUS_53: f64 = 1.0 / 9007199254740992.0;
    for i in 0..n {
        let hi = next();
        let lo = next();
        let u = ((hi & 0x1f_ffff) as f64 * TWO_POW_32 + lo as f64) * TWO_POW_MINUS_53;
        *out.add(i) = if u < p { value } else { 0.0 };
    }
    idx
}

/// out[i] = a[i] * b[i]. Any of them may alias.
#[no_mangle]
pub unsafe extern "C" fn mul(a: *const f32, b: *const f32, out: *mut f32, n: usize) {
    let mut i = 0;
    while i + 4 <= n {
        store4(out.add(i), f32x4_mul(load4(a.add(i)), load4(b.add(i))));
        i += 4;
    }
    while i < n {
        *out.add(i) = *a.add(i) * *b.add(i);
        i += 1;
    }
}
