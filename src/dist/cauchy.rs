//! The Cauchy distribution.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::rng::open_uniforms;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;
use std::f64::consts::PI;

/// `Cauchy(loc, scale)`: density `1 / (pi scale (1 + z^2))`, `z = (x - loc) / scale`. Mean and
/// variance do not exist (NaN and `inf`).
///
/// Reparameterised: `x = loc + scale * tan(pi (u - 1/2))`, `u ~ U(0, 1)`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // At the median the density is 1 / (pi scale); the mean does not exist.
/// let d = Cauchy::<f64, Cpu>::new(1.0, 2.0)?;
/// let lp = d.log_prob(&Var::scalar(&dev, 1.0))?.item()?;
/// assert!((lp + (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// assert!(d.mean()?.item()?.is_nan());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Cauchy<E: Real = f32, D: Backend<E> = Cpu> {
    loc: Param<E, D>,
    scale: Param<E, D>,
    shape: (usize, usize),
}

/// Standard Cauchy noise by inversion.
pub(crate) fn standard_cauchy(rng: &mut Rng, n: usize) -> Vec<f64> {
    open_uniforms(rng, n)
        .into_iter()
        .map(|u| (PI * (u - 0.5)).tan())
        .collect()
}

impl<E: Real, D: Backend<E>> Cauchy<E, D> {
    /// A Cauchy with median `loc` and half-width `scale` (positive).
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
    /// // z = 1: density 1 / (pi scale 2).
    /// let d = Cauchy::<f64, Cpu>::new(1.0, 2.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 3.0))?.item()?;
    /// assert!((lp + (4.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
    /// assert!(Cauchy::<f64, Cpu>::new(0.0, 0.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(loc: impl Into<Param<E, D>>, scale: impl Into<Param<E, D>>) -> Result<Self> {
        let (loc, scale) = (loc.into(), scale.into());
        loc.validate("Cauchy", "loc", f64::is_finite, "must be finite")?;
        scale.validate(
            "Cauchy",
            "scale",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("Cauchy", &[&loc, &scale])?;
        Ok(Cauchy { loc, scale, shape })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.loc, &self.scale])
    }
}

impl_expand!(Cauchy);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Cauchy<E, D> {
    fn name(&self) -> &'static str {
        "Cauchy"
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
        let lp = (-z.square().log1p())
            .add_scalar(-PI.ln())
            .sub_p(&log_scale)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let t = noise(
            &self.device()?,
            self.shape,
            standard_cauchy(rng, self.shape.0 * self.shape.1),
        )?;
        at_least_shape(t.mul_p(&self.scale)?.add_p(&self.loc)?, self.shape)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        Ok(Var::full(
            &self.device()?,
            self.shape.0,
            self.shape.1,
            f64::NAN,
        ))
    }
    fn variance(&self) -> Result<Var<E, D>> {
        Ok(Var::full(
            &self.device()?,
            self.shape.0,
            self.shape.1,
            f64::INFINITY,
        ))
    }
}
