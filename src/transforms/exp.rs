//! The exponential map onto the positive reals.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y = e^x`, `log |det J| = sum_j x_j`. The bijection onto `(0, inf)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exp;

impl<E: Real, D: Backend<E>> Bijector<E, D> for Exp {
    fn name(&self) -> &'static str {
        "Exp"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        Ok((x.exp(), x.sum_columns()))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let x = y.ln();
        let log_det = -x.sum_columns();
        Ok((x, log_det))
    }
}
