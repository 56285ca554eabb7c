//! The identity map.

use super::bijector::{zero_log_det, Bijector};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y = x`, log-determinant 0. The bijection onto the reals.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl<E: Real, D: Backend<E>> Bijector<E, D> for Identity {
    fn name(&self) -> &'static str {
        "Identity"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        Ok((x.clone(), zero_log_det(x)))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        Ok((y.clone(), zero_log_det(y)))
    }
}
