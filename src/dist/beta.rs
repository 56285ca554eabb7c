//! The beta distribution.

use super::distribution::{at_least_shape, impl_expand, Distribution};
use super::gamma_sampler::standard_gamma_rsample;
use super::param::{broadcast_params, combine, device_of, Param, ParamArithmetic};
use crate::backend::ops::special::ln_gamma;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;

/// `Beta(a, b)`: density `x^(a - 1) (1 - x)^(b - 1) / B(a, b)` on `0 < x < 1`, with
/// `ln B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)` and `ln(1 - x)` computed as `log1p(-x)`.
///
/// Reparameterised: `x = g_a / (g_a + g_b)` with `g ~ Gamma(., 1)` drawn with implicit
/// gradients (Figurnov et al. 2018).
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // Beta(2, 2) has density 6 x (1 - x): 1.5 at x = 1/2.
/// let d = Beta::<f64, Cpu>::new(2.0, 2.0)?;
/// let lp = d.log_prob(&Var::scalar(&dev, 0.5))?.item()?;
/// assert!((lp - 1.5f64.ln()).abs() < 1e-10);
/// assert_eq!(d.log_prob(&Var::scalar(&dev, 1.5))?.item()?, f64::NEG_INFINITY);
/// let mut rng = flowppl::backend::rng::seeded(1);
/// let x = d.expand(1, 5)?.sample(&mut rng)?.to_f64_vec();
/// assert!(x.iter().all(|&v| v > 0.0 && v < 1.0));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Beta<E: Real = f32, D: Backend<E> = Cpu> {
    alpha: Param<E, D>,
    beta: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Beta<E, D> {
    /// A beta with positive concentrations `alpha` (for 1) and `beta` (for 0).
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
    /// // Beta(2, 1) has density 2 x and mean 2/3.
    /// let d = Beta::<f64, Cpu>::new(2.0, 1.0)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 0.25))?.item()?;
    /// assert!((lp - 0.5f64.ln()).abs() < 1e-10);
    /// assert!((d.mean()?.item()? - 2.0 / 3.0).abs() < 1e-12);
    /// assert!(Beta::<f64, Cpu>::new(0.0, 1.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(alpha: impl Into<Param<E, D>>, beta: impl Into<Param<E, D>>) -> Result<Self> {
        let (alpha, beta) = (alpha.into(), beta.into());
        alpha.validate(
            "Beta",
            "alpha",
            |a| a > 0.0 && a.is_finite(),
            "must be positive and finite",
        )?;
        beta.validate(
            "Beta",
            "beta",
            |b| b > 0.0 && b.is_finite(),
            "must be positive and finite",
        )?;
        let shape = broadcast_params("Beta", &[&alpha, &beta])?;
        Ok(Beta { alpha, beta, shape })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.alpha, &self.beta])
    }
}

impl_expand!(Beta);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Beta<E, D> {
    fn name(&self) -> &'static str {
        "Beta"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn support(&self) -> Constraint {
        Constraint::UnitInterval
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        let (a, b) = (&self.alpha, &self.beta);
        let a1 = a.map(|v| v - 1.0, |v| v.add_scalar(-1.0));
        let b1 = b.map(|v| v - 1.0, |v| v.add_scalar(-1.0));
        let log_beta_fn = combine(
            a,
            b,
            |p, q| ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q),
            |p, q| Ok(p.lgamma() + q.lgamma() - p.add(q)?.lgamma()),
        )?;
        let lp = x
            .ln()
            .mul_p(&a1)?
            .add(&(-x).log1p().mul_p(&b1)?)?
            .sub_p(&log_beta_fn)?;
        at_least_shape(lp, self.shape)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        Ok(self.rsample(rng)?.detach())
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let dev = self.device()?;
        let ga = standard_gamma_rsample(&self.alpha.to_var(&dev, self.shape)?, rng);
        let gb = standard_gamma_rsample(&self.beta.to_var(&dev, self.shape)?, rng);
        ga.div(&ga.add(&gb)?)
    }
    fn has_rsample(&self) -> bool {
        true
    }
    fn mean(&self) -> Result<Var<E, D>> {
        let a = self.alpha.to_var(&self.device()?, self.shape)?;
        a.div(&a.add_p(&self.beta)?)
    }
    fn variance(&self) -> Result<Var<E, D>> {
        let a = self.alpha.to_var(&self.device()?, self.shape)?;
        let total = a.add_p(&self.beta)?;
        let numerator = a.mul_p(&self.beta)?;
        numerator.div(&total.square().mul(&total.add_scalar(1.0))?)
    }
}
