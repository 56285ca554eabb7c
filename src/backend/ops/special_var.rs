//! `lgamma` and `digamma` on values, differentiable.

use super::special::{digamma, ln_gamma, trigamma};
use crate::backend::{Backend, Real, Var};

impl<E: Real, D: Backend<E>> Var<E, D> {
    /// `ln |Gamma(x)|` elementwise; its derivative is the digamma function.
    ///
    /// Evaluated in `f64` on the host (Lanczos), so it is accurate for `f32` and `f64` alike.
    pub fn lgamma(&self) -> Self {
        self.map_host(|x| (ln_gamma(x), digamma(x)))
    }

    /// The digamma function `psi(x)` elementwise; its derivative is the trigamma function.
    pub fn digamma(&self) -> Self {
        self.map_host(|x| (digamma(x), trigamma(x)))
    }
}
