//! `substitute`: fix the values of sites, keeping their log-density.

use super::{Handled, Values};
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site, SiteKind};
use std::rc::Rc;

/// Sets the named latent sample sites and param sites to the given values. Unlike `condition`
/// the sites stay latent (their log-density is part of the prior), and unlike `intervene`
/// their log-density is kept. Autoguides use it to run the model at the guide's draws. Sites
/// fixed by [`intervene`](super::intervene) keep their intervened value.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{substitute, trace, values};
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
/// let fixed = substitute(model, values([("a", Var::scalar(&dev, 0.5))]));
/// let t = trace(&fixed, &mut Ctx::new(&dev, &mut rng))?;
/// let a = t.get("a").unwrap();
/// // The value is set, but the site stays latent (unlike `condition`).
/// assert!(a.is_latent() && !a.observed);
/// assert_eq!(a.value.as_ref().unwrap().item()?, 0.5);
/// # Ok(())
/// # }
/// ```
pub struct Substitute<E: Real, D: Backend<E>> {
    values: Rc<Values<E, D>>,
}

impl<E: Real, D: Backend<E>> Clone for Substitute<E, D> {
    fn clone(&self) -> Self {
        Substitute {
            values: self.values.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Substitute<E, D> {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        // An intervened site is no longer random: `do` wins over a substituted draw (so a
        // posterior predictive under `intervene` sees the intervention).
        let eligible = ((site.kind == SiteKind::Sample && !site.observed)
            || site.kind == SiteKind::Param)
            && !site.intervened;
        if eligible {
            if let Some(value) = self.values.get(&site.name) {
                site.value = Some(value.clone());
            }
        }
        Ok(())
    }
}

/// `model` with the sites named in `values` fixed to them.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{substitute, trace, values};
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
/// let fixed = substitute(model, values([("a", Var::scalar(&dev, 0.5))]));
/// let t = trace(&fixed, &mut Ctx::new(&dev, &mut rng))?;
/// // Unlike `intervene`, the substituted site keeps its density.
/// let want = ln_n(0.5, 0.0) + ln_n(1.0, 0.5);
/// assert!((t.log_joint()?.item()? - want).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn substitute<E: Real, D: Backend<E>, M>(
    model: M,
    values: Values<E, D>,
) -> Handled<M, Substitute<E, D>> {
    Handled::new(
        model,
        Substitute {
            values: Rc::new(values),
        },
    )
}
