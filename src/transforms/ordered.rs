//! Unconstrained vectors to strictly increasing vectors.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y_1 = x_1`, `y_k = y_(k-1) + e^(x_k)`: a strictly increasing vector (Stan's ordered
/// transform). `log |det J| = sum_{k >= 2} x_k` (the Jacobian is triangular).
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::constraints::Constraint;
/// use flowppl::transforms::{Bijector, Ordered};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[1.0, 0.0, 2f64.ln()]])?;
/// let (y, log_det) = Ordered.forward(&x, None)?; // increments 1, e^0, e^(ln 2)
/// let y = y.to_vec();
/// assert!(y.iter().zip([1.0, 2.0, 4.0]).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!(Constraint::Ordered.check_row(&y));
/// assert!((log_det.to_vec()[0] - 2f64.ln()).abs() < 1e-12); // x_2 + x_3
/// let (back, _) = Ordered.inverse(&Var::from_rows(&Cpu::default(), &[y])?, None)?;
/// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Ordered;

impl<E: Real, D: Backend<E>> Bijector<E, D> for Ordered {
    fn name(&self) -> &'static str {
        "Ordered"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let k = x.columns();
        if k == 1 {
            return Ok((x.clone(), Var::zeros(&x.device(), x.rows(), 1)));
        }
        let first = x.slice_columns(0, 1)?;
        let rest = x.slice_columns(1, k)?;
        let increments = Var::concat_columns(&[&first, &rest.exp()])?;
        Ok((increments.cumsum_columns(), rest.sum_columns()))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let k = y.columns();
        if k == 1 {
            return Ok((y.clone(), Var::zeros(&y.device(), y.rows(), 1)));
        }
        let first = y.slice_columns(0, 1)?;
        let gaps = y.slice_columns(1, k)?.sub(&y.slice_columns(0, k - 1)?)?;
        let log_gaps = gaps.ln();
        let log_det = -log_gaps.sum_columns();
        Ok((Var::concat_columns(&[&first, &log_gaps])?, log_det))
    }
}
