//! `softplus` and `sigmoid` over whole slices, written so that the compiler vectorises them.
//!
//! Per entry, with `e = exp(-|x|)` in `(0, 1]`:
//!
//! ```text
//! softplus(x) = max(x, 0) + ln(1 + e)
//! sigmoid(x)  = 1 / (1 + e)   if x >= 0,   e / (1 + e)   otherwise
//! ```
//!
//! Both share one exponential. The scalar form ([`softplus_and_sigmoid`]) calls libm's `expf`
//! and `logf` one entry at a time, which the compiler cannot vectorise: on T1's 5000 logits
//! they were about 60 instructions of the 130 an entry cost. For `f32` this module replaces
//! them with branch-free polynomials (no table look-ups, no calls), so the loops compile to
//! packed SIMD:
//!
//! - `exp(t)` for `t` in `[-87, 0]`: `t = n ln 2 + r` with `n = round(t / ln 2)` and
//!   `|r| <= ln(2) / 2`, `e^r` by the degree-7 polynomial of Cephes' `expf` (Moshier 1992,
//!   "Methods and programs for mathematical functions"), and `2^n` written straight into the
//!   exponent bits. Below `-87` the exponential is clamped to `e^-87`, about `1.6e-38`, where
//!   both outputs have already reached their limits to within `f32` rounding.
//! - `ln(1 + e)` for `e` in `(0, 1]`: `1 + e = (1 + s) / (1 - s)` with `s = e / (2 + e)` in
//!   `(0, 1/3]`, so `ln(1 + e) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...)`. Eight terms leave a
//!   truncation error below `(1/9)^8 / 17`, about `1e-9` relative; there is no cancellation
//!   for small `e` (unlike `ln(1 + e)` evaluated after the rounding of `1 + e`).
//!
//! NaN inputs give NaN outputs (so a diverging fit is still caught). `f64` keeps the scalar
//! libm path: its polynomials would need twice the terms for full precision.
//!
//! [`softplus_and_sigmoid`]: super::softplus_and_sigmoid

use super::softplus_and_sigmoid;
use num_traits::Float;

/// The scalar form over slices, for element types without a vectorised kernel (`f64`).
pub(crate) fn softplus_sigmoid_scalar<F: Float>(x: &[F], softplus: &mut [F], sigmoid: &mut [F]) {
    for ((&value, sp), sg) in x.iter().zip(softplus.iter_mut()).zip(sigmoid.iter_mut()) {
        (*sp, *sg) = softplus_and_sigmoid(value);
    }
}

/// The `f32` kernel: straight-line code over the slices, vectorised by the compiler (eight
/// lanes where the processor has AVX2, see [`wide`](crate::backend::simd::wide)).
pub(crate) fn softplus_sigmoid_f32(x: &[f32], softplus: &mut [f32], sigmoid: &mut [f32]) {
    crate::backend::simd::wide(|| softplus_sigmoid_f32_loop(x, softplus, sigmoid))
}

#[inline(always)]
fn softplus_sigmoid_f32_loop(x: &[f32], softplus: &mut [f32], sigmoid: &mut [f32]) {
    for ((&value, sp), sg) in x.iter().zip(softplus.iter_mut()).zip(sigmoid.iter_mut()) {
        let e = exp_non_positive(-value.abs());
        let inverse = 1.0 / (1.0 + e);
        let logistic = if value >= 0.0 { inverse } else { e * inverse };
        let smooth = value.max(0.0) + ln_one_plus_unit(e);
        // `max` above drops a NaN; put it back so that non-finite fits are still noticed.
        (*sp, *sg) = if value.is_nan() {
            (value, value)
        } else {
            (smooth, logistic)
        };
    }
}

