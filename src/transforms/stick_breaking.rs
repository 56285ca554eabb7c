//! Stick-breaking: unconstrained vectors to probability vectors.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// Maps `x` in `R^(K-1)` to `y` on the `K`-simplex by breaking a unit stick:
/// `z_k = sigmoid(x_k - ln(K - 1 - k))` (0-based `k`; the offset sends `x = 0` to the uniform
/// vector), `y_k = z_k * prod_{j<k} (1 - z_j)`, `y_K = prod_j (1 - z_j)`.
///
/// `log |det J| = sum_k [ln z_k + ln(1 - z_k) + ln prod_{j<k} (1 - z_j)]` for the map onto
/// the first `K - 1` coordinates (Stan reference manual, "Unit simplex"; Pyro's
/// `StickBreakingTransform`). All logarithms are taken through softplus, so large `|x|` stays
/// finite.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::constraints::Constraint;
/// use flowppl::transforms::{Bijector, StickBreaking};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[0.0, 0.0]])?;
/// let (y, log_det) = StickBreaking.forward(&x, None)?;
/// // x = 0 gives the uniform vector on the 3-simplex.
/// assert!(y.to_vec().iter().all(|p| (p - 1.0 / 3.0).abs() < 1e-12));
/// assert!(Constraint::Simplex.check_row(&y.to_vec()));
/// // Jacobian onto (y_1, y_2): triangular with diagonal 2/9 and 1/6, so det = 1/27.
/// assert!((log_det.to_vec()[0] + 27f64.ln()).abs() < 1e-12);
/// let (back, _) = StickBreaking.inverse(&y, None)?;
/// assert!(back.to_vec().iter().all(|v| v.abs() < 1e-9));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct StickBreaking;

fn offsets<E: Real, D: Backend<E>>(device: &D, k_minus_one: usize) -> Result<Var<E, D>> {
    let values = (0..k_minus_one)
        .map(|k| crate::backend::real::<E>(((k_minus_one - k) as f64).ln()))
        .collect();
    Var::from_vec(device, values, 1, k_minus_one)
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for StickBreaking {
    fn name(&self) -> &'static str {
        "StickBreaking"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let shifted = x.sub(&offsets(&x.device(), x.columns())?)?;
        let log_z = shifted.log_sigmoid();
        let log_one_minus_z = (-&shifted).log_sigmoid();
        let cumulative = log_one_minus_z.cumsum_columns();
        // ln prod_{j<k} (1 - z_j): the exclusive cumulative sum.
        let log_remaining = cumulative.sub(&log_one_minus_z)?;
        let head = log_z.add(&log_remaining)?.exp();
        let last = cumulative
            .slice_columns(x.columns() - 1, x.columns())?
            .exp();
        let y = Var::concat_columns(&[&head, &last])?;
        let log_det = (log_z + log_one_minus_z + log_remaining).sum_columns();
        Ok((y, log_det))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let k = y.columns();
        if k < 2 {
            return Err(Error::invalid_shape(
                "StickBreaking::inverse",
                "a simplex needs at least 2 columns",
            ));
        }
        let head = y.slice_columns(0, k - 1)?;
        // remaining_k = 1 - sum_{j<k} y_j, clamped away from 0 against rounding.
        let remaining = (head.cumsum_columns() - &head)
            .rsub_scalar(1.0)
            .clamp(1e-38, 1.0);
        let z = head.div(&remaining)?;
        let log_z = z.ln();
        let log_one_minus_z = (-&z).log1p();
        let x = (&log_z - &log_one_minus_z).add(&offsets(&y.device(), k - 1)?)?;
        let log_det = -(log_z + log_one_minus_z + remaining.ln()).sum_columns();
        Ok((x, log_det))
    }
    fn output_columns(&self, input_columns: usize) -> Result<usize> {
        if input_columns == 0 {
            return Err(Error::invalid_shape(
                "StickBreaking",
                "needs at least 1 input column",
            ));
        }
        Ok(input_columns + 1)
    }
    fn input_columns(&self, output_columns: usize) -> Result<usize> {
        if output_columns < 2 {
            return Err(Error::invalid_shape(
                "StickBreaking",
                "a simplex needs at least 2 columns",
            ));
        }
        Ok(output_columns - 1)
    }
}
