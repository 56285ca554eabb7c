//! The gamma distribution.

use super::distribution::{at_least_shape, impl_expand, Distribution};
use super::gamma_sampler::standard_gamma_rsample;
use super::param::{broadcast_params, combine, device_of, Param, ParamArithmetic};
use crate::backend::ops::special::ln_gamma;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;

/// `Gamma(concentration, rate)`: density
/// `rate^a x^(a - 1) e^(-rate x) / Gamma(a)` on `x > 0`, `a` the concentration.
///
/// Reparameterised by implicit differentiation (Figurnov et al. 2018, arXiv:1805.08498): a draw
/// `g ~ Gamma(a, 1)` carries `dg/da = -(dF/da) / p(g)`; then `x = g / rate`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // Gamma(2, rate 4): mean a / rate = 0.5, variance a / rate^2 = 0.125.
/// let d = Gamma::<f64, Cpu>::new(2.0, 4.0)?;
/// assert!((d.mean()?.item()? - 0.5).abs() < 1e-12);
/// assert!((d.variance()?.item()? - 0.125).abs() < 1e-12);
/// let mut rng = flowppl::backend::rng::seeded(0);
/// assert!(d.expand(1, 6)?.sample(&mut rng)?.to_f64_vec().iter().all(|&x| x > 0.0));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Gamma<E: Real = f32, D: Backend<E> = Cpu> {
    concentration: Param<E, D>,
    rate: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Gamma<E, D> {
    /// A gamma with positive shape `concentration` and positive `rate` (inverse scale).
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
    /// // Gamma(2, rate 3) at x = 1: 3^2 e^-3 / Gamma(2).
    /// let d = Gamma::<f64, Cpu>::new(2.0, 3.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 1.0))?.item()?;
    /// assert!((lp - (9f64.ln() - 3.0)).abs() < 1e-10);
    /// assert!(Gamma::<f64, Cpu>::new(-1.0, 1.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(
        concentration: impl Into<Param<E, D>>,
        rate: impl Into<Param<E, D>>,
    ) -> Result<Self> {
        let (concentration, rate) = (concentration.into(), rate.into());
        concentration.validate(
            "Gamma",
            "concentration",
            |a| a > 0.0 && a.is_finite(),
            "must be positive and finite",
        )?;
        rate.validate(
            "Gamma",
            "rate",
            |b| b > 0.0 && b.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("Gamma", &[&concentration, &rate])?;
        Ok(Gamma {
            concentration,
            rate,
            shape,
        })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.concentration, &self.rate])
    }
}

impl_expand!(Gamma);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Gamma<E, D> {
    fn name(&self) -> &'static str {
        "Gamma"
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
        let a = &self.concentration;
        let a_minus_one = a.map(|v| v - 1.0, |v| v.add_scalar(-1.0));
        let log_rate = self.rate.map(f64::ln, Var::ln);
        let normaliser = combine(a, &log_rate, |p, q| p * q, |p, q| p.mul(q))?;
        let log_gamma_a = a.map(ln_gamma, Var::lgamma);
        let lp = x
            .ln()
            .mul_p(&a_minus_one)?
            .sub(&x.mul_p(&self.rate)?)?
            .add_p(&normaliser)?
            .sub_p(&log_gamma_a)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let alpha = self.concentration.to_var(&self.device()?, self.shape)?;
        standard_gamma_rsample(&alpha, rng).div_p(&self.rate)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.concentration
            .to_var(&self.device()?, self.shape)?
            .div_p(&self.rate)
    }
    fn variance(&self) -> Result<Var<E, D>> {
        let rate_squared = self.rate.map(|b| b * b, Var::square);
        self.concentration
            .to_var(&self.device()?, self.shape)?
            .div_p(&rate_squared)
    }
}
