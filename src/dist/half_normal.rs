//! The half-normal distribution.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::rng::standard_normals;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;
use std::f64::consts::{PI, TAU};

/// `HalfNormal(scale)`: `|y|` for `y ~ Normal(0, scale)`; density
/// `sqrt(2 / pi) / scale * exp(-x^2 / (2 scale^2))` on `x > 0`.
///
/// Reparameterised: `x = scale * |eps|`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let d = HalfNormal::<f64, Cpu>::new(1.0)?;
/// // At x = 1: sqrt(2 / pi) e^(-1/2).
/// let lp = d.log_prob(&Var::scalar(&dev, 1.0))?.item()?;
/// assert!((lp - (0.5 * (2.0 / std::f64::consts::PI).ln() - 0.5)).abs() < 1e-12);
/// // Mean scale sqrt(2 / pi).
/// assert!((d.mean()?.item()? - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-12);
/// assert_eq!(d.log_prob(&Var::scalar(&dev, -0.5))?.item()?, f64::NEG_INFINITY);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HalfNormal<E: Real = f32, D: Backend<E> = Cpu> {
    scale: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> HalfNormal<E, D> {
    /// A half-normal with positive `scale`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a bad scale.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // scale 2 at x = 2: sqrt(2 / pi) / 2 * e^(-1/2).
    /// let d = HalfNormal::<f64, Cpu>::new(2.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 2.0))?.item()?;
    /// assert!((lp - (0.5 * (2.0 / std::f64::consts::PI).ln() - 2f64.ln() - 0.5)).abs() < 1e-12);
    /// assert!(HalfNormal::<f64, Cpu>::new(-1.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(scale: impl Into<Param<E, D>>) -> Result<Self> {
        let scale = scale.into();
        scale.validate(
            "HalfNormal",
            "scale",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("HalfNormal", &[&scale])?;
        Ok(HalfNormal { scale, shape })
    }
}

impl_expand!(HalfNormal);

impl<E: Real, D: Backend<E>> Distribution<E, D> for HalfNormal<E, D> {
    fn name(&self) -> &'static str {
        "HalfNormal"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn support(&self) -> Constraint {
        Constraint::Positive
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let z = x.div_p(&self.scale)?;
        let log_scale = self.scale.map(f64::ln, Var::ln);
        let lp = (z.square() * -0.5)
            .add_scalar(2f64.ln() - 0.5 * TAU.ln())
            .sub_p(&log_scale)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let n = self.shape.0 * self.shape.1;
        let eps: Vec<f64> = standard_normals(rng, n).into_iter().map(f64::abs).collect();
        let eps = noise(&device_of(&[&self.scale])?, self.shape, eps)?;
        at_least_shape(eps.mul_p(&self.scale)?, self.shape)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        Ok(self.scale.to_var(&device_of(&[&self.scale])?, self.shape)? * (2.0 / PI).sqrt())
    }
    fn variance(&self) -> Result<Var<E, D>> {
        Ok(self
            .scale
            .to_var(&device_of(&[&self.scale])?, self.shape)?
            .square()
            * (1.0 - 2.0 / PI))
    }
}
