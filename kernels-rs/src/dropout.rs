//! Dropout's kernels: its mask drawn from PyTorch's CPU generator (mt19937, kept on the JS side
//! in src/random.ts and passed in by value), and the element-wise product it multiplies by.

use crate::simd::{load4, store4};
use core::arch::wasm32::*;

const N: usize = 624;
const M: usize = 397;
const UPPER: u32 = 0x8000_0000;
const LOWER: u32 = 0x7fff_ffff;
const MATRIX_A: u32 = 0x9908_b0df;

/// Regenerates the 624 words (mt19937's twist), as twistWords in src/random.ts.
fn twist(mt: &mut [u32; N]) {
    #[inline(always)]
    fn step(a: u32, b: u32, far: u32) -> u32 {
        let y = (a & UPPER) | (b & LOWER);
        far ^ (y >> 1) ^ ((y & 1).wrapping_neg() & MATRIX_A)
    }
    for k in 0..N - M {
        mt[k] = step(mt[k], mt[k + 1], mt[k + M]);
    }
    for k in N - M..N - 1 {
        mt[k] = step(mt[k], mt[k + 1], mt[k + M - N]);
    }
    mt[N - 1] = step(mt[N - 1], mt[0], mt[M - 1]);
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
    // u = x / 2^53 with x the 53-bit integer ((hi & 0x1fffff) << 32) | lo, and p * 2^53 is
    // exact (a power-of-two scaling of p <= 1), so u < p exactly when x < ceil(p * 2^53).
    let threshold = (p * 9007199254740992.0).ceil() as u64;
    let draw = |hi: u32, lo: u32| -> f32 {
        let x = (((hi & 0x1f_ffff) as u64) << 32) | lo as u64;
        if x < threshold { value } else { 0.0 }
    };
    let mut idx = index;
    let mut i = 0;
    while i < n {
        if idx >= N {
            twist(mt);
            idx = 0;
        }
        if idx == N - 1 {
            // The pair straddles a twist.
            let hi = temper(mt[idx]);
            twist(mt);
            *out.add(i) = draw(hi, temper(mt[0]));
            idx = 1;
            i += 1;
            continue;
        }
        let pairs = ((N - idx) / 2).min(n - i);
        let words = mt.as_ptr().add(idx);
        for k in 0..pairs {
            *out.add(i + k) = draw(temper(*words.add(2 * k)), temper(*words.add(2 * k + 1)));
        }
        idx += 2 * pairs;
        i += pairs;
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
