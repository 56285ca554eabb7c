//! The [`Bijector`] trait.

use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// An invertible, differentiable map between `(rows, columns)` values, applied to each row.
///
/// `forward(x)` returns `y = f(x)` and `log |det J_f(x)|` for each row, `(rows, 1)`;
/// `inverse(y)` returns `x = f^-1(y)` and `log |det J_{f^-1}(y)|` (the negative of the forward
/// log-determinant at `x`). A conditional bijector also receives a `context` with one row per
/// input row; others ignore it.
///
/// Maps that change the number of columns (stick-breaking: `K - 1 -> K`) report the
/// log-determinant of the map onto the first `input_columns` output coordinates, the
/// convention of Stan, Pyro and NumPyro for densities on the constrained set.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Bijector, Exp, StickBreaking};
/// # fn main() -> flowppl::Result<()> {
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[0.5, -1.0]])?;
/// let exp: Box<dyn Bijector<f64, Cpu>> = Box::new(Exp);
/// let (y, log_det) = exp.forward(&x, None)?;
/// let (back, inverse_log_det) = exp.inverse(&y, None)?;
/// // log |det J| of exp is the sum of the inputs; the inverse's is its negative.
/// assert!((log_det.to_vec()[0] + 0.5).abs() < 1e-12);
/// assert!((inverse_log_det.to_vec()[0] - 0.5).abs() < 1e-12);
/// assert!((back.to_vec()[1] + 1.0).abs() < 1e-12);
/// assert!(exp.has_inverse());
/// // Stick-breaking maps K - 1 columns to K.
/// assert_eq!(Bijector::<f64, Cpu>::output_columns(&StickBreaking, 2)?, 3);
/// # Ok(())
/// # }
/// ```
pub trait Bijector<E: Real, D: Backend<E>> {
    /// The transform's name, used in messages.
    fn name(&self) -> &'static str;

    /// `y = f(x)` and `log |det J_f(x)|` per row.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] for inputs of the wrong width.
    fn forward(&self, x: &Var<E, D>, context: Option<&Var<E, D>>)
        -> Result<(Var<E, D>, Var<E, D>)>;

    /// `x = f^-1(y)` and `log |det J_{f^-1}(y)|` per row.
    ///
    /// # Errors
    /// [`Error::NoAnalyticInverse`] when the transform has no closed-form inverse;
    /// [`Error::InvalidShape`] for inputs of the wrong width.
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        let _ = (y, context);
        Err(Error::NoAnalyticInverse {
            transform: self.name(),
            suggestion: "use forward only, or a transform with an inverse",
        })
    }

    /// Whether the transform is the identity (`y = x`, `log |det J| = 0`), so that callers may
    /// skip it: the unconstrained-to-constrained map of a guide does, for real-valued sites.
    fn is_identity(&self) -> bool {
        false
    }

    /// Whether [`Bijector::inverse`] is available.
    fn has_inverse(&self) -> bool {
        true
    }

    /// Output width for an input of `input_columns` columns.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the width is not accepted.
    fn output_columns(&self, input_columns: usize) -> Result<usize> {
        Ok(input_columns)
    }

    /// Input width for an output of `output_columns` columns.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the width is not accepted.
    fn input_columns(&self, output_columns: usize) -> Result<usize> {
        Ok(output_columns)
    }
}

/// `(rows, 1)` zeros on the device of `x`: the log-determinant of a volume-preserving map.
pub(crate) fn zero_log_det<E: Real, D: Backend<E>>(x: &Var<E, D>) -> Var<E, D> {
    Var::zeros(&x.device(), x.rows(), 1)
}
