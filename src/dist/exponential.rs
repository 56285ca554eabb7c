//! The exponential distribution.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::rng::open_uniforms;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;

/// `Exponential(rate)`: density `rate e^(-rate x)` on `x > 0`.
///
/// Reparameterised: `x = -ln(u) / rate`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let d = Exponential::<f64, Cpu>::new(2.0)?;
/// assert!((d.mean()?.item()? - 0.5).abs() < 1e-12);
/// assert_eq!(d.log_prob(&Var::scalar(&dev, -1.0))?.item()?, f64::NEG_INFINITY);
/// let mut rng = flowppl::backend::rng::seeded(0);
/// assert!(d.expand(1, 6)?.sample(&mut rng)?.to_f64_vec().iter().all(|&x| x > 0.0));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Exponential<E: Real = f32, D: Backend<E> = Cpu> {
    rate: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Exponential<E, D> {
    /// An exponential with positive `rate`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a bad rate.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// // ln p(1) = ln 2 - 2 for rate 2.
    /// let d = Exponential::<f64, Cpu>::new(2.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 1.0))?.item()?;
    /// assert!((lp - (2f64.ln() - 2.0)).abs() < 1e-12);
    /// assert!(Exponential::<f64, Cpu>::new(0.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(rate: impl Into<Param<E, D>>) -> Result<Self> {
        let rate = rate.into();
        rate.validate(
            "Exponential",
            "rate",
            |s| s > 0.0 && s.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("Exponential", &[&rate])?;
        Ok(Exponential { rate, shape })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.rate])
    }
}

impl_expand!(Exponential);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Exponential<E, D> {
    fn name(&self) -> &'static str {
        "Exponential"
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
        let log_rate = self.rate.map(f64::ln, Var::ln);
        let lp = (-x.mul_p(&self.rate)?).add_p(&log_rate)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let n = self.shape.0 * self.shape.1;
        let standard: Vec<f64> = open_uniforms(rng, n).into_iter().map(|u| -u.ln()).collect();
        let t = noise(&self.device()?, self.shape, standard)?;
        at_least_shape(t.div_p(&self.rate)?, self.shape)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        Ok(self.rate.to_var(&self.device()?, self.shape)?.recip())
    }
    fn variance(&self) -> Result<Var<E, D>> {
        Ok(self
            .rate
            .to_var(&self.device()?, self.shape)?
            .square()
            .recip())
    }
}
