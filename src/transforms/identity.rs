//! The identity map.

use super::bijector::{zero_log_det, Bijector};
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y = x`, log-determinant 0. The bijection onto the reals.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Bijector, Identity};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[1.5, -2.0], [0.0, 4.0]])?;
/// let (y, log_det) = Identity.forward(&x, None)?;
/// assert_eq!(y.to_vec(), x.to_vec());
/// assert_eq!(log_det.shape(), (2, 1));
/// assert_eq!(log_det.to_vec(), vec![0.0, 0.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl<E: Real, D: Backend<E>> Bijector<E, D> for Identity {
    fn name(&self) -> &'static str {
        "Identity"
    }
    fn is_identity(&self) -> bool {
        true
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        Ok((x.clone(), zero_log_det(x)))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        Ok((y.clone(), zero_log_det(y)))
    }
}
