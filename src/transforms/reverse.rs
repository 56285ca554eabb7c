//! Reversing the order of the coordinates.

use super::bijector::{zero_log_det, Bijector};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y_i = x_(d-1-i)`: the permutation placed between autoregressive layers so each layer
/// conditions in a different order. Volume-preserving (log-determinant 0); its own inverse.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Bijector, Reverse};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[1.0, 2.0, 3.0]])?;
/// let (y, log_det) = Reverse.forward(&x, None)?;
/// assert_eq!(y.to_vec(), vec![3.0, 2.0, 1.0]);
/// assert_eq!(log_det.to_vec(), vec![0.0]);
/// let (back, _) = Reverse.inverse(&y, None)?;
/// assert_eq!(back.to_vec(), x.to_vec());
/// # Ok(())
/// # }
/// ```
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
