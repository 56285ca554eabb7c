//! `mask`: remove sites' log-densities.

use super::Handled;
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site};
use std::rc::Rc;

/// Excludes the chosen sites from the log joint (their values are still drawn and used).
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{mask, trace};
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
/// let t = trace(&mask(model, |name| name == "y"), &mut Ctx::new(&dev, &mut rng))?;
/// assert!(!t.get("y").unwrap().mask && t.get("a").unwrap().mask);
/// assert!(t.get("y").unwrap().log_density()?.is_none());
/// # Ok(())
/// # }
/// ```
pub struct Mask {
    exclude: Rc<dyn Fn(&str) -> bool>,
}

impl Clone for Mask {
    fn clone(&self) -> Self {
        Mask {
            exclude: self.exclude.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Mask {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if (self.exclude)(&site.name) {
            site.mask = false;
        }
        Ok(())
    }
}

/// `model` with the log-density of every site for which `exclude(name)` is true removed.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{mask, trace};
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
/// let t = trace(&mask(model, |name| name == "y"), &mut Ctx::new(&dev, &mut rng))?;
/// // Only the prior of `a` is left in the log joint.
/// let a = t.value("a").unwrap().item()?;
/// assert!((t.log_joint()?.item()? - ln_n(a, 0.0)).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn mask<M>(model: M, exclude: impl Fn(&str) -> bool + 'static) -> Handled<M, Mask> {
    Handled::new(
        model,
        Mask {
            exclude: Rc::new(exclude),
        },
    )
}
