//! The Bernoulli distribution, parameterised by logits.

use super::bernoulli_row_sums::bernoulli_row_sums;
use super::distribution::{at_least_shape, impl_expand, noise, row_sums, Distribution};
use super::param::{broadcast_params, device_of, Param, ParamArithmetic};
use crate::backend::ops::fused::{fused_elementwise, use_fused};
use crate::backend::ops::softplus_and_sigmoid;
use crate::backend::rng::open_uniforms;
use crate::backend::{Backend, Cpu, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::Result;

/// `Bernoulli(logits)`: `P(x = 1) = sigmoid(logits)`; log-mass `x l - softplus(l)`, exact and
/// overflow-free for any logit.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let coin = Bernoulli::<f64, Cpu>::new(0.0)?.expand(1, 8)?;
/// let mut rng = flowppl::backend::rng::seeded(0);
/// let draws = coin.sample(&mut rng)?.to_f64_vec();
/// assert!(draws.iter().all(|&x| x == 0.0 || x == 1.0));
/// // P(x = 1) = sigmoid(0) = 1/2; 2 is outside the support.
/// let lp = coin.log_prob(&Var::scalar(&dev, 1.0))?.to_f64_vec();
/// assert!((lp[0] - 0.5f64.ln()).abs() < 1e-12);
/// assert_eq!(coin.log_prob(&Var::scalar(&dev, 2.0))?.to_f64_vec()[0], f64::NEG_INFINITY);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Bernoulli<E: Real = f32, D: Backend<E> = Cpu> {
    logits: Param<E, D>,
    shape: (usize, usize),
}

impl<E: Real, D: Backend<E>> Bernoulli<E, D> {
    /// A Bernoulli with log-odds `logits`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for NaN logits (infinite
    /// logits are allowed: they give certain outcomes).
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let d = Bernoulli::<f64, Cpu>::new(2.0)?;
    /// // log P(x = 0) = -softplus(2) = -ln(1 + e^2).
    /// let lp = d.log_prob(&Var::scalar(&dev, 0.0))?.item()?;
    /// assert!((lp + (1.0 + 2f64.exp()).ln()).abs() < 1e-12);
    /// assert!(Bernoulli::<f64, Cpu>::new(f64::NAN).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(logits: impl Into<Param<E, D>>) -> Result<Self> {
        let logits = logits.into();
        logits.validate("Bernoulli", "logits", |l| !l.is_nan(), "must not be NaN")?;
        let shape = broadcast_params("Bernoulli", &[&logits])?;
        Ok(Bernoulli { logits, shape })
    }

    /// A Bernoulli with success probability `probs` in [0, 1].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) outside [0, 1].
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let d = Bernoulli::<f64, Cpu>::from_probs(0.25)?;
    /// let lp = d.log_prob(&Var::scalar(&dev, 1.0))?.item()?;
    /// assert!((lp - 0.25f64.ln()).abs() < 1e-12);
    /// assert!(Bernoulli::<f64, Cpu>::from_probs(1.5).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_probs(probs: impl Into<Param<E, D>>) -> Result<Self> {
        let probs = probs.into();
        probs.validate(
            "Bernoulli",
            "probs",
            |p| (0.0..=1.0).contains(&p),
            "must be in [0, 1]",
        )?;
        Self::new(probs.map(
            |p| (p / (1.0 - p)).ln(),
            |p| p.ln() - p.rsub_scalar(1.0).ln(),
        ))
    }

    /// The logits.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// // probability 3/4 has log-odds ln 3.
    /// let d = Bernoulli::<f64, Cpu>::from_probs(0.75)?;
    /// assert!((d.logits().host_values()[0] - 3f64.ln()).abs() < 1e-12);
    /// # Ok(())
    /// # }
    /// ```
    pub fn logits(&self) -> &Param<E, D> {
        &self.logits
    }

    fn device(&self) -> Result<D> {
        device_of(&[&self.logits])
    }

    fn probs(&self) -> Result<Var<E, D>> {
        Ok(self.logits.to_var(&self.device()?, self.shape)?.sigmoid())
    }
}

impl_expand!(Bernoulli);

impl<E: Real, D: Backend<E>> Distribution<E, D> for Bernoulli<E, D> {
    fn name(&self) -> &'static str {
        "Bernoulli"
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.shape
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(self.clone().expand(rows, columns)?))
    }
    fn support(&self) -> Constraint {
        Constraint::Boolean
    }
    fn log_prob_unchecked(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        if use_fused::<E, D>() {
            // One op: x l - softplus(l), d/dx = l, d/dl = x - sigmoid(l).
            let lp = fused_elementwise(
                "Bernoulli log_prob",
                [x.into(), (&self.logits).into()],
                |[x, logits]: [E; 2]| {
                    let (softplus, sigmoid) = softplus_and_sigmoid(logits);
                    (x * logits - softplus, [logits, x - sigmoid])
                },
            )?;
            return at_least_shape(lp, self.shape);
        }
        let softplus = self
            .logits
            .map(|l| l.max(0.0) + (-l.abs()).exp().ln_1p(), Var::softplus);
        let lp = x.mul_p(&self.logits)?.sub_p(&softplus)?;
        at_least_shape(lp, self.shape)
    }
    fn log_prob_unchecked_row_sums(&self, x: &Var<E, D>) -> Result<Var<E, D>> {
        if let Param::Tensor(logits) = &self.logits {
            if logits.shape() == self.shape {
                if let Some(sums) = bernoulli_row_sums(x, logits)? {
                    return Ok(sums);
                }
            }
        }
        Ok(row_sums(self.log_prob_unchecked(x)?))
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        let p = self.probs()?.to_f64_vec();
        let u = open_uniforms(rng, p.len());
        let draws = u
            .iter()
            .zip(&p)
            .map(|(u, p)| if u < p { 1.0 } else { 0.0 })
            .collect();
        noise(&self.device()?, self.shape, draws)
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.probs()
    }
    fn variance(&self) -> Result<Var<E, D>> {
        let p = self.probs()?;
        p.mul(&p.rsub_scalar(1.0))
    }
}
