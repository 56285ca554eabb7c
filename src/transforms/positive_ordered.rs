//! Unconstrained vectors to increasing positive vectors.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y = cumsum(exp(x))`: a strictly increasing vector of positive numbers (Stan's
/// `positive_ordered`). `log |det J| = sum_k x_k` (the Jacobian is lower-triangular with
/// diagonal `exp(x_k)`).
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::constraints::Constraint;
/// use flowppl::transforms::{Bijector, PositiveOrdered};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[0.0, 0.0, 2f64.ln()]])?;
/// let (y, log_det) = PositiveOrdered.forward(&x, None)?; // cumsum of 1, 1, 2
/// assert!(y.to_vec().iter().zip([1.0, 2.0, 4.0]).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!(Constraint::PositiveOrdered.check_row(&y.to_vec()));
/// assert!((log_det.to_vec()[0] - 2f64.ln()).abs() < 1e-12); // sum x
/// let (back, _) = PositiveOrdered.inverse(&y, None)?;
/// assert!(back.to_vec().iter().zip(x.to_vec()).all(|(a, b)| (a - b).abs() < 1e-12));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PositiveOrdered;

impl<E: Real, D: Backend<E>> Bijector<E, D> for PositiveOrdered {
    fn name(&self) -> &'static str {
        "PositiveOrdered"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        Ok((x.exp().cumsum_columns(), x.sum_columns()))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let k = y.columns();
        let gaps = if k == 1 {
            y.clone()
        } else {
            let first = y.slice_columns(0, 1)?;
            let rest = y.slice_columns(1, k)?.sub(&y.slice_columns(0, k - 1)?)?;
            Var::concat_columns(&[&first, &rest])?
        };
        let x = gaps.ln();
        let log_det = -x.sum_columns();
        Ok((x, log_det))
    }
}
