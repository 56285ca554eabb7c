//! The logistic sigmoid onto the unit interval.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// `y = 1 / (1 + e^-x)`, `log |det J| = sum_j [ln sigmoid(x_j) + ln sigmoid(-x_j)]`, computed
/// with softplus so it stays finite for any `x`. The bijection onto `(0, 1)`.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Bijector, Sigmoid};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[0.0, 40.0]])?;
/// let (y, log_det) = Sigmoid.forward(&x, None)?;
/// assert_eq!(y.to_vec()[0], 0.5);
/// // ln sigmoid'(0) = ln(1/4); ln sigmoid'(40) is about -40, still finite.
/// assert!((log_det.to_vec()[0] - (0.25f64.ln() - 40.0)).abs() < 1e-9);
/// let (back, _) = Sigmoid.inverse(&Var::from_rows(&Cpu::default(), &[[0.5f64]])?, None)?;
/// assert!(back.to_vec()[0].abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Sigmoid;

impl<E: Real, D: Backend<E>> Bijector<E, D> for Sigmoid {
    fn name(&self) -> &'static str {
        "Sigmoid"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let log_det = (x.log_sigmoid() + (-x).log_sigmoid()).sum_columns();
        Ok((x.sigmoid(), log_det))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        // logit(y) = ln y - ln(1 - y); d logit / dy = 1 / (y (1 - y)).
        let log_y = y.ln();
        let log_one_minus_y = (-y).log1p();
        let x = &log_y - &log_one_minus_y;
        let log_det = -(log_y + log_one_minus_y).sum_columns();
        Ok((x, log_det))
    }
}
