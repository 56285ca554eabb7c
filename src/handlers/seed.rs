//! `seed`: run with a random number generator of its own.

use crate::backend::rng::seeded;
use crate::backend::{Backend, Real};
use crate::error::Result;
use crate::ppl::{Ctx, Model};

/// A model that always draws from a generator seeded with `seed`, whatever the context's
/// generator; the context's generator is left as it was.
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{seed, trace};
/// # use flowppl::ppl::model_fn;
/// use flowppl::prelude::*;
/// # fn main() -> flowppl::Result<()> {
/// // `model`: a ~ N(0, 1); y ~ N(a, 1) observed at 1.
/// # let model = model_fn("m", |ctx: &mut Ctx<'_, f64, Cpu>| {
/// #     let a = ctx.sample("a", Normal::new(0.0, 1.0)?, None)?;
/// #     ctx.observe("y", Normal::new(&a, 1.0)?, Var::scalar(ctx.device(), 1.0), None)?;
/// #     Ok(())
/// # });
/// # let (dev, mut rng) = (Cpu::default(), seeded(0));
/// let mut fresh = seeded(0);
/// // Running the seeded model leaves the context's generator untouched: the next plain run
/// // draws what a fresh generator with the same seed draws.
/// let mut ctx = Ctx::new(&dev, &mut rng);
/// trace(&seed(&model, 7), &mut ctx)?;
/// let after = trace(&model, &mut ctx)?.value("a").unwrap().item()?;
/// let first = trace(&model, &mut Ctx::new(&dev, &mut fresh))?.value("a").unwrap().item()?;
/// assert_eq!(after, first);
/// # Ok(())
/// # }
/// ```
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
///
/// # Examples
/// ```
/// # use flowppl::backend::rng::seeded;
/// use flowppl::handlers::{seed, trace};
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
/// let mut other = seeded(123);
/// let a = |t: flowppl::ppl::Trace<f64, Cpu>| t.value("a").unwrap().item().unwrap();
/// let first = a(trace(&seed(&model, 7), &mut Ctx::new(&dev, &mut rng))?);
/// let second = a(trace(&seed(&model, 7), &mut Ctx::new(&dev, &mut other))?);
/// assert_eq!(first, second);
/// assert_ne!(first, a(trace(&seed(&model, 8), &mut Ctx::new(&dev, &mut other))?));
/// # Ok(())
/// # }
/// ```
pub fn seed<M>(model: M, seed: u64) -> Seeded<M> {
    Seeded { model, seed }
}
