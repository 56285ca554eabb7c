//! `scale`: multiply log-densities.

use super::Handled;
use crate::backend::{Backend, Real};
use crate::error::{Error, Result};
use crate::ppl::{Handler, Site};

// ANCHOR: handler
/// Multiplies every site's log-density by a positive factor (for example `N / batch` for
/// minibatches, or an annealing weight).
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{scale, trace};
/// use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // a ~ N(0, 1); y ~ N(a, 1) observed at 1.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
///     ctx.observe("y", Normal::new(&a, 1.0)?, Var::scalar(ctx.device(), 1.0), None)?;
///     Ok(())
/// });
/// # let (dev, mut rng) = (Cpu::default(), seeded(0));
/// let t = trace(&scale(model, 2.5)?, &mut Ctx::new(&dev, &mut rng))?;
/// assert!(t.sites().iter().all(|site| site.scale == 2.5));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    factor: f64,
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Scale {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        site.scale *= self.factor;
        Ok(())
    }
}

/// `model` with its log-densities multiplied by `factor`.
///
/// # Errors
/// [`Error::InvalidConfig`] unless `factor` is positive and finite.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{scale, seed, trace};
/// use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // a ~ N(0, 1); y ~ N(a, 1) observed at 1.
/// let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
///     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
///     ctx.observe("y", Normal::new(&a, 1.0)?, Var::scalar(ctx.device(), 1.0), None)?;
///     Ok(())
/// });
/// # let (dev, mut rng) = (Cpu::default(), seeded(0));
/// let plain = trace(&seed(&model, 7), &mut Ctx::new(&dev, &mut rng))?.log_joint()?.item()?;
/// let scaled = trace(&scale(seed(&model, 7), 2.5)?, &mut Ctx::new(&dev, &mut rng))?;
/// assert!((scaled.log_joint()?.item()? - 2.5 * plain).abs() < 1e-12);
/// assert!(scale(&model, 0.0).is_err() && scale(&model, f64::NAN).is_err());
/// # Ok(())
/// # }
/// ```
pub fn scale<M>(model: M, factor: f64) -> Result<Handled<M, Scale>> {
    if !(factor > 0.0 && factor.is_finite()) {
        return Err(Error::InvalidConfig {
            what: "scale".into(),
            message: format!("the factor must be positive and finite, got {factor}"),
        });
    }
    Ok(Handled::new(model, Scale { factor }))
}
// ANCHOR_END: handler
