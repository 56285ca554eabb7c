//! Unconstrained vectors to Cholesky factors of correlation matrices.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// Maps `x` in `R^(d(d-1)/2)` to the row-major `d x d` lower Cholesky factor `L` of a
/// correlation matrix (unit-length rows, positive diagonal), through partial correlations
/// `z = tanh(x)` filled row by row (Lewandowski, Kurowicka & Joe 2009; Stan's
/// `cholesky_factor_corr`):
/// `L_ij = z_ij sqrt(1 - sum_{k<j} L_ik^2)` for `j < i`, `L_ii = sqrt(1 - sum_{k<i} L_ik^2)`.
///
/// `log |det J| = sum_{j<i} [ln(1 - z_ij^2) + ln(1 - sum_{k<j} L_ik^2) / 2]`, the Jacobian of
/// the map onto the strictly-lower entries, which is triangular.
///
/// Built from column operations, `O(d^2)` recorded operations: meant for the moderate `d` of
/// hierarchical models.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::constraints::Constraint;
/// use flowppl::transforms::{Bijector, CorrCholesky};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[0.5]])?;
/// let (l, log_det) = CorrCholesky.forward(&x, None)?;
/// // d = 2: L = [[1, 0], [tanh x, sqrt(1 - tanh^2 x)]]
/// let (r, s) = (0.5f64.tanh(), (1.0 - 0.5f64.tanh().powi(2)).sqrt());
/// assert!(l.to_vec().iter().zip([1.0, 0.0, r, s]).all(|(a, b)| (a - b).abs() < 1e-12));
/// assert!(Constraint::CorrCholesky.check_row(&l.to_vec()));
/// assert!((log_det.to_vec()[0] - (1.0 - r * r).ln()).abs() < 1e-12);
/// assert!((CorrCholesky.inverse(&l, None)?.0.to_vec()[0] - 0.5).abs() < 1e-9);
/// assert_eq!(Bijector::<f64, Cpu>::output_columns(&CorrCholesky, 3)?, 9);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CorrCholesky;

/// `d` with `d (d - 1) / 2 == m`.
fn dimension_for(m: usize) -> Result<usize> {
    let d = ((1.0 + (1.0 + 8.0 * m as f64).sqrt()) / 2.0).round() as usize;
    if d * (d - 1) / 2 != m || d < 2 {
        return Err(Error::invalid_shape(
            "CorrCholesky",
            format!("{m} inputs is not d(d-1)/2 for any d >= 2"),
        ));
    }
    Ok(d)
}

fn dimension_of_square(columns: usize) -> Result<usize> {
    let d = (columns as f64).sqrt().round() as usize;
    if d * d != columns || d < 2 {
        return Err(Error::invalid_shape(
            "CorrCholesky",
            format!("{columns} columns is not a flattened d x d matrix with d >= 2"),
        ));
    }
    Ok(d)
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for CorrCholesky {
    fn name(&self) -> &'static str {
        "CorrCholesky"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let d = dimension_for(x.columns())?;
        let rows = x.rows();
        let device = x.device();
        let z = x.tanh();
        let zero = Var::zeros(&device, rows, 1);
        let mut entries: Vec<Var<E, D>> = Vec::with_capacity(d * d);
        let mut log_det = Var::zeros(&device, rows, 1);
        let mut next = 0;
        for i in 0..d {
            // ln of the unit length still available to row i, kept in the log domain so that
            // |x| beyond ~19 (where tanh rounds to 1) still gives finite values.
            let mut log_remaining = zero.clone();
            for _ in 0..i {
                let x_ij = x.slice_columns(next, next + 1)?;
                let z_ij = z.slice_columns(next, next + 1)?;
                next += 1;
                entries.push(z_ij.mul(&(&log_remaining * 0.5).exp())?);
                // ln(1 - tanh(x)^2) = 2 (ln 2 - x - softplus(-2x))
                let log_sech_squared =
                    (-&x_ij - (&x_ij * -2.0).softplus()).add_scalar(2f64.ln()) * 2.0;
                log_det = log_det.add(&(&log_sech_squared + &(&log_remaining * 0.5)))?;
                log_remaining = log_remaining.add(&log_sech_squared)?;
            }
            entries.push((log_remaining * 0.5).exp());
            entries.extend(std::iter::repeat_n(zero.clone(), d - 1 - i));
        }
        let refs: Vec<&Var<E, D>> = entries.iter().collect();
        Ok((Var::concat_columns(&refs)?, log_det))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let d = dimension_of_square(y.columns())?;
        let rows = y.rows();
        let device = y.device();
        let mut xs: Vec<Var<E, D>> = Vec::with_capacity(d * (d - 1) / 2);
        let mut log_det = Var::zeros(&device, rows, 1);
        for i in 1..d {
            let mut remaining = Var::full(&device, rows, 1, 1.0);
            for j in 0..i {
                let l_ij = y.slice_columns(i * d + j, i * d + j + 1)?;
                let z_ij = l_ij.div(&remaining.sqrt())?;
                // atanh(z) = (ln(1 + z) - ln(1 - z)) / 2
                let x_ij = (z_ij.log1p() - (-&z_ij).log1p()) * 0.5;
                log_det =
                    log_det.sub(&(z_ij.square().rsub_scalar(1.0).ln() + remaining.ln() * 0.5))?;
                remaining = remaining.sub(&l_ij.square())?;
                xs.push(x_ij);
            }
        }
        let refs: Vec<&Var<E, D>> = xs.iter().collect();
        Ok((Var::concat_columns(&refs)?, log_det))
    }
    fn output_columns(&self, input_columns: usize) -> Result<usize> {
        let d = dimension_for(input_columns)?;
        Ok(d * d)
    }
    fn input_columns(&self, output_columns: usize) -> Result<usize> {
        let d = dimension_of_square(output_columns)?;
        Ok(d * (d - 1) / 2)
    }
}
