//! Reversing the order of the coordinates.

use super::bijector::{zero_log_det, Bijector};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y_i = x_(d-1-i)`: the permutation placed between autoregressive layers so each layer
/// conditions in a different order. Volume-preserving (log-determinant 0); its own inverse.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reverse;

impl<E: Real, D: Backend<E>> Bijector<E, D> for Reverse {
    fn name(&self) -> &'static str {
        "Reverse"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let order: Vec<usize> = (0..x.columns()).rev().collect();
        Ok((x.gather_columns(&order)?, zero_log_det(x)))
    }
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        Bijector::<E, D>::forward(self, y, context)
    }
}
