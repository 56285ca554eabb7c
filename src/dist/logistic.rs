//! The logistic distribution.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::rng::open_uniforms;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;
use std::f64::consts::PI;

/// `Logistic(loc, scale)`: density `e^-z / (scale (1 + e^-z)^2)`, `z = (x - loc) / scale`,
/// computed as `-z - ln scale - 2 softplus(-z)` so it never overflows.
///
/// Reparameterised: `x = loc + scale * ln(u / (1 - u))`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let d = Logistic::<f64, Cpu>::new(0.0, 1.0)?;
/// assert!((d.log_prob(&Var::scalar(&dev, 0.0))?.item()? + 4f64.ln()).abs() < 1e-12);
/// // Far in the tail the log-density is about -|x|, with no overflow.
/// let tail = d.log_prob(&Var::scalar(&dev, -1000.0))?.item()?;
/// assert!((tail + 1000.0).abs() < 1e-9);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Logistic<E: Real = f32, D: Backend<E> = Cpu> {
    loc: Param<E, D>,
    scale: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Logistic<E, D> {
    /// A logistic with location `loc` and positive `scale`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming the parameter;
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // At the location: 1 / (4 scale).
    /// let d = Logistic::<f64, Cpu>::new(1.0, 2.0)?;
    /// assert!((d.log_prob(&Var::scalar(&dev, 1.0))?.item()? + 8f64.ln()).abs() < 1e-12);
    /// assert!(Logistic::<f64, Cpu>::new(f64::NAN, 1.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(loc: impl Into<Param<E, D>>, scale: impl Into<Param<E, D>>) -> Result<Self> {
        let (loc, scale) = (loc.into(), scale.into());
        loc.validate("Logistic", "loc", f64::is_finite, "must be finite")?;
        scale.validate(
            "Logistic",
            "scale",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("Logistic", &[&loc, &scale])?;
        Ok(Logistic { loc, scale, shape })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.loc, &self.scale])
    }
}

impl_expand!(Logistic);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Logistic<E, D> {
    fn name(&self) -> &'static str {
        "Logistic"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn support(&self) -> Constraint {
        Constraint::Real
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let z = x.sub_p(&self.loc)?.div_p(&self.scale)?;
        let log_scale = self.scale.map(f64::ln, Var::ln);
        let lp = (-&z - (-&z).softplus() * 2.0).sub_p(&log_scale)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let n = self.shape.0 * self.shape.1;
        let standard: Vec<f64> = open_uniforms(rng, n)
            .into_iter()
            .map(|u| (u / (1.0 - u)).ln())
            .collect();
        let t = noise(&self.device()?, self.shape, standard)?;
        at_least_shape(t.mul_p(&self.scale)?.add_p(&self.loc)?, self.shape)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.loc.to_var(&self.device()?, self.shape)
    }
    fn variance(&self) -> Result<Var<E, D>> {
        Ok(self.scale.to_var(&self.device()?, self.shape)?.square() * (PI * PI / 3.0))
    }
}
