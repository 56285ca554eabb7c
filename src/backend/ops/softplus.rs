//! Softplus and log-sigmoid in overflow-free forms.

use crate::backend::{real, Backend, Real, Var};
use dfdx::prelude::WithEmptyTape;

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `softplus(x) = ln(1 + e^x)`, computed as `max(x, 0) + ln(1 + e^-|x|)` so that neither
    /// branch overflows. Derivative `sigmoid(x)`.
    pub fn softplus(&self) -> Self {
        self.record(|t| {
            // `with_empty_tape` forks the value onto a fresh tape that merges back at `+`.
            let fork = t.with_empty_tape();
            t.relu() + (fork.abs().negate().exp() + real::<E>(1.0)).ln()
        })
    }

    /// `ln sigmoid(x) = -softplus(-x)`: finite for every finite `x`, unlike `sigmoid(x).ln()`
    /// which is `-inf` below about -88 in `f32`.
    pub fn log_sigmoid(&self) -> Self {
        -(-self).softplus()
    }
}
