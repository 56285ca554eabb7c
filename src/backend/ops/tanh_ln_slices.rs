//! Vectorisable `f32` `tanh` and `ln` over slices (the planar layer's two transcendental calls).
//!
//! A planar layer evaluates `tanh(w . z + b)` and `ln |1 + (1 - h^2) c|` once per row; with
//! libm's scalar `tanhf` (which calls `expm1f`) and `logf` these were 38 % of a step of task
//! T3 (32 layers on a batch of 256). The kernels here are branch-free straight-line code that
//! the compiler turns into packed SIMD (eight lanes with AVX2, see
//! [`wide`](crate::backend::simd::wide)):
//!
//! - `tanh(x)`: for `|x| < 0.625` the odd polynomial of Cephes' `tanhf`
//!   (`x + x^3 P(x^2)`); above, `(1 - e) / (1 + e)` with `e = exp(-2|x|)` from the same
//!   `exp` polynomial as the softplus kernel (no cancellation: `e <= 0.29` there); the sign is
//!   copied back and a NaN stays NaN.
//! - `ln(x)`: `x = m 2^k` read from the float's bits with `m` in `[sqrt(1/2), sqrt(2))`, then
//!   `ln x = k ln 2 + ln(1 + f)`, `f = m - 1` (exact), with `ln(1 + f) = 2 atanh(f / (2 + f))`
//!   by its series. Zero, negative, subnormal, infinite and NaN inputs take libm's `ln` in a
//!   second, rarely taken pass, so every input gets libm's special values.
//!
//! Both are within 4 ulps of `f64` libm (the tests sweep a million points); `f64` keeps libm.
//! Reference: S. L. Moshier, *Cephes Math Library* (`tanhf.c`, `logf.c`).

use super::softplus_slices::{exp_non_positive, ln_one_plus_unit};

/// `out[i] = tanh(x[i])` for `f32`.
pub(crate) fn tanh_f32(x: &[f32], out: &mut [f32]) {
    crate::backend::simd::wide(|| {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = tanh_one(v);
        }
    })
}

/// `ln(x)` for `f32` slices: the fast kernel where `x` is a positive normal number, libm's
/// `ln` (with its zero, negative, infinite and NaN results) elsewhere.
pub(crate) fn ln_f32(x: &[f32], out: &mut [f32]) {
    crate::backend::simd::wide(|| {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = ln_normal(v);
        }
    });
    for (o, &v) in out.iter_mut().zip(x) {
        if !(f32::MIN_POSITIVE..f32::INFINITY).contains(&v) {
            *o = v.ln();
        }
    }
}

#[inline(always)]
fn tanh_one(x: f32) -> f32 {
    let a = x.abs();
    let z = a * a;
    let mut p = -5.704_988_7e-3_f32;
    p = p * z + 2.063_909e-2;
    p = p * z - 5.373_971_6e-2;
    p = p * z + 1.333_144_2e-1;
    p = p * z - 3.333_328e-1;
    let small = p * z * a + a;
    let e = exp_non_positive(-2.0 * a);
    let large = (1.0 - e) / (1.0 + e);
    let magnitude = if a < 0.625 { small } else { large };
    if x.is_nan() {
        x
    } else {
        magnitude.copysign(x)
    }
}

/// `ln(x)` for positive normal finite `x` (anything else gives an unspecified value).
#[inline(always)]
fn ln_normal(x: f32) -> f32 {
    const LN2_HIGH: f32 = 0.693_359_4;
    const LN2_LOW: f32 = -2.121_944_4e-4;
    let bits = x.to_bits();
    // The mantissa as a number in [1, 2) and the unbiased exponent, as a float: the exponent
    // field shifted into the low mantissa bits of 2^23 (no float-integer conversion).
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let k = f32::from_bits(0x4b00_0000 | (bits >> 23)) - (8_388_608.0 + 127.0);
    let big = m > std::f32::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let k = if big { k + 1.0 } else { k };
    let f = m - 1.0;
    k * LN2_HIGH + (ln_one_plus_unit(f) + k * LN2_LOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative error in units of f32's epsilon against an f64 value (0 when both are 0).
    fn ulps(approx: f32, exact: f64) -> f64 {
        if exact == 0.0 {
            return if approx == 0.0 { 0.0 } else { f64::INFINITY };
        }
        ((approx as f64 - exact) / exact).abs() / f32::EPSILON as f64
    }

    #[test]
    fn tanh_is_within_four_ulps_of_f64_libm() {
        let mut xs: Vec<f32> = (-500_000..=500_000).map(|k| k as f32 * 2e-5).collect();
        xs.extend([
            1e-30,
            -1e-30,
            1e-6,
            0.624_999_9,
            0.625,
            9.0,
            9.1,
            50.0,
            -50.0,
            1e30,
        ]);
        xs.extend([
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MIN_POSITIVE,
            0.0,
            -0.0,
        ]);
        let mut out = vec![0.0; xs.len()];
        tanh_f32(&xs, &mut out);
        let worst = xs
            .iter()
            .zip(&out)
            .map(|(&x, &y)| ulps(y, (x as f64).tanh()))
            .fold(0.0, f64::max);
        assert!(worst <= 4.0, "tanh: {worst} ulps");
        let mut nan = [0.0];
        tanh_f32(&[f32::NAN], &mut nan);
        assert!(nan[0].is_nan());
        assert!(out
            .iter()
            .zip(&xs)
            .all(|(y, x)| y.to_bits() >> 31 == x.to_bits() >> 31));
    }

    #[test]
    fn ln_is_within_four_ulps_of_f64_libm_and_keeps_libm_special_values() {
        // Geometric sweep over the normal range plus a dense sweep around 1.
        let mut xs: Vec<f32> = (0..500_000)
            .map(|k| (1.1754944e-38_f64 * (2.0e76_f64).powf(k as f64 / 500_000.0)) as f32)
            .collect();
        xs.extend((0..200_000).map(|k| 0.5 + k as f32 * 5e-6));
        xs.extend([
            f32::MAX,
            f32::MIN_POSITIVE,
            1.0,
            2.0,
            0.5,
            std::f32::consts::SQRT_2,
        ]);
        let mut out = vec![0.0; xs.len()];
        ln_f32(&xs, &mut out);
        let worst = xs
            .iter()
            .zip(&out)
            .map(|(&x, &y)| ulps(y, (x as f64).ln()))
            .fold(0.0, f64::max);
        assert!(worst <= 4.0, "ln: {worst} ulps");
        let specials = [
            0.0,
            -0.0,
            -1.0,
            f32::INFINITY,
            f32::NAN,
            1e-40,
            f32::NEG_INFINITY,
        ];
        let mut out = [0.0; 7];
        ln_f32(&specials, &mut out);
        for (&x, &y) in specials.iter().zip(&out) {
            let expected = x.ln();
            assert!(
                y == expected || (y.is_nan() && expected.is_nan()),
                "ln({x}) = {y}, libm {expected}"
            );
        }
    }
}
