//! The exponential map onto the positive reals.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y = e^x`, `log |det J| = sum_j x_j`. The bijection onto `(0, inf)`.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Bijector, Exp};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[0.0, 2f64.ln()]])?;
/// let (y, log_det) = Exp.forward(&x, None)?;
/// assert!((y.to_vec()[0] - 1.0).abs() < 1e-12 && (y.to_vec()[1] - 2.0).abs() < 1e-12);
/// assert!((log_det.to_vec()[0] - 2f64.ln()).abs() < 1e-12);
/// let (back, inverse_log_det) = Exp.inverse(&y, None)?;
/// assert!((back.to_vec()[1] - 2f64.ln()).abs() < 1e-12);
/// assert!((inverse_log_det.to_vec()[0] + 2f64.ln()).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
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
