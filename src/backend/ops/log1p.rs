//! `log(1 + x)` and `exp(x) - 1` without cancellation near zero.

use crate::backend::{Backend, Real, Var};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `ln(1 + x)`, accurate for tiny `x` (where `(1 + x).ln()` rounds to 0 in `f32`).
    /// Derivative `1 / (1 + x)`.
    pub fn log1p(&self) -> Self {
        self.map_host(|x| (x.ln_1p(), 1.0 / (1.0 + x)))
    }

    /// `e^x - 1`, accurate for tiny `x`. Derivative `e^x`.
    pub fn expm1(&self) -> Self {
        self.map_host(|x| (x.exp_m1(), x.exp()))
    }
}
