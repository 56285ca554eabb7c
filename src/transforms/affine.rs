//! A fixed elementwise affine map.

use super::bijector::Bijector;
use crate::backend::{Backend, Real, Var};
use crate::error::{Error, Result};

/// `y = shift + scale * x` with fixed numbers, `log |det J| = columns * ln |scale|`.
/// Used to place constraint bijections on `(a, b)`, `(a, inf)` and `(-inf, b)`.
///
/// # Examples
///
/// ```
/// use flowppl::backend::{Cpu, Var};
/// use flowppl::transforms::{Affine, Bijector};
/// # fn main() -> flowppl::Result<()> {
/// let f = Affine::new(1.0, -2.0)?;
/// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[0.5, 3.0]])?;
/// let (y, log_det) = f.forward(&x, None)?;
/// assert_eq!(y.to_vec(), vec![0.0, -5.0]);
/// // Two columns, each stretched by |-2|.
/// assert!((log_det.to_vec()[0] - 2.0 * 2f64.ln()).abs() < 1e-12);
/// let (back, _) = f.inverse(&y, None)?;
/// assert_eq!(back.to_vec(), x.to_vec());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Affine {
    shift: f64,
    scale: f64,
}

impl Affine {
    /// `y = shift + scale * x`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero or non-finite scale, or a non-finite shift.
    ///
    /// # Examples
    ///
    /// ```
    /// use flowppl::backend::{Cpu, Var};
    /// use flowppl::transforms::{Affine, Bijector};
    /// # fn main() -> flowppl::Result<()> {
    /// let x = Var::<f64, Cpu>::from_rows(&Cpu::default(), &[[2.0]])?;
    /// let (y, _) = Affine::new(10.0, 0.5)?.forward(&x, None)?;
    /// assert_eq!(y.to_vec(), vec![11.0]);
    /// assert!(Affine::new(1.0, 0.0).is_err());
    /// assert!(Affine::new(f64::NAN, 1.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(shift: f64, scale: f64) -> Result<Self> {
        if !(scale != 0.0 && scale.is_finite()) {
            return Err(Error::invalid_parameter(
                "Affine",
                "scale",
                scale,
                "must be non-zero and finite",
            ));
        }
        if !shift.is_finite() {
            return Err(Error::invalid_parameter(
                "Affine",
                "shift",
                shift,
                "must be finite",
            ));
        }
        Ok(Affine { shift, scale })
    }
}

impl<E: Real, D: Backend<E>> Bijector<E, D> for Affine {
    fn name(&self) -> &'static str {
        "Affine"
    }
    fn forward(&self, x: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let log_det = x.columns() as f64 * self.scale.abs().ln();
        Ok((
            (x * self.scale) + self.shift,
            Var::full(&x.device(), x.rows(), 1, log_det),
        ))
    }
    fn inverse(&self, y: &Var<E, D>, _: Option<&Var<E, D>>) -> Result<(Var<E, D>, Var<E, D>)> {
        let log_det = -(y.columns() as f64) * self.scale.abs().ln();
        Ok((
            (y - self.shift) * (1.0 / self.scale),
            Var::full(&y.device(), y.rows(), 1, log_det),
        ))
    }
}
