//! `condition`: fix sites to observed data.

use super::{Handled, Values};
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site, SiteKind};
use std::rc::Rc;

/// Sets the named sample sites to the given data and marks them observed: their log-density
/// counts as likelihood.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{condition, trace, values};
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
/// let conditioned = condition(model, values([("a", Var::scalar(&dev, 0.5))]));
/// let t = trace(&conditioned, &mut Ctx::new(&dev, &mut rng))?;
/// let a = t.get("a").unwrap();
/// assert!(a.observed && !a.is_latent());
/// assert_eq!(a.value.as_ref().unwrap().item()?, 0.5);
/// # Ok(())
/// # }
/// ```
pub struct Condition<E: Real, D: Backend<E>> {
    data: Rc<Values<E, D>>,
}

impl<E: Real, D: Backend<E>> Clone for Condition<E, D> {
    fn clone(&self) -> Self {
        Condition {
            data: self.data.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Condition<E, D> {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if site.kind == SiteKind::Sample {
            if let Some(value) = self.data.get(&site.name) {
                site.value = Some(value.clone());
                site.observed = true;
            }
        }
        Ok(())
    }
}

/// `model` with the sites named in `data` observed at those values.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{condition, trace, values};
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
/// let ln_n = |x: f64, m: f64| -0.5 * (x - m).powi(2) - 0.5 * std::f64::consts::TAU.ln();
/// let conditioned = condition(model, values([("a", Var::scalar(&dev, 0.5))]));
/// let t = trace(&conditioned, &mut Ctx::new(&dev, &mut rng))?;
/// // Both densities count: ln N(0.5; 0, 1) + ln N(1; 0.5, 1).
/// let want = ln_n(0.5, 0.0) + ln_n(1.0, 0.5);
/// assert!((t.log_joint()?.item()? - want).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn condition<E: Real, D: Backend<E>, M>(
    model: M,
    data: Values<E, D>,
) -> Handled<M, Condition<E, D>> {
    Handled::new(
        model,
        Condition {
            data: Rc::new(data),
        },
    )
}
