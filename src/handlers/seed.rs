//! `seed`: run with a random number generator of its own.

use crate::backend::rng::seeded;
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Ctx, Model};

/// A model that always draws from a generator seeded with `seed`, whatever the context's
/// generator; the context's generator is left as it was.
pub struct Seeded<M> {
    model: M,
    seed: u64,
}

impl<E: Real, D: Backend<E>, M: Model<E, D>> Model<E, D> for Seeded<M> {
    fn run(&self, ctx: &mut Ctx<'_, E, D>) -> Result<()> {
        let mut own = seeded(self.seed);
        std::mem::swap(ctx.rng(), &mut own);
        let result = self.model.run(ctx);
        std::mem::swap(ctx.rng(), &mut own);
        result
    }
    fn name(&self) -> &str {
        self.model.name()
    }
}

/// `model` run with its own generator seeded with `seed`: every run draws the same values.
pub fn seed<M>(model: M, seed: u64) -> Seeded<M> {
    Seeded { model, seed }
}
