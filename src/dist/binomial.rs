//! The binomial distribution, parameterised by logits.

use super::distribution::{at_least_shape, impl_expand, noise, Distribution};
use super::param::{broadcast_params, combine, device_of, Param, ParamArithmetic};
use crate::backend::ops::special::ln_gamma;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;
use rand::distributions::Distribution as _;

/// `Binomial(total_count, logits)`: number of successes in `n` trials with success
/// probability `sigmoid(logits)`; log-mass
/// `lgamma(n+1) - lgamma(k+1) - lgamma(n-k+1) + k l - n softplus(l)`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// // 4 fair trials: P(k = 2) = 6 / 16; k = 5 is impossible.
/// let d = Binomial::<f64, Cpu>::new(4.0, 0.0)?;
/// let lp = d.log_prob(&Var::scalar(&dev, 2.0))?.item()?;
/// assert!((lp - (6.0f64 / 16.0).ln()).abs() < 1e-10);
/// assert_eq!(d.log_prob(&Var::scalar(&dev, 5.0))?.item()?, f64::NEG_INFINITY);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Binomial<E: Real = f32, D: Backend<E> = Cpu> {
    total_count: Param<E, D>,
    logits: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Binomial<E, D> {
    /// A binomial with non-negative integer `total_count` and log-odds `logits`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming the parameter;
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) when the shapes do not broadcast.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let d = Binomial::<f64, Cpu>::new(10.0, 0.0)?;
    /// assert!((d.mean()?.item()? - 5.0).abs() < 1e-12);
    /// assert!((d.variance()?.item()? - 2.5).abs() < 1e-12);
    /// assert!(Binomial::<f64, Cpu>::new(2.5, 0.0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(
        total_count: impl Into<Param<E, D>>,
        logits: impl Into<Param<E, D>>,
    ) -> Result<Self> {
        let (total_count, logits) = (total_count.into(), logits.into());
        total_count.validate(
            "Binomial",
            "total_count",
            |n| n >= 0.0 && n == n.floor() && n.is_finite(),
            "must be a non-negative integer",
        )?;
        logits.validate("Binomial", "logits", |l| !l.is_nan(), "must not be NaN")?;
        let shape = broadcast_params("Binomial", &[&total_count, &logits])?;
        Ok(Binomial {
            total_count,
            logits,
            shape,
        })
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.total_count, &self.logits])
    }

    fn probs(&self) -> Result<Var<E, D>> {
        Ok(self.logits.to_var(&self.device()?, self.shape)?.sigmoid())
    }
}

impl_expand!(Binomial);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Binomial<E, D> {
    fn name(&self) -> &'static str {
        "Binomial"
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
        let n = &self.total_count;
        let softplus = self
            .logits
            .map(|l| l.max(0.0) + (-l.abs()).exp().ln_1p(), Var::softplus);
        let n_softplus = combine(n, &softplus, |a, b| a * b, |a, b| a.mul(b))?;
        let log_n_factorial = n.map(|v| ln_gamma(v + 1.0), |v| v.add_scalar(1.0).lgamma());
        let n_minus_k = (-k).add_p(n)?;
        let lp = k
            .mul_p(&self.logits)?
            .sub_p(&n_softplus)?
            .add_p(&log_n_factorial)?
            .sub(&k.add_scalar(1.0).lgamma())?
            .sub(&n_minus_k.add_scalar(1.0).lgamma())?;
        at_least_shape(lp, self.shape)
    }
    fn log_prob(&self, k: &Var<E, D>) -> Result<Var<E, D>> {
        k.check()?;
        let lp = self.log_prob_unchecked(k)?;
        let (rows, columns) = lp.shape();
        let counts = self
            .total_count
            .to_var(&self.device()?, (rows, columns))?
            .to_f64_vec();
        let values = k.broadcast_to(rows, columns)?.to_f64_vec();
        let keep: Vec<bool> = values
            .iter()
            .zip(&counts)
            .map(|(&v, &n)| Constraint::NonNegativeInteger.check_value(v) && v <= n)
            .collect();
        if keep.iter().all(|&ok| ok) {
            return Ok(lp);
        }
        lp.keep_where(&keep, f64::NEG_INFINITY)
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let p = self.probs()?.to_f64_vec();
        let n = self
            .total_count
            .to_var(&self.device()?, self.shape)?
            .to_f64_vec();
        let draws = p
            .iter()
            .zip(&n)
            .map(|(&p, &n)| {
                rand_distr::Binomial::new(n as u64, p.clamp(0.0, 1.0))
                    .map(|b| b.sample(rng) as f64)
                    .unwrap_or(f64::NAN)
            })
            .collect();
        noise(&self.device()?, self.shape, draws)
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.probs()?.mul_p(&self.total_count)
    }
    fn variance(&self) -> Result<Var<E, D>> {
        let p = self.probs()?;
        p.mul(&p.rsub_scalar(1.0))?.mul_p(&self.total_count)
    }
}
