//! `replay`: rerun a model at the latent values of a recorded trace.

use super::Handled;
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site, SiteKind, Trace};
use std::rc::Rc;

/// Sets each latent sample site present in the recorded trace to its recorded value.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{replay, trace};
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
/// let recorded = trace(&model, &mut Ctx::new(&dev, &mut rng).with_particles(3))?;
/// let a = recorded.value("a").unwrap().to_vec();
/// // A different generator, the same latent values.
/// let mut other = seeded(99);
/// let again = trace(&replay(&model, recorded), &mut Ctx::new(&dev, &mut other).with_particles(3))?;
/// assert_eq!(again.value("a").unwrap().to_vec(), a);
/// # Ok(())
/// # }
/// ```
pub struct Replay<E: Real, D: Backend<E>> {
    recorded: Rc<Trace<E, D>>,
}

impl<E: Real, D: Backend<E>> Clone for Replay<E, D> {
    fn clone(&self) -> Self {
        Replay {
            recorded: self.recorded.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Replay<E, D> {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if site.kind == SiteKind::Sample && !site.observed && site.value.is_none() {
            if let Some(value) = self.recorded.value(&site.name) {
                site.value = Some(value.clone());
            }
        }
        Ok(())
    }
}

/// `model` with its latent sites taken from `recorded` (typically a guide's trace).
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{replay, trace};
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
/// let recorded = trace(&model, &mut Ctx::new(&dev, &mut rng))?;
/// let before = recorded.log_joint()?.item()?;
/// let mut other = seeded(7);
/// let again = trace(&replay(&model, recorded), &mut Ctx::new(&dev, &mut other))?;
/// // Same latent value, same data: the same log joint.
/// assert_eq!(again.log_joint()?.item()?, before);
/// # Ok(())
/// # }
/// ```
pub fn replay<E: Real, D: Backend<E>, M>(
    model: M,
    recorded: Trace<E, D>,
) -> Handled<M, Replay<E, D>> {
    Handled::new(
        model,
        Replay {
            recorded: Rc::new(recorded),
        },
    )
}
