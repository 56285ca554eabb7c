//! Reinterpreting the columns of a batch of scalar distributions as one event.

use super::distribution::Distribution;
use crate::backend::{Backend, Real, Rng, Var};
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use std::marker::PhantomData;

/// Each row of the base distribution's draws is one event: `log_prob` sums the base's
/// log-densities across columns, giving `(rows, 1)`. Pyro's `to_event(1)`.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let d = Independent::new(Normal::<f64, Cpu>::new(0.0, 1.0)?.expand(1, 2)?)?;
/// // One log-density for the row: 2 * (-ln(2 pi) / 2).
/// let lp = d.log_prob(&Var::zeros(&dev, 1, 2))?;
/// assert_eq!((lp.shape(), d.event_dim()), ((1, 1), 1));
/// assert!((lp.item()? + (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Independent<E: Real, D: Backend<E>, B: Distribution<E, D>> {
    base: B,
    marker: PhantomData<(E, D)>,
}

impl<E: Real, D: Backend<E>, B: Distribution<E, D>> Independent<E, D, B> {
    /// Wraps `base`, which must have scalar events.
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when `base` already has row events.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// assert!(Independent::new(Laplace::<f64, Cpu>::new(0.0, 1.0)?.expand(4, 3)?).is_ok());
    /// // A multivariate normal already has row events.
    /// let mvn = MultivariateNormal::new(Var::<f64, Cpu>::zeros(&dev, 1, 2), Var::identity(&dev, 2))?;
    /// assert!(Independent::new(mvn).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(base: B) -> Result<Self> {
        if base.event_dim() != 0 {
            return Err(Error::invalid_shape(
                "Independent",
                format!("{} already treats each row as one event", base.name()),
            ));
        }
        Ok(Independent {
            base,
            marker: PhantomData,
        })
    }

    /// The wrapped distribution.
    ///
    /// # Examples
    /// ```
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// let dev = Cpu::default();
    /// let d = Independent::new(Normal::<f64, Cpu>::new(0.0, 1.0)?.expand(1, 3)?)?;
    /// // The base still gives one log-density per entry.
    /// assert_eq!(d.base().log_prob(&Var::zeros(&dev, 1, 3))?.shape(), (1, 3));
    /// # Ok(())
    /// # }
    /// ```
    pub fn base(&self) -> &B {
        &self.base
    }
}

/// `to_event()` on every distribution.
///
/// # Examples
/// ```
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// let dev = Cpu::default();
/// let d = Normal::<f64, Cpu>::new(0.0, 1.0)?.expand(2, 3)?.to_event()?;
/// let lp = d.log_prob(&Var::zeros(&dev, 2, 3))?.to_f64_vec();
/// assert_eq!(lp.len(), 2);
/// assert!((lp[0] + 1.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// assert!(d.to_event().is_err()); // already one event per row
/// # Ok(())
/// # }
/// ```
pub trait ToEvent<E: Real, D: Backend<E>>: Distribution<E, D> + Sized {
    /// Treats each row of draws as one event (see [`Independent`]).
    ///
    /// # Errors
    /// [`Error::InvalidShape`] when the distribution already has row events.
    fn to_event(self) -> Result<Independent<E, D, Self>> {
        Independent::new(self)
    }
}

impl<E: Real, D: Backend<E>, B: Distribution<E, D>> ToEvent<E, D> for B {}

impl<E: Real, D: Backend<E>, B: Distribution<E, D>> Distribution<E, D> for Independent<E, D, B> {
    fn name(&self) -> &'static str {
        self.base.name()
    }
    fn sample_shape(&self) -> (usize, usize) {
        self.base.sample_shape()
    }
    fn expand_to(&self, rows: usize, columns: usize) -> Result<Box<dyn Distribution<E, D>>> {
        Ok(Box::new(Independent::new(
            self.base.expand_to(rows, columns)?,
        )?))
    }
    fn event_dim(&self) -> usize {
        1
    }
    fn support(&self) -> Constraint {
        self.base.support()
    }
    fn log_prob_unchecked(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        Ok(self.base.log_prob_unchecked(value)?.sum_columns())
    }
    fn log_prob(&self, value: &Var<E, D>) -> Result<Var<E, D>> {
        // The base masks invalid entries with -inf, which the sum propagates.
        Ok(self.base.log_prob(value)?.sum_columns())
    }
    fn sample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        self.base.sample(rng)
    }
    fn rsample(&self, rng: &mut Rng) -> Result<Var<E, D>> {
        self.base.rsample(rng)
    }
    fn has_rsample(&self) -> bool {
        self.base.has_rsample()
    }
    fn mean(&self) -> Result<Var<E, D>> {
        self.base.mean()
    }
    fn variance(&self) -> Result<Var<E, D>> {
        self.base.variance()
    }
}
