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
pub type Values<E, D> = HashMap<String, Var<E, D>>;

/// A model run with one more handler on the stack.
pub struct Handled<M, H> {
    model: M,
    handler: H,
}

impl<M, H> Handled<M, H> {
    /// `model` run under `handler`.
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
pub fn values<E: Real, D: Backend<E>, K: Into<String>>(
    pairs: impl IntoIterator<Item = (K, Var<E, D>)>,
) -> Values<E, D> {
    pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
}
