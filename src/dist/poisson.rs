//! The Poisson distribution, parameterised by the log-rate.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;
use rand::distributions::Distribution as _;

/// `Poisson(log_rate)`: log-mass `k ln(rate) - rate - lgamma(k + 1)` with `ln(rate)` the
/// parameter, so rates from `e^-700` to `e^700` are representable and a linear predictor can be
/// plugged in directly.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // Rate 1: P(k = 2) = e^-1 / 2; non-integers are outside the support.
/// let d = Poisson::<f64, Cpu>::new(0.0)?;
/// let lp = d.log_prob(&Var::scalar(&dev, 2.0))?.item()?;
/// assert!((lp - (-1.0 - 2f64.ln())).abs() < 1e-10);
/// assert_eq!(d.log_prob(&Var::scalar(&dev, 1.5))?.item()?, f64::NEG_INFINITY);
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let k = d.expand(1, 5)?.sample(&mut rng)?.to_f64_vec();
/// assert!(k.iter().all(|&k| k >= 0.0 && k == k.floor()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Poisson<E: Real = f32, D: Backend<E> = Cpu> {
    log_rate: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Poisson<E, D> {
    /// A Poisson with rate `exp(log_rate)`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a non-finite log-rate.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let d = Poisson::<f64, Cpu>::new(3f64.ln())?;
    /// assert!((d.mean()?.item()? - 3.0).abs() < 1e-12);
    /// assert!(Poisson::<f64, Cpu>::new(f64::NAN).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(log_rate: impl Into<Param<E, D>>) -> Result<Self> {
        let log_rate = log_rate.into();
        log_rate.validate("Poisson", "log_rate", f64::is_finite, "must be finite")?;
        let shape = broadcast_params("Poisson", &[&log_rate])?;
        Ok(Poisson { log_rate, shape })
    }

    /// A Poisson with a positive `rate`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a non-positive rate.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // P(k = 0) = e^-rate.
    /// let d = Poisson::<f64, Cpu>::from_rate(2.0)?;
    /// assert!((d.log_prob(&Var::scalar(&dev, 0.0))?.item()? + 2.0).abs() < 1e-12);
    /// assert!(Poisson::<f64, Cpu>::from_rate(0.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_rate(rate: impl Into<Param<E, D>>) -> Result<Self> {
        let rate = rate.into();
        rate.validate(
            "Poisson",
            "rate",
            |r| r > 0.0 && r.is_finite(),
            "must be positive and finite",
        )?;
        Self::new(rate.map(f64::ln, Var::ln))
    }

    fn rate(&self) -> Result<Var<E, D>> {
        Ok(self
            .log_rate
            .to_var(&device_of(&[&self.log_rate])?, self.shape)?
            .exp())
    }
}

impl_expand!(Poisson);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Poisson<E, D> {
    fn name(&self) -> &'static str {
        "Poisson"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn support(&self) -> Constraint {
        Constraint::NonNegativeInteger
    }
    fn log_prob_unchecked(&self, k: &Var<E, D>) -> Result<Var<E, D>> {
        let rate = self.log_rate.map(f64::exp, Var::exp);
        let lp = k
            .mul_p(&self.log_rate)?
            .sub_p(&rate)?
            .sub(&k.add_scalar(1.0).lgamma())?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let draws = self
            .rate()?
            .to_f64_vec()
            .into_iter()
            .map(|r| {
                rand_distr::Poisson::new(r)
                    .map(|p| p.sample(rng))
                    .unwrap_or(f64::NAN)
            })
            .collect();
        noise(&device_of(&[&self.log_rate])?, self.shape, draws)
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.rate()
    }
    fn variance(&self) -> Result<Var<E, D>> {
        self.rate()
    }
}
