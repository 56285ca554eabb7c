//! Effect handlers, one per file, after Pyro's `poutine`.
//!
//! Each handler changes how the sites of a model behave. Wrapping a model in one gives a new
//! model, so they compose: `block(condition(model, data), ...)`.
//!
//! | handler | effect |
//! |---|---|
//! | [`trace()`] | records every site of a run |
//! | [`replay`] | reuses the values of a recorded trace for latent sites |
//! | [`condition`] | fixes sites to data: they become observed |
//! | [`intervene`] | `do(x = a)`: fixes sites and drops their log-density |
//! | [`block`] | hides sites from handlers further out |
//! | [`scale`] | multiplies log-densities |
//! | [`mask`] | removes sites' log-densities |
//! | [`seed`] | runs with its own random number generator |
//! | [`substitute`] | fixes the values of sites (latent or param), keeping their log-density |

mod block;
mod condition;
mod intervene;
mod mask;
mod replay;
mod scale;
mod seed;
mod substitute;
mod trace;

pub use block::{block, Block};
pub use condition::{condition, Condition};
pub use intervene::{intervene, Intervene};
pub use mask::{mask, Mask};
pub use replay::{replay, Replay};
pub use scale::{scale, Scale};
pub use seed::{seed, Seeded};
pub use substitute::{substitute, Substitute};
pub use trace::{trace, TraceRecorder};

use crate::backend::{Backend, Real, Var};
use crate::error::Result;
use crate::ppl::{Ctx, Handler, Model};
use std::collections::HashMap;

/// Values by site name, as taken by `condition`, `intervene` and `substitute`.
///
/// # Examples
/// ```
/// use flowppl::handlers::Values;
/// use flowppl::prelude::*;
/// let dev = Cpu::default();
/// let mut data: Values<f64, Cpu> = Values::new();
/// data.insert("y".to_string(), Var::scalar(&dev, 2.0));
/// assert_eq!(data["y"].item().unwrap(), 2.0);
/// ```
pub type Values<E, D> = HashMap<String, Var<E, D>>;

/// A model run with one more handler on the stack.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{block, trace, Block, Handled};
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
/// // Every handler function returns the model wrapped in a `Handled`, itself a model.
/// let blocked: Handled<_, Block> = block(model, |name| name == "y");
/// let t = trace(&blocked, &mut Ctx::new(&dev, &mut rng))?;
/// assert_eq!(t.names().collect::<Vec<_>>(), ["a"]);
/// # Ok(())
/// # }
/// ```
pub struct Handled<M, H> {
    model: M,
    handler: H,
}

impl<M, H> Handled<M, H> {
    /// `model` run under `handler`.
    ///
    /// # Examples
    /// ```
    /// # use flowppl::backend::rng::seeded;
    /// use flowppl::handlers::{trace, Handled};
    /// # use flowppl::ppl::model_fn;
    /// use flowppl::ppl::{Handler, Site};
    /// use flowppl::prelude::*;
    /// # fn main() -> flowppl::Result<()> {
    /// // `model`: a ~ N(0, 1); y ~ N(a, 1) observed at 1.
    /// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
    /// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
    /// #     ctx.observe("y", Normal::new(&a, 1.0)?, Var::scalar(ctx.device(), 1.0), None)?;
    /// #     Ok(())
    /// # });
    /// # let (dev, mut rng) = (Cpu::default(), seeded(0));
    /// // A handler of our own: doubles every site's log-density.
    /// #[derive(Clone)]
    /// struct Double;
    /// impl Handler<f64, Cpu> for Double {
    ///     fn process(&mut self, site: &mut Site<f64, Cpu>) -> flowppl::Result<()> {
    ///         site.scale *= 2.0;
    ///         Ok(())
    ///     }
    /// }
    /// let t = trace(&Handled::new(model, Double), &mut Ctx::new(&dev, &mut rng))?;
    /// assert!(t.sites().iter().all(|site| site.scale == 2.0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(model: M, handler: H) -> Self {
        Handled { model, handler }
    }
}

impl<E: Real, D: Backend<E>, M: Model<E, D>, H: Handler<E, D> + Clone + 'static> Model<E, D>
    for Handled<M, H>
{
    fn run(&self, ctx: &mut Ctx<'_, E, D>) -> Result<()> {
        ctx.with_handler(Box::new(self.handler.clone()), |ctx| self.model.run(ctx))
    }
    fn name(&self) -> &str {
        self.model.name()
    }
}

/// Collects `(name, value)` pairs into [`Values`].
///
/// # Examples
/// ```
/// use flowppl::handlers::values;
/// use flowppl::prelude::*;
/// let dev = Cpu::default();
/// let data = values([("a", Var::<f64, Cpu>::scalar(&dev, 1.0)), ("b", Var::scalar(&dev, 2.0))]);
/// assert_eq!(data.len(), 2);
/// assert_eq!(data["b"].item().unwrap(), 2.0);
/// ```
pub fn values<E: Real, D: Backend<E>, K: Into<String>>(
    pairs: impl IntoIterator<Item = (K, Var<E, D>)>,
) -> Values<E, D> {
    pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
}
