//! `block`: hide sites from handlers further out.

use super::Handled;
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Handler, Site};
use std::rc::Rc;

/// Stops the chosen sites at this handler: handlers outside it (a trace, say) never see them.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{block, trace};
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
/// let t = trace(&block(model, |name| name == "a"), &mut Ctx::new(&dev, &mut rng))?;
/// // `a` was still drawn and used, but the trace never saw it.
/// assert_eq!(t.names().collect::<Vec<_>>(), ["y"]);
/// # Ok(())
/// # }
/// ```
pub struct Block {
    hide: Rc<dyn Fn(&str) -> bool>,
}

impl Clone for Block {
    fn clone(&self) -> Self {
        Block {
            hide: self.hide.clone(),
        }
    }
}

impl<E: Real, D: Backend<E>> Handler<E, D> for Block {
    fn process(&mut self, site: &mut Site<E, D>) -> Result<()> {
        if (self.hide)(&site.name) {
            site.stop = true;
        }
        Ok(())
    }
}

/// `model` with the sites for which `hide(name)` is true hidden from outer handlers.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{block, trace};
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
/// // Hiding the observation leaves only the prior term in the log joint.
/// let t = trace(&block(model, |name| name == "y"), &mut Ctx::new(&dev, &mut rng))?;
/// let a = t.value("a").unwrap().item()?;
/// assert!((t.log_joint()?.item()? - ln_n(a, 0.0)).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
pub fn block<M>(model: M, hide: impl Fn(&str) -> bool + 'static) -> Handled<M, Block> {
    Handled::new(
        model,
        Block {
            hide: Rc::new(hide),
        },
    )
}
