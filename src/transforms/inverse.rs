//! The inverse of a bijector.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::Result;

/// Swaps the directions of a bijector: `forward` is the wrapped `inverse` and vice versa.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Bijector, Exp, Inverse};
/// # fn main() -> flowppl::Result<()> {
/// let log = Inverse::<f64, Cpu>::new(Box::new(Exp));
/// let y = Var::from_rows(&Cpu::default(), &[[1.0, std::f64::consts::E]])?;
/// let (x, log_det) = log.forward(&y, None)?; // x = ln y
/// assert!(x.to_vec()[0].abs() < 1e-12 && (x.to_vec()[1] - 1.0).abs() < 1e-12);
/// assert!((log_det.to_vec()[0] + 1.0).abs() < 1e-12); // -sum ln y
/// let (back, _) = log.inverse(&x, None)?; // exp again
/// assert!((back.to_vec()[1] - std::f64::consts::E).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub struct Inverse<E: Real, D: Backend<E>> {
    inner: Box<dyn Bijector<E, D>>,
}

impl<E: Real, D: Backend<E>> Inverse<E, D> {
    /// The inverse of `inner`.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::transforms::{Bijector, Inverse, StickBreaking};
    /// # fn main() -> flowppl::Result<()> {
    /// // The inverse of stick-breaking maps a K-simplex back to K - 1 reals.
    /// let to_reals = Inverse::<f64, Cpu>::new(Box::new(StickBreaking));
    /// assert_eq!(to_reals.output_columns(3)?, 2);
    /// let p = Var::from_rows(&Cpu::default(), &[[0.25f64, 0.25, 0.5]])?;
    /// let (x, _) = to_reals.forward(&p, None)?;
    /// let (back, _) = to_reals.inverse(&x, None)?;
    /// assert!(back.to_vec().iter().zip(p.to_vec()).all(|(a, b)| (a - b).abs() < 1e-9));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(inner: Box<dyn Bijector<E, D>>) -> Self {
        Inverse { inner }
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for Inverse<E, D> {
    fn name(&self) -> &'static str {
        "Inverse"
    }
    fn forward(
        &self,
        x: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        self.inner.inverse(x, context)
    }
    fn inverse(
        &self,
        y: &Var<E, D>,
        context: Option<&Var<E, D>>,
    ) -> Result<(Var<E, D>, Var<E, D>)> {
        self.inner.forward(y, context)
    }
    fn output_columns(&self, input_columns: usize) -> Result<usize> {
        self.inner.input_columns(input_columns)
    }
    fn input_columns(&self, output_columns: usize) -> Result<usize> {
        self.inner.output_columns(output_columns)
    }
}
