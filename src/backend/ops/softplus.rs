//! Softplus and log-sigmoid in overflow-free forms.

use super::fused::{fused_elementwise, use_fused};
use crate::backend::{real, Backend, Real, Var};
use dfdx::prelude::WithEmptyTape;

/// `(softplus(x), sigmoid(x))` in overflow-free forms, sharing one exponential.
pub(crate) fn softplus_and_sigmoid<F: num_traits::Float>(x: F) -> (F, F) {
    let one = F::one();
    let e = (-x.abs()).exp();
    let sigmoid = if x >= F::zero() {
        one / (one + e)
    } else {
        e / (one + e)
    };
    // `ln(1 + e)` rather than `ln_1p(e)`: as exact where it matters (e in (0, 1]; below the
    // rounding of the result the term vanishes either way) and several times faster.
    (x.max(F::zero()) + (one + e).ln(), sigmoid)
}

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `softplus(x) = ln(1 + e^x)`, computed as `max(x, 0) + ln(1 + e^-|x|)` so that neither
    /// branch overflows. Derivative `sigmoid(x)`. One fused op on host-memory devices.
    pub fn softplus(&self) -> Self {
        if use_fused::<E, D>() {
            return fused_elementwise("softplus", [self.into()], |[x]| {
                let (value, slope) = softplus_and_sigmoid(x);
                (value, [slope])
            })
            .unwrap_or_else(|e| self.poisoned(e));
        }
        self.record(|t| {
            // `max(x, 0)` written as `(x + |x|) / 2`: dfdx gives relu and abs a zero slope at
            // 0, which would make softplus'(0) = 0 instead of 1/2; this form gets 1/2 there.
            // `with_empty_tape` forks the value onto fresh tapes that merge back at `+`.
            let fork = t.with_empty_tape();
            let second = t.with_empty_tape();
            (t + fork.abs()) * real::<E>(0.5) + (second.abs().negate().exp() + real::<E>(1.0)).ln()
        })
    }

    /// `ln sigmoid(x) = -softplus(-x)`: finite for every finite `x`, unlike `sigmoid(x).ln()`
    /// which is `-inf` below about -88 in `f32`.
    pub fn log_sigmoid(&self) -> Self {
        -(-self).softplus()
    }
}