/// `e^t` for `t <= 0` (clamped at `-87`), to about one ulp.
#[inline(always)]
pub(super) fn exp_non_positive(t: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that `n * LN2_HIGH` is exact for the `n` that occur.
    const LN2_HIGH: f32 = 0.693_359_4;
    const LN2_LOW: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer without a call.
    const ROUNDER: f32 = 12_582_912.0;
    let t = t.max(-87.0);
    let n = (t * LOG2_E + ROUNDER) - ROUNDER;
    let r = t - n * LN2_HIGH - n * LN2_LOW;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let exp_r = p * r * r + r + 1.0;
    // n is in [-126, 0], so n + 127 is a normal exponent. `2^23 + 127 + n` holds the integer
    // `n + 127` in its low mantissa bits; shifting them into the exponent field builds `2^n`
    // without a float-to-integer conversion (Rust's saturating `as` does not vectorise).
    let biased = (n + (8_388_608.0 + 127.0)).to_bits();
    let two_to_n = f32::from_bits(biased << 23);
    exp_r * two_to_n
}

/// `ln(1 + e)` for `e` in `[0, 1]`, as `2 atanh(e / (2 + e))`.
#[inline(always)]
pub(super) fn ln_one_plus_unit(e: f32) -> f32 {
    let s = e / (2.0 + e);
    let s2 = s * s;
    let mut p = 1.0_f32 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    2.0 * s * p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(x: f64) -> (f64, f64) {
        let softplus = x.max(0.0) + (-x.abs()).exp().ln_1p();
        (softplus, 1.0 / (1.0 + (-x).exp()))
    }

    fn grid() -> Vec<f32> {
        let mut xs: Vec<f32> = (-200_000..=200_000).map(|k| k as f32 * 5e-4).collect();
        xs.extend([
            -1e30, -200.0, -90.0, -87.5, -1e-30, 0.0, -0.0, 1e-30, 87.5, 90.0, 1e30,
        ]);
        xs.extend([f32::INFINITY, f32::NEG_INFINITY, f32::MIN_POSITIVE]);
        xs
    }

    /// Relative error in units of f32's epsilon, measured against f64 libm; values below
    /// `1e-37` (where the clamp takes over) only need to be tiny.
    fn ulps(approx: f32, exact: f64) -> f64 {
        if exact.abs() < 1e-37 {
            return if (approx as f64).abs() < 1e-37 {
                0.0
            } else {
                f64::INFINITY
            };
        }
        if exact.is_infinite() {
            return if approx as f64 == exact {
                0.0
            } else {
                f64::INFINITY
            };
        }
        ((approx as f64 - exact) / exact).abs() / f32::EPSILON as f64
    }

    #[test]
    fn f32_kernel_is_within_a_few_ulps_of_f64_libm() {
        let xs = grid();
        let (mut softplus, mut sigmoid) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
        softplus_sigmoid_f32(&xs, &mut softplus, &mut sigmoid);
        let mut worst = (0.0f64, 0.0f64);
        for ((&x, &sp), &sg) in xs.iter().zip(&softplus).zip(&sigmoid) {
            let (sp_exact, sg_exact) = reference(x as f64);
            worst.0 = worst.0.max(ulps(sp, sp_exact));
            worst.1 = worst.1.max(ulps(sg, sg_exact));
        }
        // libm's own f32 functions are within 1 ulp each; the composed scalar formula
        // reaches 2-3. Four is the budget for the polynomial kernel.
        assert!(worst.0 <= 4.0, "softplus: {} ulps", worst.0);
        assert!(worst.1 <= 4.0, "sigmoid: {} ulps", worst.1);
    }

    #[test]
    fn nan_propagates() {
        let xs = [f32::NAN, 1.0];
        let (mut softplus, mut sigmoid) = ([0.0; 2], [0.0; 2]);
        softplus_sigmoid_f32(&xs, &mut softplus, &mut sigmoid);
        assert!(softplus[0].is_nan() && sigmoid[0].is_nan());
        assert!(softplus[1].is_finite() && sigmoid[1].is_finite());
    }

    #[test]
    fn scalar_slices_match_the_scalar_formula() {
        let xs = [-30.0, -1.5, 0.0, 2.0, 40.0];
        let (mut softplus, mut sigmoid) = ([0.0f64; 5], [0.0f64; 5]);
        softplus_sigmoid_scalar(&xs, &mut softplus, &mut sigmoid);
        for ((&x, &sp), &sg) in xs.iter().zip(&softplus).zip(&sigmoid) {
            assert_eq!((sp, sg), softplus_and_sigmoid(x));
        }
    }
}
