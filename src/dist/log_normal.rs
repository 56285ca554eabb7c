//! The log-normal distribution.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::rng::standard_normals;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;

/// `LogNormal(loc, scale)`: `ln x ~ Normal(loc, scale)`; density
/// `exp(-(ln x - loc)^2 / (2 scale^2)) / (x scale sqrt(2 pi))` on `x > 0`.
///
/// Reparameterised: `x = exp(loc + scale * eps)`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let d = LogNormal::<f64, Cpu>::new(0.0, 1.0)?;
/// // At x = 1 (ln x = 0): 1 / sqrt(2 pi); the mean is e^(1/2).
/// let lp = d.log_prob(&Var::scalar(&dev, 1.0))?.item()?;
/// assert!((lp + 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// assert!((d.mean()?.item()? - 0.5f64.exp()).abs() < 1e-12);
/// assert_eq!(d.log_prob(&Var::scalar(&dev, -1.0))?.item()?, f64::NEG_INFINITY);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LogNormal<E: Real = f32, D: Backend<E> = Cpu> {
    loc: Param<E, D>,
    scale: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> LogNormal<E, D> {
    /// A log-normal whose logarithm has mean `loc` and standard deviation `scale`.
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
    /// // At x = e: exp(-1/2) / (e sqrt(2 pi)).
    /// let d = LogNormal::<f64, Cpu>::new(0.0, 1.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, std::f64::consts::E))?.item()?;
    /// assert!((lp + 1.5 + 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
    /// assert!(LogNormal::<f64, Cpu>::new(0.0, 0.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(loc: impl Into<Param<E, D>>, scale: impl Into<Param<E, D>>) -> Result<Self> {
        let (loc, scale) = (loc.into(), scale.into());
        loc.validate("LogNormal", "loc", f64::is_finite, "must be finite")?;
        scale.validate(
            "LogNormal",
            "scale",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("LogNormal", &[&loc, &scale])?;
        Ok(LogNormal { loc, scale, shape })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.loc, &self.scale])
    }
}

impl_expand!(LogNormal);

impl<E: Real, D: Backend<E>> Distribution<E, D> for LogNormal<E, D> {
    fn name(&self) -> &'static str {
        "LogNormal"
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
        let log_x = x.ln();
        let z = log_x.sub_p(&self.loc)?.div_p(&self.scale)?;
        let log_scale = self.scale.map(f64::ln, Var::ln);
        let lp = ((z.square() * -0.5) - &log_x)
            .add_scalar(-0.5 * std::f64::consts::TAU.ln())
            .sub_p(&log_scale)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let eps = noise(
            &self.device()?,
            self.shape,
            standard_normals(rng, self.shape.0 * self.shape.1),
        )?;
        at_least_shape(eps.mul_p(&self.scale)?.add_p(&self.loc)?.exp(), self.shape)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        let half_var = self.scale.to_var(&self.device()?, self.shape)?.square() * 0.5;
        half_var.add_p(&self.loc).map(|v| v.exp())
    }
    fn variance(&self) -> Result<Var<E, D>> {
        // (exp(s^2) - 1) exp(2 mu + s^2)
        let s2 = self.scale.to_var(&self.device()?, self.shape)?.square();
        let two_mu = s2.add_p(&self.loc)?.add_p(&self.loc)?;
        Ok(s2.expm1() * two_mu.exp())
    }
}
