//! The inverse-gamma distribution.

use super::distribution::{at_least_shape, impl_expand, Distribution};
use super::gamma_sampler::standard_gamma_rsample;
use super::param::{broadcast_params, combine, device_of, Param, ParamArithmetic};
use crate::backend::ops::special::ln_gamma;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;

/// `InverseGamma(concentration, scale)`: `1 / y` for `y ~ Gamma(a, rate = scale)`; density
/// `scale^a x^(-a - 1) e^(-scale / x) / Gamma(a)` on `x > 0`.
///
/// Reparameterised: `x = scale / g`, `g ~ Gamma(a, 1)` with implicit gradients.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // InverseGamma(3, 2): mean b / (a - 1) = 1, variance b^2 / ((a - 1)^2 (a - 2)) = 1.
/// let d = InverseGamma::<f64, Cpu>::new(3.0, 2.0)?;
/// assert!((d.mean()?.item()? - 1.0).abs() < 1e-12);
/// assert!((d.variance()?.item()? - 1.0).abs() < 1e-12);
/// let mut rng = flowppl::backend::rng::seeded(0);
/// assert!(d.expand(1, 5)?.sample(&mut rng)?.to_f64_vec().iter().all(|&x| x > 0.0));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct InverseGamma<E: Real = f32, D: Backend<E> = Cpu> {
    concentration: Param<E, D>,
    scale: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> InverseGamma<E, D> {
    /// An inverse gamma with positive `concentration` and positive `scale`.
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
    /// // InverseGamma(2, 1) at x = 1: e^-1 / Gamma(2).
    /// let d = InverseGamma::<f64, Cpu>::new(2.0, 1.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 1.0))?.item()?;
    /// assert!((lp + 1.0).abs() < 1e-10);
    /// assert!(InverseGamma::<f64, Cpu>::new(1.0, 0.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(
        concentration: impl Into<Param<E, D>>,
        scale: impl Into<Param<E, D>>,
    ) -> Result<Self> {
        let (concentration, scale) = (concentration.into(), scale.into());
        concentration.validate(
            "InverseGamma",
            "concentration",
            |a| a > 0.0 && a.is_finite(),
            "must be positive and finite",
        )?;
        scale.validate(
            "InverseGamma",
            "scale",
            |b| b > 0.0 && b.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("InverseGamma", &[&concentration, &scale])?;
        Ok(InverseGamma {
            concentration,
            scale,
            shape,
        })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.concentration, &self.scale])
    }

    fn host_moments(&self, f: impl Fn(f64, f64) -> f64) -> Result<Var<E, D>> {
        let dev = self.device()?;
        let a = self.concentration.to_var(&dev, self.shape)?.to_f64_vec();
        let b = self.scale.to_var(&dev, self.shape)?.to_f64_vec();
        let values = a
            .iter()
            .zip(&b)
            .map(|(&a, &b)| crate::backend::real::<E>(f(a, b)))
            .collect();
        Var::from_vec(&dev, values, self.shape.0, self.shape.1)
    }
}

impl_expand!(InverseGamma);

impl<E: Real, D: Backend<E>> Distribution<E, D> for InverseGamma<E, D> {
    fn name(&self) -> &'static str {
        "InverseGamma"
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
        let a_plus_one = a.map(|v| v + 1.0, |v| v.add_scalar(1.0));
        let log_scale = self.scale.map(f64::ln, Var::ln);
        let normaliser = combine(a, &log_scale, |p, q| p * q, |p, q| p.mul(q))?;
        let log_gamma_a = a.map(ln_gamma, Var::lgamma);
        let lp = (-x.ln().mul_p(&a_plus_one)?)
            .sub(&x.recip().mul_p(&self.scale)?)?
            .add_p(&normaliser)?
            .sub_p(&log_gamma_a)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let alpha = self.concentration.to_var(&self.device()?, self.shape)?;
        standard_gamma_rsample(&alpha, rng)
            .recip()
            .mul_p(&self.scale)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.host_moments(|a, b| {
            if a > 1.0 {
                b / (a - 1.0)
            } else {
                f64::INFINITY
            }
        })
    }
    fn variance(&self) -> Result<Var<E, D>> {
        self.host_moments(|a, b| {
            if a > 2.0 {
                b * b / ((a - 1.0) * (a - 1.0) * (a - 2.0))
            } else {
                f64::INFINITY
            }
        })
    }
}
